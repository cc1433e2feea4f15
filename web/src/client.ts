// The client core: one account's connection, its state, and every action the UI can take. The UI reads
// `client.state` and re-renders on `subscribe`; all changes go through `set`, so the state is one immutable
// snapshot at a time.
//
// Reconnect and resync: the connection's phases follow src/state/reconnect.ts. After every (re)connect the
// client authenticates with the saved token (refreshing it when expired), syncs from its cursor, pulls what is
// missing in the conversations it holds (by seq, so nothing is shown twice), subscribes to presence again, and
// resends its outbox with the same client_msg_ids (the server answers a resend with the original ack).
import { Connection, DISCONNECTED, RpcError, type RequestBody, type RequestKey, type ResponseBody } from './net/connection';
import type {
  ConversationSummary,
  Event,
  Friend,
  FriendRequest,
  JoinRequest,
  Member,
  Message,
  Presence,
  SearchHit,
  SessionInfo,
  User,
} from './proto';
import {
  applyLiveMessage,
  applyRead,
  applyReceipt,
  applySummaries,
  isMuted,
  peerOf,
  previewText,
  titleFor,
  unreadTotal,
  type Summaries,
} from './state/conversations';
import {
  ackPending,
  addPending,
  dropMessages,
  emptyTimeline,
  failPending,
  hasGapBefore,
  isOperation,
  mergeMessages,
  replaceMessage,
  seqOf,
  type Item,
  type Timeline,
} from './state/messages';
import { cleanFileName, kindForMime, uploadFile, UrlCache, xhrTransport, type BlobInfo, type MediaKind, type SignedUrl, type Transport } from './state/media';
import { initialConnState, nextConnState, type ConnEvent, type ConnState } from './state/reconnect';

/** A file being uploaded into a conversation (shown above the composer until its message is sent). */
export interface UploadItem {
  id: string;
  conversation_id: string;
  name: string;
  size: number;
  mime: string;
  /** 0..1 of the bytes sent */
  progress: number;
  state: 'uploading' | 'processing' | 'failed';
  error?: string;
  caption?: string;
}

type MessageMedia = NonNullable<Message['media']>;

export interface StoredSession {
  token: string;
  refresh_token: string;
  user: User;
  device_id: string;
}

export interface AppState {
  session?: StoredSession;
  conn: ConnState;
  retryAt: number;
  summaries: Summaries;
  timelines: Record<string, Timeline>;
  /** conversation -> user -> expiry (ms) */
  typing: Record<string, Record<string, number>>;
  presence: Record<string, Presence>;
  users: Record<string, User>;
  friends: Friend[];
  incoming: FriendRequest[];
  outgoing: FriendRequest[];
  blocked: User[];
  members: Record<string, Member[]>;
  joinRequests: Record<string, JoinRequest[]>;
  openId?: string;
  /** the read cursor when a conversation was opened: where the "new messages" marker goes */
  unreadMarker: Record<string, number>;
  /** a message to scroll to and highlight (from search) */
  focus?: { conversation_id: string; seq: number; at: number };
  toast?: { text: string; at: number };
  synced: boolean;
  /** conversation -> uploads in progress or failed */
  uploads: Record<string, UploadItem[]>;
}

const SESSION_KEY = 'parley.session';
const DEVICE_KEY = 'parley.device';
const PULL_PAGE = 50;

function randomId(bytes = 12): string {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return Array.from(a, (b) => b.toString(36).padStart(2, '0')).join('').slice(0, bytes * 2);
}

export interface Credentials {
  mode: 'login' | 'register';
  user_id: string;
  password: string;
  display_name?: string;
}

interface OutboxEntry {
  conversation_id: string;
  client_msg_id: string;
  body: RequestBody<'send_message'>;
}

export class Client {
  state: AppState;
  private listeners = new Set<() => void>();
  private conn?: Connection;
  private cursor = '0';
  private credentials?: { creds: Credentials; resolve(): void; reject(e: Error): void };
  private retryTimer?: ReturnType<typeof setTimeout>;
  private typingTimer?: ReturnType<typeof setTimeout>;
  private outbox = new Map<string, OutboxEntry>();
  private nameLookups = new Set<string>();
  private syncAgain = false;
  /** presence subscriptions of the current connection (they end with it) */
  private presenceSubscribed = new Set<string>();
  private syncing = false;
  /** the files and abort handles behind state.uploads */
  private uploadJobs = new Map<string, { file: File; abort: AbortController }>();
  /** signed download URLs, cached until shortly before they expire */
  readonly urls = new UrlCache((blob_id, file_name) => this.fetchBlobUrl(blob_id, file_name));
  /** the HTTP transport for uploads (tests replace it) */
  transport: Transport = xhrTransport;

  constructor(
    private readonly url: string,
    private readonly storage: Storage = localStorage,
  ) {
    let session: StoredSession | undefined;
    try {
      session = JSON.parse(storage.getItem(SESSION_KEY) ?? 'null') ?? undefined;
    } catch {
      session = undefined;
    }
    this.state = {
      session,
      conn: initialConnState(),
      retryAt: 0,
      summaries: {},
      timelines: {},
      typing: {},
      presence: {},
      users: session ? { [session.user.user_id!]: session.user } : {},
      friends: [],
      incoming: [],
      outgoing: [],
      blocked: [],
      members: {},
      joinRequests: {},
      unreadMarker: {},
      synced: false,
      uploads: {},
    };
    if (typeof window !== 'undefined') {
      window.addEventListener('online', () => this.retryNow());
      document.addEventListener('visibilitychange', () => {
        const visible = document.visibilityState === 'visible';
        if (visible && this.state.openId) this.markRead(this.state.openId);
        // A hidden tab shows as "away" to contacts.
        if (this.state.conn.phase === 'online') {
          void this.call('set_presence', { state: visible ? 'ONLINE' : 'AWAY' }).catch(() => {});
        }
      });
    }
  }

  get me(): string {
    return this.state.session?.user.user_id ?? '';
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<AppState> | ((s: AppState) => Partial<AppState>)): void {
    const p = typeof patch === 'function' ? patch(this.state) : patch;
    this.state = { ...this.state, ...p };
    if (typeof document !== 'undefined') document.title = titleFor(unreadTotal(this.state.summaries));
    for (const fn of this.listeners) fn();
  }

  toast(text: string): void {
    this.set({ toast: { text, at: Date.now() } });
  }

  // ---- connection lifecycle -------------------------------------------------------------------------------

  /** Starts with the saved session, if any. */
  resume(): void {
    if (this.state.session) this.transition({ type: 'start' });
  }

  /** Logs in (or registers, then logs in) on a fresh connection. Resolves once signed in. */
  signIn(creds: Credentials): Promise<void> {
    this.stop();
    return new Promise<void>((resolve, reject) => {
      this.credentials = { creds, resolve, reject };
      this.transition({ type: 'start' });
    });
  }

  /** The token is no good any more: back to the sign-in page (which shows the reason). */
  private forgetSession(): void {
    this.storage.removeItem(SESSION_KEY);
    this.resetAccountState();
    this.set({ session: undefined });
  }

  private resetAccountState(): void {
    this.cursor = '0';
    this.outbox.clear();
    this.nameLookups.clear();
    for (const job of this.uploadJobs.values()) job.abort.abort();
    this.uploadJobs.clear();
    this.urls.clear();
    this.set({
      uploads: {},
      summaries: {},
      timelines: {},
      typing: {},
      presence: {},
      friends: [],
      incoming: [],
      outgoing: [],
      blocked: [],
      members: {},
      joinRequests: {},
      openId: undefined,
      unreadMarker: {},
      synced: false,
    });
  }

  async signOut(): Promise<void> {
    try {
      await this.conn?.call('logout', {}, 3000);
    } catch {
      /* signing out locally anyway */
    }
    this.storage.removeItem(SESSION_KEY);
    this.stop();
    this.resetAccountState();
    this.set({ session: undefined });
  }

  retryNow(): void {
    if (this.state.conn.phase === 'waiting') this.transition({ type: 'retry' });
  }

  private stop(): void {
    clearTimeout(this.retryTimer);
    const c = this.conn;
    this.conn = undefined;
    c?.close();
    this.transition({ type: 'stop' });
  }

  private transition(e: ConnEvent): void {
    const before = this.state.conn.phase;
    const conn = nextConnState(this.state.conn, e);
    const retryAt = conn.phase === 'waiting' ? Date.now() + conn.delay_ms : 0;
    this.set({ conn, retryAt });
    if (conn.phase === 'connecting' && before !== 'connecting') this.open();
    if (conn.phase === 'waiting') {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.transition({ type: 'retry' }), conn.delay_ms);
    }
    if (conn.phase === 'signed_out' && this.conn) {
      const c = this.conn;
      this.conn = undefined;
      c.close();
    }
  }

  private open(): void {
    this.presenceSubscribed.clear();
    const c = new Connection(this.url, {
      onOpen: () => {
        if (this.conn !== c) return;
        this.transition({ type: 'open' });
        void this.authenticate(c);
      },
      onClose: (_code, reason) => {
        if (this.conn !== c) return;
        this.conn = undefined;
        this.set({ typing: {} });
        if (this.credentials) {
          const pending = this.credentials;
          this.credentials = undefined;
          pending.reject(new Error('Cannot reach the server'));
          this.transition({ type: 'stop' });
          return;
        }
        this.transition({ type: 'closed', reason: reason || 'connection lost' });
      },
      onEvent: (e) => {
        if (this.conn === c) this.onEvent(e);
      },
    });
    this.conn = c;
  }

  private deviceId(): string {
    let id = this.storage.getItem(DEVICE_KEY);
    if (!id) {
      id = `web-${randomId(8)}`;
      this.storage.setItem(DEVICE_KEY, id);
    }
    return id;
  }

  private saveSession(info: SessionInfo, fallbackRefresh?: string): void {
    const session: StoredSession = {
      token: info.token ?? '',
      refresh_token: info.refresh_token || fallbackRefresh || '',
      user: info.user ?? {},
      device_id: info.device_id ?? this.deviceId(),
    };
    this.storage.setItem(SESSION_KEY, JSON.stringify(session));
    this.set((s) => ({ session, users: { ...s.users, [session.user.user_id!]: session.user } }));
  }

  private async authenticate(c: Connection): Promise<void> {
    try {
      if (this.credentials) {
        const { creds } = this.credentials;
        if (creds.mode === 'register') {
          await c.call('register_user', {
            user_id: creds.user_id,
            password: creds.password,
            display_name: creds.display_name || undefined,
          });
        }
        const r = await c.call('login', {
          user_id: creds.user_id,
          password: creds.password,
          device_id: this.deviceId(),
          platform: 'WEB',
        });
        if (this.state.session?.user.user_id !== creds.user_id) this.resetAccountState();
        this.saveSession(r.session!);
        const done = this.credentials;
        this.credentials = undefined;
        done.resolve();
      } else {
        const session = this.state.session;
        if (!session) throw new RpcError('UNAUTHENTICATED', 'not signed in');
        try {
          await c.call('authenticate', { token: session.token });
        } catch (e) {
          if (!(e instanceof RpcError) || e.code !== 'TOKEN_EXPIRED') throw e;
          const r = await c.call('refresh', { refresh_token: session.refresh_token });
          this.saveSession(r.session!);
        }
      }
    } catch (e) {
      const err = e instanceof RpcError ? e : new RpcError('INTERNAL', String(e));
      if (err.code === DISCONNECTED || err.code === 'TIMEOUT' || err.code === 'UNAVAILABLE') {
        if (this.credentials) return; // onClose reports it
        c.close();
        return;
      }
      if (this.credentials) {
        const pending = this.credentials;
        this.credentials = undefined;
        pending.reject(new Error(err.message));
        this.stop();
        return;
      }
      this.forgetSession();
      this.transition({ type: 'auth_failed', reason: err.message });
      return;
    }
    if (this.conn !== c) return;
    this.transition({ type: 'authed' });
    await this.resync(c);
  }

  private async resync(c: Connection): Promise<void> {
    try {
      await this.syncOnce(c);
      if (this.conn !== c) return;
      this.transition({ type: 'synced' });
      this.set({ synced: true });
      void this.refreshSocial();
      void this.subscribePresence();
      for (const id of Object.keys(this.state.timelines)) void this.catchUp(id);
      if (this.state.openId) this.markRead(this.state.openId);
      void this.flushOutbox();
    } catch {
      if (this.conn === c) c.close();
    }
  }

  /** Syncs until has_more is false; repeats when asked again while running. */
  private async syncOnce(c: Connection | undefined = this.conn): Promise<void> {
    if (!c) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.syncAgain = false;
        for (;;) {
          const r = await c.call('sync', { cursor: this.cursor });
          this.set((s) => ({ summaries: applySummaries(s.summaries, r.conversations ?? []) }));
          this.markDelivered(r.conversations ?? []);
          for (const e of r.events ?? []) this.onPrivateEvent(e, false);
          this.cursor = r.cursor ?? this.cursor;
          if (!r.has_more) break;
        }
      } while (this.syncAgain);
    } finally {
      this.syncing = false;
    }
  }

  /** Direct messages that reached this device: the sender's ticks turn to "delivered". */
  private markDelivered(summaries: ConversationSummary[]): void {
    for (const s of summaries) {
      const max = Number(s.max_seq ?? 0);
      if (s.kind !== 'DIRECT' || max <= Number(s.delivered_seq ?? 0) || s.last_message?.sender_id === this.me) continue;
      void this.conn?.call('mark_delivered', { conversation_id: s.conversation_id, seq: String(max) }).catch(() => {});
    }
  }

  private call<K extends RequestKey>(key: K, body: RequestBody<K>): Promise<ResponseBody<K>> {
    if (!this.conn || this.state.conn.phase === 'connecting' || this.state.conn.phase === 'authenticating') {
      return Promise.reject(new RpcError(DISCONNECTED, 'Offline: waiting for the connection'));
    }
    return this.conn.call(key, body);
  }

  // ---- events -----------------------------------------------------------------------------------------------

  private onEvent(e: Event): void {
    if (e.message) this.onMessage(e.message);
    else if (e.read) this.set((s) => ({ summaries: applyRead(s.summaries, e.read!.conversation_id!, Number(e.read!.read_seq ?? 0)) }));
    else if (e.receipt) {
      const r = e.receipt;
      this.set((s) => ({
        summaries: applyReceipt(s.summaries, r.conversation_id!, Number(r.delivered_seq ?? 0), Number(r.read_seq ?? 0)),
      }));
    } else if (e.typing) this.onTyping(e.typing.conversation_id!, e.typing.user_id!, !!e.typing.typing, e.typing.expires_in_ms ?? 6000);
    else if (e.presence) this.set((s) => ({ presence: { ...s.presence, [e.presence!.user_id!]: e.presence! } }));
    else if (e.settings) {
      const st = e.settings;
      this.set((s) => {
        const old = s.summaries[st.conversation_id!];
        if (!old) return {};
        return { summaries: { ...s.summaries, [st.conversation_id!]: { ...old, settings: st.settings, hidden: st.hidden } } };
      });
    } else if (e.join_request) {
      const jr = e.join_request.request!;
      this.set((s) => ({
        joinRequests: {
          ...s.joinRequests,
          [jr.conversation_id!]: [...(s.joinRequests[jr.conversation_id!] ?? []).filter((x) => x.user_id !== jr.user_id), jr],
        },
      }));
      this.toast(`${this.nameOf(jr.user_id!)} asked to join ${this.titleOf(jr.conversation_id!)}`);
    } else if (e.kicked) {
      this.forgetSession();
      this.transition({ type: 'kicked', reason: e.kicked.message ?? 'signed out' });
    } else this.onPrivateEvent(e, true);
  }

  /**
   * friend, messages_deleted, privacy: live, or from sync (which also replays the ones that arrived live
   * since the last sync: applying them is idempotent, and only live ones are announced).
   */
  private onPrivateEvent(e: Event, live: boolean): void {
    if (e.friend) {
      const f = e.friend;
      for (const u of [f.request?.from_user, f.request?.to_user]) if (u?.user_id) this.rememberUser(u);
      if (f.kind === 'REQUEST_RECEIVED' && live) this.toast(`${this.nameOf(f.user_id!)} sent you a friend request`);
      if (f.kind === 'FRIEND_ADDED' && live) this.toast(`You and ${this.nameOf(f.user_id!)} are now friends`);
      if (this.state.synced) void this.refreshSocial();
    } else if (e.messages_deleted) {
      const d = e.messages_deleted;
      this.updateTimeline(d.conversation_id!, (t) =>
        dropMessages(t, (d.seqs ?? []).map(Number), Number(d.cleared_seq ?? 0)),
      );
    }
  }

  private onMessage(m: Message): void {
    const id = m.conversation_id!;
    const viewing = this.isViewing(id);
    const known = !!this.state.summaries[id];
    // A seq past the next one means events were lost (a drop, a slow link): the summary needs a sync too.
    const skipped = known && seqOf(m) > Number(this.state.summaries[id].max_seq ?? 0) + 1;
    this.set((s) => ({ summaries: applyLiveMessage(s.summaries, m, this.me, viewing) }));
    const t = this.state.timelines[id];
    if (t) {
      if (hasGapBefore(t, m)) void this.catchUp(id);
      else this.updateTimeline(id, (tl) => mergeMessages(tl, [m]));
    }
    if (m.sender_id && this.state.typing[id]?.[m.sender_id]) this.onTyping(id, m.sender_id, false, 0);
    if (!known || skipped || m.kind === 'SYSTEM') void this.syncOnce(); // names, roles, counts, lost events
    if (m.kind === 'SYSTEM' && this.state.members[id]) void this.loadMembers(id);
    const fromOther = m.sender_id !== this.me;
    if (fromOther && !isOperation(m) && m.kind !== 'SYSTEM') {
      if (viewing) this.markRead(id);
      else void this.call('mark_delivered', { conversation_id: id, seq: m.seq }).catch(() => {});
      this.notify(m);
    }
    if (!this.state.users[m.sender_id ?? '']) this.lookupName(m.sender_id ?? '');
  }

  private onTyping(id: string, user: string, typing: boolean, expiresInMs: number): void {
    this.set((s) => {
      const forConv = { ...(s.typing[id] ?? {}) };
      if (typing) forConv[user] = Date.now() + expiresInMs;
      else delete forConv[user];
      return { typing: { ...s.typing, [id]: forConv } };
    });
    if (typing) {
      clearTimeout(this.typingTimer);
      this.typingTimer = setTimeout(() => this.expireTyping(), expiresInMs + 50);
    }
  }

  private expireTyping(): void {
    const now = Date.now();
    let next = Infinity;
    const typing: AppState['typing'] = {};
    for (const [id, users] of Object.entries(this.state.typing)) {
      const kept: Record<string, number> = {};
      for (const [u, until] of Object.entries(users)) if (until > now) {
        kept[u] = until;
        next = Math.min(next, until);
      }
      typing[id] = kept;
    }
    this.set({ typing });
    if (next !== Infinity) this.typingTimer = setTimeout(() => this.expireTyping(), next - now + 50);
  }

  private isViewing(id: string): boolean {
    return this.state.openId === id && typeof document !== 'undefined' && document.visibilityState === 'visible';
  }

  private notify(m: Message): void {
    if (typeof document === 'undefined' || typeof Notification === 'undefined') return;
    if (!document.hidden || Notification.permission !== 'granted') return;
    const s = this.state.summaries[m.conversation_id!];
    if (s && isMuted(s)) return;
    try {
      const n = new Notification(this.titleOf(m.conversation_id!), {
        body: previewText(m, this.me, (u) => this.nameOf(u)),
        tag: m.conversation_id,
      });
      n.onclick = () => {
        window.focus();
        void this.openChat(m.conversation_id!);
      };
    } catch {
      /* some browsers allow notifications only from a service worker */
    }
  }

  // ---- names ---------------------------------------------------------------------------------------------

  rememberUser(u: User): void {
    if (!u.user_id) return;
    const old = this.state.users[u.user_id];
    if (old && old.display_name === u.display_name) return;
    this.set((s) => ({ users: { ...s.users, [u.user_id!]: u } }));
  }

  nameOf(id: string): string {
    const u = this.state.users[id];
    if (!u) this.lookupName(id);
    return u?.display_name || id;
  }

  private lookupName(id: string): void {
    if (!id || this.nameLookups.has(id) || !this.conn || this.state.conn.phase !== 'online') return;
    this.nameLookups.add(id);
    void this.call('search_users', { query: id, limit: 5 })
      .then((r) => {
        const u = (r.users ?? []).find((x) => x.user_id === id);
        if (u) this.rememberUser(u);
      })
      .catch(() => this.nameLookups.delete(id));
  }

  titleOf(id: string): string {
    const s = this.state.summaries[id];
    if (id.startsWith('g:')) return s?.group?.name || s?.name || 'Group';
    return this.nameOf(peerOf(id, this.me));
  }

  // ---- conversations and messages ------------------------------------------------------------------------

  private updateTimeline(id: string, fn: (t: Timeline) => Timeline): void {
    this.set((s) => {
      const t = s.timelines[id];
      if (!t) return {};
      return { timelines: { ...s.timelines, [id]: fn(t) } };
    });
  }

  /** Opens a conversation; with `focusSeq`, shows that message in context (from search). */
  async openChat(id: string, focusSeq = 0): Promise<void> {
    const s = this.state.summaries[id];
    this.set((st) => ({
      openId: id,
      unreadMarker:
        st.openId === id
          ? st.unreadMarker
          : { ...st.unreadMarker, [id]: Number(s?.unread_count ?? 0) > 0 ? Number(s?.read_seq ?? 0) : -1 },
      focus: focusSeq ? { conversation_id: id, seq: focusSeq, at: Date.now() } : undefined,
    }));
    const t = this.state.timelines[id];
    const haveFocus = !focusSeq || t?.items.some((x) => seqOf(x) === focusSeq);
    if (!t || !haveFocus) await this.loadInitial(id, focusSeq);
    if (id.startsWith('g:') && !this.state.members[id]) void this.loadMembers(id);
    this.markRead(id);
  }

  closeChat(): void {
    this.set({ openId: undefined });
  }

  private async loadInitial(id: string, focusSeq: number): Promise<void> {
    const s = this.state.summaries[id];
    const maxSeq = Number(s?.max_seq ?? 0);
    const unread = Number(s?.unread_count ?? 0);
    const limit = Math.min(200, Math.max(PULL_PAGE, unread + 20));
    const before = focusSeq ? focusSeq + 25 : maxSeq + 1;
    const base = emptyTimeline();
    this.set((st) => ({ timelines: { ...st.timelines, [id]: st.timelines[id] && !focusSeq ? st.timelines[id] : base } }));
    if (maxSeq === 0) {
      this.updateTimeline(id, (t) => ({ ...t, has_older: false }));
      return;
    }
    try {
      const r = await this.call('pull_messages', { conversation_id: id, before_seq: String(before), limit });
      const msgs = r.messages ?? [];
      this.updateTimeline(id, (t) => {
        const merged = mergeMessages(t, msgs, maxSeq);
        return { ...merged, has_older: !r.end && msgs.length > 0 && merged.oldest > 1 };
      });
      if (focusSeq) await this.catchUp(id);
    } catch (e) {
      this.reportError(e);
    }
  }

  /** Pulls everything after the newest seq we hold, until the server says end. */
  async catchUp(id: string): Promise<void> {
    for (let page = 0; page < 20; page++) {
      const t = this.state.timelines[id];
      if (!t) return;
      const s = this.state.summaries[id];
      if (t.newest >= Number(s?.max_seq ?? 0) && page > 0) return;
      try {
        const r = await this.call('pull_messages', { conversation_id: id, after_seq: String(t.newest), limit: 200 });
        const msgs = r.messages ?? [];
        const asOf = Math.max(t.newest, ...msgs.map(seqOf));
        this.updateTimeline(id, (tl) => mergeMessages(tl, msgs, asOf));
        if (r.end || msgs.length === 0) return;
      } catch {
        return;
      }
    }
  }

  async loadOlder(id: string): Promise<void> {
    const t = this.state.timelines[id];
    if (!t || !t.has_older || t.oldest <= 1) {
      if (t && t.has_older) this.updateTimeline(id, (tl) => ({ ...tl, has_older: false }));
      return;
    }
    try {
      const r = await this.call('pull_messages', { conversation_id: id, before_seq: String(t.oldest), limit: PULL_PAGE });
      const msgs = r.messages ?? [];
      this.updateTimeline(id, (tl) => {
        const merged = mergeMessages(tl, msgs, tl.newest);
        return { ...merged, has_older: !r.end && msgs.length > 0 && merged.oldest > 1 };
      });
    } catch (e) {
      this.reportError(e);
    }
  }

  markRead(id: string): void {
    if (!this.isViewing(id)) return;
    const s = this.state.summaries[id];
    const max = Number(s?.max_seq ?? 0);
    if (!s || max <= Number(s.read_seq ?? 0) || this.state.conn.phase !== 'online') return;
    this.set((st) => ({ summaries: applyRead(st.summaries, id, max) }));
    void this.call('mark_read', { conversation_id: id, seq: String(max) }).catch(() => {});
  }

  /** Sends a message; it shows at once as pending and survives reconnects (resent with its client_msg_id). */
  send(
    id: string,
    content: {
      text?: string;
      mentions?: string[];
      mention_all?: boolean;
      reply_to?: number;
      forward?: { conversation_id: string; seq: number; kind?: string; text?: string; media?: MessageMedia };
      media?: { kind: MediaKind; media: MessageMedia };
    },
  ): void {
    const client_msg_id = `${this.state.session?.device_id ?? 'web'}-${Date.now().toString(36)}-${randomId(4)}`;
    const body: RequestBody<'send_message'> = { conversation_id: id, client_msg_id };
    const pending: Item = {
      conversation_id: id,
      client_msg_id,
      sender_id: this.me,
      timestamp_ms: String(Date.now()),
      kind: 'TEXT',
      text: content.text,
    };
    if (content.forward) {
      body.message = {
        kind: (content.forward.kind as Message['kind']) ?? 'TEXT',
        forwarded_from: { conversation_id: content.forward.conversation_id, seq: String(content.forward.seq) },
      };
      pending.kind = body.message.kind;
      pending.text = content.forward.text;
      pending.media = content.forward.media; // the server copies the original's content, media included
      pending.forwarded_from = body.message.forwarded_from;
    } else if (content.media) {
      // The server fills the media's type, size and dimensions from the blob; the pending copy shows what
      // the upload answered in the meantime.
      const { blob_id, file_name } = content.media.media;
      body.message = { kind: content.media.kind, media: { blob_id, file_name }, text: content.text || undefined };
      pending.kind = content.media.kind;
      pending.media = content.media.media;
    } else if (content.mentions?.length || content.mention_all || content.reply_to) {
      body.message = {
        kind: 'TEXT',
        text: content.text,
        mentions: content.mentions?.length ? content.mentions : undefined,
        mention_all: content.mention_all || undefined,
        reply_to: content.reply_to ? { conversation_id: id, seq: String(content.reply_to) } : undefined,
      };
      pending.mentions = body.message.mentions;
      pending.reply_to = body.message.reply_to;
    } else {
      body.text = content.text;
    }
    if (!this.state.timelines[id]) this.set((s) => ({ timelines: { ...s.timelines, [id]: { ...emptyTimeline(), has_older: false } } }));
    this.updateTimeline(id, (t) => addPending(t, pending));
    this.outbox.set(client_msg_id, { conversation_id: id, client_msg_id, body });
    void this.sendFromOutbox(client_msg_id);
  }

  private async sendFromOutbox(clientMsgId: string): Promise<void> {
    const entry = this.outbox.get(clientMsgId);
    if (!entry || this.state.conn.phase !== 'online') return;
    try {
      const ack = await this.call('send_message', entry.body);
      this.outbox.delete(clientMsgId);
      const id = entry.conversation_id;
      this.updateTimeline(id, (t) => ackPending(t, clientMsgId, ack));
      const sent = this.state.timelines[id]?.items.find((x) => x.seq === ack.seq);
      if (sent && !ack.duplicate) {
        this.set((s) => ({ summaries: applyLiveMessage(s.summaries, { ...sent, seq: ack.seq }, this.me, true) }));
      }
      if (!this.state.summaries[id] || ack.duplicate) void this.syncOnce();
    } catch (e) {
      if (e instanceof RpcError && (e.code === DISCONNECTED || e.code === 'TIMEOUT')) return; // resent after reconnect
      this.outbox.delete(clientMsgId);
      this.updateTimeline(entry.conversation_id, (t) => failPending(t, clientMsgId, (e as Error).message));
    }
  }

  private async flushOutbox(): Promise<void> {
    for (const key of [...this.outbox.keys()]) await this.sendFromOutbox(key);
  }

  retrySend(id: string, clientMsgId: string): void {
    const item = this.state.timelines[id]?.items.find((x) => x.client_msg_id === clientMsgId && !x.seq);
    if (!item) return;
    this.updateTimeline(id, (t) => ({ ...t, items: t.items.filter((x) => x !== item) }));
    const media = item.media?.blob_id ? { kind: item.kind as MediaKind, media: item.media } : undefined;
    this.send(id, { text: item.text, mentions: item.mentions, reply_to: Number(item.reply_to?.seq ?? 0) || undefined, media });
  }

  // ---- media ----------------------------------------------------------------------------------------------

  private async fetchBlobUrl(blob_id: string, file_name?: string): Promise<SignedUrl> {
    const r = await this.call('get_blob_url', { blob_id, file_name: file_name || undefined });
    // Only ever a path on this server (it goes into src and href).
    if (!r.url?.startsWith('/v1/media/blobs/')) throw new RpcError('PROTOCOL', 'unexpected blob URL');
    return { url: r.url, expires_at_ms: Number(r.expires_at_ms ?? 0) };
  }

  /** A signed URL for a blob or thumbnail (cached until shortly before it expires). */
  blobUrl(blobId: string, fileName?: string): Promise<SignedUrl> {
    return this.urls.get(blobId, fileName);
  }

  private setUpload(conv: string, id: string, patch: Partial<UploadItem> | null): void {
    this.set((s) => {
      const list = s.uploads[conv] ?? [];
      const next = patch === null ? list.filter((u) => u.id !== id) : list.map((u) => (u.id === id ? { ...u, ...patch } : u));
      return { uploads: { ...s.uploads, [conv]: next } };
    });
  }

  /** Uploads files into a conversation and sends each as an IMAGE, VIDEO, AUDIO or FILE message. */
  attach(conv: string, files: File[], caption?: string): void {
    files.forEach((file, i) => {
      const id = `up-${Date.now().toString(36)}-${randomId(4)}`;
      const item: UploadItem = {
        id,
        conversation_id: conv,
        name: cleanFileName(file.name),
        size: file.size,
        mime: file.type,
        progress: 0,
        state: 'uploading',
        caption: i === 0 ? caption?.trim() || undefined : undefined,
      };
      this.set((s) => ({ uploads: { ...s.uploads, [conv]: [...(s.uploads[conv] ?? []), item] } }));
      this.uploadJobs.set(id, { file, abort: new AbortController() });
      void this.runUpload(conv, id);
    });
  }

  private async runUpload(conv: string, id: string): Promise<void> {
    const job = this.uploadJobs.get(id);
    const item = this.state.uploads[conv]?.find((u) => u.id === id);
    const token = this.state.session?.token;
    if (!job || !item) return;
    let lastShown = 0;
    try {
      if (!token) throw new Error('Not signed in');
      const info: BlobInfo = await uploadFile(job.file, {
        token,
        transport: this.transport,
        signal: job.abort.signal,
        onProgress: (f) => {
          // at most one re-render per percent
          if (f === 1 || f - lastShown >= 0.01) {
            lastShown = f;
            this.setUpload(conv, id, { progress: f, state: f >= 1 ? 'processing' : 'uploading' });
          }
        },
      });
      this.uploadJobs.delete(id);
      this.setUpload(conv, id, null);
      const kind = kindForMime(info.mime_type || item.mime);
      const thumb = info.thumbnails?.[0]?.blob_id;
      this.send(conv, {
        text: item.caption,
        media: {
          kind,
          media: {
            blob_id: info.blob_id,
            file_name: item.name,
            mime_type: info.mime_type,
            size_bytes: info.size_bytes,
            width: info.width,
            height: info.height,
            duration_ms: info.duration_ms,
            thumbnail_blob_id: thumb,
          },
        },
      });
    } catch (e) {
      const err = e as Error & { code?: string };
      if (err.code === 'CANCELLED') {
        this.uploadJobs.delete(id);
        this.setUpload(conv, id, null);
        return;
      }
      this.setUpload(conv, id, { state: 'failed', error: err.message || 'Upload failed' });
    }
  }

  cancelUpload(conv: string, id: string): void {
    const job = this.uploadJobs.get(id);
    if (job) job.abort.abort();
    this.uploadJobs.delete(id);
    this.setUpload(conv, id, null);
  }

  retryUpload(conv: string, id: string): void {
    const job = this.uploadJobs.get(id);
    if (!job) return;
    this.uploadJobs.set(id, { file: job.file, abort: new AbortController() });
    this.setUpload(conv, id, { state: 'uploading', progress: 0, error: undefined });
    void this.runUpload(conv, id);
  }

  discardSend(id: string, clientMsgId: string): void {
    this.outbox.delete(clientMsgId);
    this.updateTimeline(id, (t) => ({ ...t, items: t.items.filter((x) => x.seq || x.client_msg_id !== clientMsgId) }));
  }

  private applyOperationAnswer(id: string, r: ResponseBody<'edit_message'>): void {
    if (r.target) this.updateTimeline(id, (t) => replaceMessage(t, r.target!, Number(r.seq ?? 0) || Number(r.target!.seq)));
    if (r.seq) this.updateTimeline(id, (t) => ({ ...t, newest: Math.max(t.newest, Number(r.seq)) }));
    const s = this.state.summaries[id];
    if (s && r.seq && Number(s.max_seq ?? 0) < Number(r.seq)) {
      let last = s.last_message;
      if (r.target && last && last.seq === r.target.seq) last = r.target;
      this.set((st) => ({ summaries: { ...st.summaries, [id]: { ...s, max_seq: r.seq, read_seq: r.seq, last_message: last } } }));
    }
  }

  async edit(id: string, seq: number, text: string, mentions?: string[]): Promise<void> {
    try {
      const r = await this.call('edit_message', { conversation_id: id, seq: String(seq), text, mentions });
      this.applyOperationAnswer(id, r);
    } catch (e) {
      this.reportError(e);
    }
  }

  async revoke(id: string, seq: number): Promise<void> {
    try {
      const r = await this.call('revoke_message', { conversation_id: id, seq: String(seq) });
      this.applyOperationAnswer(id, r);
    } catch (e) {
      this.reportError(e);
    }
  }

  async react(id: string, seq: number, emoji: string): Promise<void> {
    const item = this.state.timelines[id]?.items.find((x) => seqOf(x) === seq);
    const mine = !!item?.reactions?.find((r) => r.emoji === emoji)?.user_ids?.includes(this.me);
    try {
      const r = await this.call('react', { conversation_id: id, seq: String(seq), emoji, remove: mine || undefined });
      this.applyOperationAnswer(id, r);
    } catch (e) {
      this.reportError(e);
    }
  }

  sendTyping(id: string, typing: boolean): void {
    if (this.state.conn.phase !== 'online') return;
    void this.call('typing', { conversation_id: id, typing }).catch(() => {});
  }

  async updateSettings(id: string, patch: RequestBody<'update_conversation_settings'>): Promise<void> {
    try {
      const r = await this.call('update_conversation_settings', { ...patch, conversation_id: id });
      this.set((s) => ({ summaries: { ...s.summaries, [id]: { ...s.summaries[id], settings: r.settings, hidden: r.hidden } } }));
    } catch (e) {
      this.reportError(e);
    }
  }

  /** Keeps the unsent text of a conversation as its draft, shared by the user's devices. */
  saveDraft(id: string, text: string): void {
    const s = this.state.summaries[id];
    if (!s || (s.settings?.draft ?? '') === text || this.state.conn.phase !== 'online') return;
    this.set((st) => ({ summaries: { ...st.summaries, [id]: { ...s, settings: { ...s.settings, draft: text || undefined } } } }));
    void this.call('update_conversation_settings', { conversation_id: id, draft: text }).catch(() => {});
  }

  reportError(e: unknown): void {
    this.toast(e instanceof Error ? e.message : String(e));
  }

  // ---- people ----------------------------------------------------------------------------------------------

  async refreshSocial(): Promise<void> {
    try {
      const [friends, requests, blocked] = await Promise.all([
        this.call('list_friends', {}),
        this.call('list_friend_requests', {}),
        this.call('list_blocked', {}),
      ]);
      for (const f of friends.friends ?? []) if (f.user) this.rememberUser(f.user);
      for (const r of [...(requests.incoming ?? []), ...(requests.outgoing ?? [])]) {
        if (r.from_user) this.rememberUser(r.from_user);
        if (r.to_user) this.rememberUser(r.to_user);
      }
      this.set({
        friends: friends.friends ?? [],
        incoming: requests.incoming ?? [],
        outgoing: requests.outgoing ?? [],
        blocked: blocked.users ?? [],
      });
      void this.subscribePresence();
    } catch {
      /* retried on the next sync */
    }
  }

  private async subscribePresence(): Promise<void> {
    const ids = new Set<string>();
    for (const f of this.state.friends) if (f.user?.user_id) ids.add(f.user.user_id);
    for (const id of Object.keys(this.state.summaries)) {
      const peer = peerOf(id, this.me);
      if (peer) ids.add(peer);
    }
    const list = [...ids].filter((id) => !this.presenceSubscribed.has(id)).slice(0, 500);
    if (list.length === 0) return;
    for (const id of list) this.presenceSubscribed.add(id);
    try {
      const r = await this.call('subscribe_presence', { user_ids: list });
      const presence = { ...this.state.presence };
      for (const p of r.presences ?? []) presence[p.user_id!] = p;
      this.set({ presence });
    } catch {
      /* presence is a nicety */
    }
  }

  async searchUsers(query: string): Promise<User[]> {
    const r = await this.call('search_users', { query, limit: 20 });
    for (const u of r.users ?? []) this.rememberUser(u);
    return r.users ?? [];
  }

  private async social<K extends RequestKey>(key: K, body: RequestBody<K>, done?: string): Promise<boolean> {
    try {
      await this.call(key, body);
      if (done) this.toast(done);
      await this.refreshSocial();
      return true;
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  sendFriendRequest(user_id: string, message?: string) {
    return this.social('send_friend_request', { user_id, message: message || undefined }, 'Friend request sent');
  }
  respondFriendRequest(user_id: string, accept: boolean) {
    return this.social('respond_friend_request', { user_id, accept });
  }
  cancelFriendRequest(user_id: string) {
    return this.social('cancel_friend_request', { user_id });
  }
  removeFriend(user_id: string) {
    return this.social('remove_friend', { user_id });
  }
  block(user_id: string) {
    return this.social('block_user', { user_id }, `Blocked ${this.nameOf(user_id)}`);
  }
  unblock(user_id: string) {
    return this.social('unblock_user', { user_id });
  }

  /** Opens the direct conversation with a user (it comes into being with the first message). */
  async openDirect(user_id: string): Promise<void> {
    const me = this.me;
    const id = me < user_id ? `d:${me}:${user_id}` : `d:${user_id}:${me}`;
    if (!this.state.summaries[id]) {
      this.set((s) => ({
        summaries: { ...s.summaries, [id]: { conversation_id: id, kind: 'DIRECT', active: true } },
        timelines: { ...s.timelines, [id]: s.timelines[id] ?? { ...emptyTimeline(), has_older: false } },
      }));
    }
    await this.openChat(id);
  }

  // ---- groups ----------------------------------------------------------------------------------------------

  async createGroup(name: string, memberIds: string[]): Promise<string | undefined> {
    try {
      const r = await this.call('create_group', { name, member_ids: memberIds });
      const conv = r.conversation as ConversationSummary;
      this.set((s) => ({ summaries: applySummaries(s.summaries, [conv]) }));
      await this.openChat(conv.conversation_id!);
      return conv.conversation_id;
    } catch (e) {
      this.reportError(e);
      return undefined;
    }
  }

  async loadMembers(id: string): Promise<void> {
    try {
      const r = await this.call('list_members', { conversation_id: id, limit: 500 });
      for (const m of r.members ?? []) this.rememberUser({ user_id: m.user_id, display_name: m.display_name });
      this.set((s) => ({ members: { ...s.members, [id]: r.members ?? [] } }));
    } catch {
      /* not a member any more */
    }
  }

  async loadJoinRequests(id: string): Promise<void> {
    try {
      const r = await this.call('list_join_requests', { conversation_id: id });
      this.set((s) => ({ joinRequests: { ...s.joinRequests, [id]: r.requests ?? [] } }));
    } catch {
      /* only owners and admins see them */
    }
  }

  async groupAction<K extends RequestKey>(key: K, body: RequestBody<K>, done?: string): Promise<boolean> {
    try {
      await this.call(key, body);
      if (done) this.toast(done);
      const id = (body as { conversation_id?: string }).conversation_id;
      if (id) {
        await this.syncOnce();
        await this.loadMembers(id);
        if (key === 'respond_join_request') await this.loadJoinRequests(id);
      }
      return true;
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  async searchGroups(query: string) {
    const r = await this.call('search_groups', { query, limit: 20 });
    return r.groups ?? [];
  }

  // ---- for this user only: receipts lists, deletion, privacy, devices -------------------------------------

  /** Who has read a message in a group (the members' read cursors). */
  readReceipts(id: string, seq: number) {
    return this.call('get_read_receipts', { conversation_id: id, seq: String(seq) });
  }

  /** Deletes messages for this user only (their other devices follow through sync). */
  async deleteForMe(id: string, seqs: number[]): Promise<void> {
    try {
      await this.call('delete_messages', { conversation_id: id, seqs: seqs.map(String) });
      this.updateTimeline(id, (t) => dropMessages(t, seqs));
      await this.syncOnce();
    } catch (e) {
      this.reportError(e);
    }
  }

  /** Clears the history of a conversation for this user only. */
  async clearHistory(id: string): Promise<void> {
    try {
      const r = await this.call('clear_conversation', { conversation_id: id });
      this.updateTimeline(id, (t) => ({ ...dropMessages(t, [], Number(r.cleared_seq ?? 0)), has_older: false }));
      await this.syncOnce();
    } catch (e) {
      this.reportError(e);
    }
  }

  getPrivacy() {
    return this.call('get_privacy', {});
  }

  async setPrivacy(privacy: NonNullable<RequestBody<'set_privacy'>['privacy']>): Promise<boolean> {
    try {
      await this.call('set_privacy', { privacy });
      this.toast('Privacy settings saved');
      return true;
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  listDevices() {
    return this.call('list_devices', {});
  }

  async revokeDevice(deviceId: string): Promise<boolean> {
    try {
      await this.call('revoke_device', { device_id: deviceId });
      return true;
    } catch (e) {
      this.reportError(e);
      return false;
    }
  }

  // ---- search ----------------------------------------------------------------------------------------------

  async searchMessages(query: string, pageToken?: string): Promise<{ hits: SearchHit[]; next?: string }> {
    const r = await this.call('search_messages', { query, limit: 30, page_token: pageToken });
    return { hits: r.hits ?? [], next: r.next_page_token };
  }
}
