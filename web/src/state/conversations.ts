// The conversation list: summaries from sync, kept current by live events. Pure functions, unit-tested.
import type { ConversationSummary, Message } from '../proto';
import { isOperation, seqOf } from './messages';

export type Summaries = Record<string, ConversationSummary>;

const n = (s: string | undefined) => Number(s ?? 0);

/** The other user of a direct conversation `d:<a>:<b>`. */
export function peerOf(conversationId: string, me: string): string {
  if (!conversationId.startsWith('d:')) return '';
  const [a, b] = conversationId.slice(2).split(':');
  return a === me ? b : a;
}

/** The id of the direct conversation between two users: both ids in byte order. */
export function directId(a: string, b: string): string {
  return a < b ? `d:${a}:${b}` : `d:${b}:${a}`;
}

export function isGroup(id: string): boolean {
  return id.startsWith('g:');
}

/** A summary from sync replaces ours: the server's is the truth, and it is newer than what we had. */
export function applySummaries(list: Summaries, incoming: ConversationSummary[]): Summaries {
  if (incoming.length === 0) return list;
  const next = { ...list };
  for (const s of incoming) if (s.conversation_id) next[s.conversation_id] = s;
  return next;
}

export function mentionsMe(m: Message, me: string): boolean {
  return !!m.mention_all || (m.mentions ?? []).includes(me);
}

/**
 * A live message event. `viewing`: the user has this conversation open and visible, so it does not count as
 * unread. Creates a minimal summary for a conversation we did not know (the sync that follows fills it in).
 */
export function applyLiveMessage(list: Summaries, m: Message, me: string, viewing: boolean): Summaries {
  const id = m.conversation_id ?? '';
  const seq = seqOf(m);
  const old: ConversationSummary = list[id] ?? {
    conversation_id: id,
    kind: isGroup(id) ? 'GROUP' : 'DIRECT',
    active: true,
  };
  if (n(old.max_seq) >= seq) return list; // already counted (a replay)
  const s: ConversationSummary = { ...old, max_seq: String(seq), hidden: false };
  if (isOperation(m)) {
    const last = old.last_message;
    if (last && n(last.seq) === n(m.target_seq)) {
      if (m.kind === 'EDIT') s.last_message = { ...last, text: m.text, edited_at_ms: m.timestamp_ms };
      if (m.kind === 'REVOKE') s.last_message = { ...last, text: undefined, revoked: true, revoked_by: m.sender_id };
    }
    return { ...list, [id]: s };
  }
  s.last_message = m;
  const fromOther = m.sender_id !== me;
  if (!fromOther || viewing) {
    if (!fromOther) {
      s.read_seq = String(seq);
      s.unread_count = '0';
      s.mention_count = '0';
    }
  } else if (m.kind !== 'SYSTEM') {
    s.unread_count = String(n(old.unread_count) + 1);
    if (mentionsMe(m, me)) s.mention_count = String(n(old.mention_count) + 1);
  }
  if (m.kind === 'SYSTEM' && m.system?.group) s.group = m.system.group;
  if (m.kind === 'SYSTEM' && m.system?.group?.name !== undefined) s.name = m.system.group.name;
  return { ...list, [id]: s };
}

/** Our read cursor moved (here or on another device). */
export function applyRead(list: Summaries, id: string, readSeq: number): Summaries {
  const old = list[id];
  if (!old || n(old.read_seq) >= readSeq) return list;
  const caughtUp = readSeq >= n(old.max_seq);
  return {
    ...list,
    [id]: {
      ...old,
      read_seq: String(readSeq),
      unread_count: caughtUp ? '0' : old.unread_count,
      mention_count: caughtUp ? '0' : old.mention_count,
    },
  };
}

export function applyReceipt(list: Summaries, id: string, delivered: number, read: number): Summaries {
  const old = list[id];
  if (!old) return list;
  return {
    ...list,
    [id]: {
      ...old,
      peer_delivered_seq: String(Math.max(n(old.peer_delivered_seq), delivered, read)),
      peer_read_seq: String(Math.max(n(old.peer_read_seq), read)),
    },
  };
}

export function isMuted(s: ConversationSummary, now = Date.now()): boolean {
  return n(s.settings?.muted_until_ms) > now;
}

function lastActivity(s: ConversationSummary): number {
  return n(s.last_message?.timestamp_ms);
}

/** The list as shown: hidden ones left out, pinned first, then by last activity, newest first. */
export function sortedConversations(list: Summaries): ConversationSummary[] {
  return Object.values(list)
    .filter((s) => !s.hidden)
    .sort((a, b) => {
      const pa = a.settings?.pinned ? 1 : 0, pb = b.settings?.pinned ? 1 : 0;
      if (pa !== pb) return pb - pa;
      return lastActivity(b) - lastActivity(a) || (a.conversation_id ?? '').localeCompare(b.conversation_id ?? '');
    });
}

/** Unread messages over the conversations that are not hidden or muted: the tab title's count. */
export function unreadTotal(list: Summaries, now = Date.now()): number {
  let total = 0;
  for (const s of Object.values(list)) if (!s.hidden && !isMuted(s, now)) total += n(s.unread_count);
  return total;
}

export function titleFor(unread: number, base = 'Parley'): string {
  return unread > 0 ? `(${unread > 99 ? '99+' : unread}) ${base}` : base;
}

/** What the list shows under a conversation's name. */
export function previewText(m: Message | undefined, me: string, nameOf: (id: string) => string): string {
  if (!m) return '';
  if (m.revoked) return m.sender_id === me ? 'You unsent a message' : `${nameOf(m.sender_id ?? '')} unsent a message`;
  if (m.kind === 'SYSTEM') return systemText(m, me, nameOf);
  const who = m.sender_id === me ? 'You: ' : '';
  switch (m.kind) {
    case 'TEXT':
      return who + (m.text ?? '');
    case 'IMAGE':
      return who + '📷 Photo' + (m.text ? `: ${m.text}` : '');
    case 'VIDEO':
      return who + '🎬 Video' + (m.text ? `: ${m.text}` : '');
    case 'AUDIO':
      return who + '🎤 Audio' + (m.text ? `: ${m.text}` : '');
    case 'FILE':
      return who + '📎 ' + (m.media?.file_name ? `File: ${m.media.file_name}` : 'File');
    case 'LOCATION':
      return who + '📍 ' + (m.location?.name ?? 'Location');
    case 'CONTACT':
      return who + '👤 ' + (m.contact?.display_name ?? m.contact?.user_id ?? 'Contact');
    case 'MERGED_FORWARD':
      return who + '↪ ' + (m.text || 'Forwarded messages');
    default:
      return who + (m.text || 'Message');
  }
}

export function systemText(m: Message, me: string, nameOf: (id: string) => string): string {
  const sys = m.system ?? {};
  const who = (id: string | undefined) => (id === me ? 'You' : nameOf(id ?? ''));
  const list = (ids: string[] | undefined) => (ids ?? []).map((id) => (id === me ? 'you' : nameOf(id))).join(', ');
  switch (sys.action) {
    case 'GROUP_CREATED':
      return `${who(sys.actor_id)} created the group${sys.group?.name ? ` “${sys.group.name}”` : ''}`;
    case 'MEMBERS_ADDED':
      return `${who(sys.actor_id)} added ${list(sys.user_ids)}`;
    case 'MEMBERS_JOINED':
      return `${list(sys.user_ids)} joined`;
    case 'MEMBERS_REMOVED':
      return sys.user_ids?.length === 1 && sys.user_ids[0] === sys.actor_id
        ? `${who(sys.actor_id)} left`
        : `${who(sys.actor_id)} removed ${list(sys.user_ids)}`;
    case 'GROUP_UPDATED':
      return `${who(sys.actor_id)} changed the ${(sys.changed ?? ['settings']).join(', ').replace(/_/g, ' ')}`;
    case 'ROLE_CHANGED':
      return `${who(sys.actor_id)} made ${list(sys.user_ids)} ${sys.role === 'ADMIN' ? 'an admin' : 'a member'}`;
    case 'OWNER_TRANSFERRED':
      return `${who(sys.actor_id)} made ${list(sys.user_ids)} the owner`;
    case 'MEMBERS_SILENCED':
      return sys.until_ms ? `${who(sys.actor_id)} muted ${list(sys.user_ids)}` : `${who(sys.actor_id)} unmuted ${list(sys.user_ids)}`;
    case 'GROUP_DISMISSED':
      return `${who(sys.actor_id)} closed the group`;
    default:
      return 'Group changed';
  }
}
