import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Member } from '../proto';
import { isGroup, isMuted, peerOf, previewText, sortedConversations, systemText } from '../state/conversations';
import { layoutTimeline, type Row } from '../state/layout';
import { seqOf, type Item } from '../state/messages';
import { GroupPanel } from './GroupPanel';
import { formatTime, useClient } from './hooks';
import { Icon } from './icons';
import { MediaView, SendFilesDialog, UploadTray, Viewer } from './Media';
import { Avatar, Dialog } from './widgets';

const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '😢', '🎉'];

export function ChatView({ id }: { id: string }) {
  const [client, state] = useClient();
  const s = state.summaries[id];
  const t = state.timelines[id];
  const me = client.me;
  const [panel, setPanel] = useState(false);
  const [replyTo, setReplyTo] = useState<Item | null>(null);
  const [editing, setEditing] = useState<Item | null>(null);
  const [forwarding, setForwarding] = useState<Item | null>(null);
  const [readBy, setReadBy] = useState<Item | null>(null);
  const [moreMenu, setMoreMenu] = useState(false);
  const [staged, setStaged] = useState<File[] | null>(null);
  const [viewing, setViewing] = useState<Item | null>(null);
  const [dragging, setDragging] = useState(false);
  // A file dropped next to the drop zone must not make the browser navigate to it.
  useEffect(() => {
    const guard = (e: DragEvent) => {
      if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
    };
    window.addEventListener('dragover', guard);
    window.addEventListener('drop', guard);
    return () => {
      window.removeEventListener('dragover', guard);
      window.removeEventListener('drop', guard);
    };
  }, []);
  const scroller = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);
  const prevHeight = useRef(0);
  const loadingOlder = useRef(false);
  const [showJump, setShowJump] = useState(false);
  const [showDown, setShowDown] = useState(false);
  const marker = state.unreadMarker[id] ?? -1;
  const rows = useMemo(() => layoutTimeline(t?.items ?? [], me, marker), [t?.items, me, marker]);
  const group = isGroup(id);
  const peer = peerOf(id, me);
  const title = client.titleOf(id);
  const typingUsers = Object.keys(state.typing[id] ?? {});
  const peerRead = Number(s?.peer_read_seq ?? 0);
  const peerDelivered = Number(s?.peer_delivered_seq ?? 0);
  const canPost = !s || s.active !== false || !group;
  const isAdmin = s?.role === 'OWNER' || s?.role === 'ADMIN';

  // Keep the view at the bottom as messages arrive, unless the user scrolled up; keep the position when
  // older messages are prepended.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (loadingOlder.current) {
      el.scrollTop += el.scrollHeight - prevHeight.current;
      loadingOlder.current = false;
    } else if (stickToBottom.current) {
      el.scrollTop = el.scrollHeight;
    }
    prevHeight.current = el.scrollHeight;
  }, [rows]);

  // On open: go to the unread marker (or the focused message from search), else the bottom.
  const positioned = useRef(false);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el || !t || positioned.current || t.items.length === 0) return;
    positioned.current = true;
    const focusEl = state.focus?.conversation_id === id ? el.querySelector(`[data-seq="${state.focus.seq}"]`) : null;
    const unreadEl = el.querySelector('.unread-marker');
    const target = focusEl ?? unreadEl;
    if (target) {
      (target as HTMLElement).scrollIntoView({ block: 'center' });
      stickToBottom.current = false;
    } else el.scrollTop = el.scrollHeight;
  }, [t?.items.length]);

  useEffect(() => {
    if (state.focus?.conversation_id !== id) return;
    const el = scroller.current?.querySelector(`[data-seq="${state.focus.seq}"]`);
    if (el) {
      el.scrollIntoView({ block: 'center' });
      stickToBottom.current = false;
    }
  }, [state.focus?.at, t?.items.length]);

  const onScroll = () => {
    const el = scroller.current!;
    stickToBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 60;
    setShowDown(!stickToBottom.current);
    if (el.scrollTop < 80 && t?.has_older && !loadingOlder.current) {
      loadingOlder.current = true;
      prevHeight.current = el.scrollHeight;
      void client.loadOlder(id).finally(() => {
        // nothing came (or failed): stop treating the next render as a prepend
        setTimeout(() => (loadingOlder.current = false), 0);
      });
    }
    const m = el.querySelector('.unread-marker') as HTMLElement | null;
    setShowJump(!!m && m.offsetTop < el.scrollTop);
    if (stickToBottom.current) client.markRead(id);
  };

  const jumpToUnread = () => {
    scroller.current?.querySelector('.unread-marker')?.scrollIntoView({ block: 'center' });
  };

  const subtitle = typingUsers.length
    ? `${group ? typingUsers.map((u) => client.nameOf(u)).join(', ') + (typingUsers.length > 1 ? ' are' : ' is') + ' ' : ''}typing…`
    : group
      ? `${s?.group?.member_count ?? state.members[id]?.length ?? ''} members${s?.active === false ? ' · you are not a member' : ''}`
      : presenceText(state.presence[peer]?.state, state.presence[peer]?.last_seen_ms);

  return (
    <section
      class={`chat ${dragging ? 'dragging' : ''}`}
      aria-label={`Conversation with ${title}`}
      onDragOver={(e) => {
        if (!canPost || !e.dataTransfer?.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target || !(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node)) setDragging(false);
      }}
      onDrop={(e) => {
        setDragging(false);
        const files = Array.from(e.dataTransfer?.files ?? []);
        if (!canPost || !files.length) return;
        e.preventDefault();
        setStaged(files);
      }}
    >
      <header class="chat-head">
        <button class="icon back" aria-label="Back to conversations" onClick={() => client.closeChat()}>
          <Icon.back />
        </button>
        <Avatar id={id} name={title} presence={peer ? state.presence[peer]?.state ?? 'OFFLINE' : undefined} />
        <div class="chat-title">
          <h2>{title}</h2>
          <small class={typingUsers.length ? 'typing' : ''} data-testid="chat-subtitle" aria-live="polite">
            {subtitle}
          </small>
        </div>
        <div class="chat-actions">
          {s && (
            <>
              <button
                class="icon"
                aria-pressed={!!s.settings?.pinned}
                aria-label={s.settings?.pinned ? 'Unpin conversation' : 'Pin conversation'}
                title={s.settings?.pinned ? 'Unpin' : 'Pin'}
                onClick={() => void client.updateSettings(id, { pinned: !s.settings?.pinned })}
              >
                <Icon.pin />
              </button>
              <button
                class="icon"
                aria-pressed={isMuted(s)}
                aria-label={isMuted(s) ? 'Unmute conversation' : 'Mute conversation'}
                title={isMuted(s) ? 'Unmute' : 'Mute'}
                onClick={() =>
                  void client.updateSettings(id, { muted_until_ms: isMuted(s) ? '0' : String(Date.now() + 365 * 86_400_000) })
                }
              >
                {isMuted(s) ? <Icon.bellOff /> : <Icon.bell />}
              </button>
            </>
          )}
          {group && (
            <button class="icon" aria-label="Group info" aria-expanded={panel} onClick={() => setPanel(!panel)}>
              <Icon.info />
            </button>
          )}
          <div class="menu-wrap">
            <button class="icon" aria-label="More conversation actions" aria-haspopup="menu" aria-expanded={moreMenu} onClick={() => setMoreMenu(!moreMenu)}>
              <Icon.more />
            </button>
            {moreMenu && (
              <div class="menu" role="menu" onKeyDown={(e) => e.key === 'Escape' && setMoreMenu(false)}>
                <button
                  role="menuitem"
                  class="danger"
                  onClick={() => {
                    setMoreMenu(false);
                    if (confirm('Clear the history of this conversation for you? Others keep theirs.')) void client.clearHistory(id);
                  }}
                >
                  Clear history for me
                </button>
              </div>
            )}
          </div>
        </div>
      </header>
      <div class="chat-body">
        <div class="timeline-wrap">
          {s?.group?.announcement && <div class="announcement" role="note">📣 {s.group.announcement}</div>}
          <div class="timeline" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite" tabIndex={0}>
            {t?.has_older && <div class="loading-older">Loading earlier messages…</div>}
            {!t?.has_older && t && t.items.length > 0 && <div class="history-start">Start of the conversation</div>}
            {rows.map((row) => (
              <RowView
                key={row.key}
                row={row}
                id={id}
                group={group}
                peerRead={peerRead}
                peerDelivered={peerDelivered}
                isAdmin={isAdmin}
                onReply={setReplyTo}
                onEdit={setEditing}
                onForward={setForwarding}
                onReadBy={setReadBy}
                onOpenMedia={setViewing}
                focused={state.focus?.conversation_id === id && row.type === 'message' && seqOf(row.item) === state.focus.seq}
              />
            ))}
          </div>
          {showJump && (
            <button class="jump" onClick={jumpToUnread}>
              ↑ Jump to first unread
            </button>
          )}
          {showDown && (
            <button
              class="to-bottom"
              aria-label="Scroll to the newest message"
              onClick={() => {
                const el = scroller.current!;
                el.scrollTop = el.scrollHeight;
                stickToBottom.current = true;
                setShowDown(false);
                client.markRead(id);
              }}
            >
              <Icon.back />
            </button>
          )}
          <div class="typing-row" aria-hidden={typingUsers.length === 0}>
            {typingUsers.length > 0 && (
              <span class="typing-dots" data-testid="typing-indicator">
                <i />
                <i />
                <i /> {typingUsers.map((u) => client.nameOf(u)).join(', ')} {typingUsers.length > 1 ? 'are' : 'is'} typing
              </span>
            )}
          </div>
          {canPost ? (
            <Composer
              id={id}
              replyTo={replyTo}
              editing={editing}
              onDone={() => {
                setReplyTo(null);
                setEditing(null);
                stickToBottom.current = true;
              }}
              onEditLast={() => {
                const mine = [...(t?.items ?? [])].reverse().find((x) => x.sender_id === me && x.seq && x.kind === 'TEXT' && !x.revoked);
                if (mine) setEditing(mine);
              }}
              members={state.members[id] ?? []}
              onFiles={setStaged}
            />
          ) : (
            <div class="composer-closed">You can no longer send messages here.</div>
          )}
        </div>
        {panel && group && <GroupPanel id={id} onClose={() => setPanel(false)} />}
      </div>
      {forwarding && <ForwardDialog item={forwarding} onClose={() => setForwarding(null)} />}
      {readBy && <ReadByDialog id={id} item={readBy} onClose={() => setReadBy(null)} />}
      {staged && (
        <SendFilesDialog
          files={staged}
          onClose={() => setStaged(null)}
          onSend={(caption) => {
            client.attach(id, staged, caption);
            setStaged(null);
            stickToBottom.current = true;
          }}
        />
      )}
      {viewing && <Viewer m={viewing} onClose={() => setViewing(null)} />}
    </section>
  );
}

function presenceText(state?: string, lastSeen?: string): string {
  if (state === 'ONLINE') return 'online';
  if (state === 'AWAY') return 'away';
  const n = Number(lastSeen ?? 0);
  return n ? `last seen ${new Date(n).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' })}` : 'offline';
}

interface RowProps {
  row: Row;
  id: string;
  group: boolean;
  peerRead: number;
  peerDelivered: number;
  isAdmin: boolean;
  focused: boolean;
  onReply(i: Item): void;
  onEdit(i: Item): void;
  onForward(i: Item): void;
  onReadBy(i: Item): void;
  onOpenMedia(i: Item): void;
}

function RowView(p: RowProps) {
  const [client] = useClient();
  const { row } = p;
  if (row.type === 'day') {
    return (
      <div class="day-sep" role="separator">
        <span>{row.label}</span>
      </div>
    );
  }
  if (row.type === 'unread') {
    return (
      <div class="unread-marker" role="separator" aria-label="New messages">
        <span>New messages</span>
      </div>
    );
  }
  const m = row.item;
  if (m.kind === 'SYSTEM') {
    return (
      <div class="system-msg" data-seq={m.seq}>
        {systemText(m, client.me, (u) => client.nameOf(u))}
      </div>
    );
  }
  return <Bubble {...p} item={m} first={row.first} last={row.last} mine={row.mine} />;
}

function status(m: Item, peerRead: number, peerDelivered: number, group: boolean): { label: string; icon: string } {
  if (m.pending === 'sending') return { label: 'Sending', icon: '🕓' };
  if (m.pending === 'failed') return { label: 'Not sent', icon: '⚠️' };
  const seq = seqOf(m);
  if (!group && seq <= peerRead) return { label: 'Read', icon: '✓✓' };
  if (!group && seq <= peerDelivered) return { label: 'Delivered', icon: '✓✓' };
  return { label: 'Sent', icon: '✓' };
}

function MessageText({ text, mentions }: { text: string; mentions?: string[] }) {
  const [client] = useClient();
  // Highlight @mentions of known members.
  const names = (mentions ?? []).map((u) => client.nameOf(u));
  if (!names.length && !text.includes('@all')) return <>{text}</>;
  const pattern = new RegExp(`(@(?:${[...names, 'all'].map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')}))`, 'g');
  return (
    <>
      {text.split(pattern).map((part, i) =>
        i % 2 === 1 ? (
          <span class="mention" key={i}>
            {part}
          </span>
        ) : (
          part
        ),
      )}
    </>
  );
}

function Bubble(p: RowProps & { item: Item; first: boolean; last: boolean; mine: boolean }) {
  const [client, state] = useClient();
  const { item: m, mine, id } = p;
  const [menu, setMenu] = useState(false);
  const menuRef = useRef<HTMLDivElement>(null);
  const timeline = state.timelines[id];
  const quoted = m.reply_to ? timeline?.items.find((x) => seqOf(x) === Number(m.reply_to!.seq)) : undefined;
  const st = mine ? status(m, p.peerRead, p.peerDelivered, p.group) : null;
  const seq = seqOf(m);
  const editable = mine && !!seq && m.kind === 'TEXT' && !m.revoked;
  const revocable = !!seq && !m.revoked && (mine || (p.group && p.isAdmin));
  const hasMedia = !m.revoked && !!m.media?.blob_id && (m.kind === 'IMAGE' || m.kind === 'VIDEO' || m.kind === 'AUDIO' || m.kind === 'FILE');
  useEffect(() => {
    if (menu) menuRef.current?.querySelector<HTMLElement>('button')?.focus();
  }, [menu]);
  const close = () => setMenu(false);
  const text = m.text ?? '';
  const onMenuKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') close();
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const items = Array.from(menuRef.current?.querySelectorAll<HTMLElement>('[role=menuitem]') ?? []);
      const i = items.indexOf(document.activeElement as HTMLElement);
      items[(i + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length]?.focus();
      e.preventDefault();
    }
  };
  return (
    <div
      class={`msg ${mine ? 'mine' : 'theirs'} ${p.first ? 'first' : ''} ${p.last ? 'last' : ''} ${p.focused ? 'focused' : ''}`}
      data-seq={m.seq}
      data-testid="message"
    >
      {!mine && p.group && p.first && <div class="sender">{client.nameOf(m.sender_id ?? '')}</div>}
      <div class="bubble-row">
        <div class={`bubble ${m.revoked ? 'revoked' : ''} ${m.pending === 'failed' ? 'failed' : ''} ${hasMedia ? 'has-media' : ''}`}>
          {m.forwarded_from && !m.revoked && <div class="fwd">↪ Forwarded</div>}
          {m.reply_to && !m.revoked && (
            <button
              class="quote"
              onClick={() => void client.openChat(id, Number(m.reply_to!.seq))}
              aria-label={`Reply to ${client.nameOf(m.reply_to.sender_id ?? quoted?.sender_id ?? '')}`}
            >
              <strong>{client.nameOf(m.reply_to.sender_id ?? quoted?.sender_id ?? '')}</strong>
              <span>{quoted ? (quoted.revoked ? 'Message unsent' : previewText(quoted, '', () => '')) : 'Message'}</span>
            </button>
          )}
          {m.revoked ? (
            <span class="text muted">{mine ? 'You unsent this message' : 'This message was unsent'}</span>
          ) : hasMedia ? (
            <>
              <MediaView m={m} onOpen={p.onOpenMedia} />
              {m.text && (
                <span class="text">
                  <MessageText text={text} mentions={m.mentions} />
                </span>
              )}
            </>
          ) : m.kind === 'TEXT' || m.text ? (
            <span class="text">
              <MessageText text={text} mentions={m.mentions} />
            </span>
          ) : (
            <span class="text muted">{previewText(m, '', () => '')}{['LOCATION', 'CONTACT', 'IMAGE', 'VIDEO', 'AUDIO', 'FILE'].includes(String(m.kind)) ? '' : ' (open Parley on another device to see it)'}</span>
          )}
          <span class="meta">
            {m.edit_count ? <span class="edited">edited</span> : null}
            <time dateTime={new Date(Number(m.timestamp_ms ?? 0)).toISOString()}>{formatTime(m.timestamp_ms)}</time>
            {st && (
              <span class={`status status-${st.label.toLowerCase().replace(' ', '-')}`} aria-label={st.label} title={st.label} data-testid="msg-status" data-status={st.label}>
                {st.icon}
              </span>
            )}
          </span>
        </div>
        {!m.revoked && (
          <div class="menu-wrap msg-menu">
            <button class="icon small" aria-label="Message actions" aria-haspopup="menu" aria-expanded={menu} onClick={() => setMenu(!menu)}>
              <Icon.dots />
            </button>
            {menu && (
              <div class={`menu ${mine ? 'left' : ''}`} role="menu" ref={menuRef} onKeyDown={onMenuKey}>
                {!!seq && (
                  <div class="react-row" role="group" aria-label="React">
                    {QUICK_REACTIONS.map((e) => (
                      <button role="menuitem" aria-label={`React ${e}`} onClick={() => { close(); void client.react(id, seq, e); }}>
                        {e}
                      </button>
                    ))}
                  </div>
                )}
                {!!seq && <button role="menuitem" onClick={() => { close(); p.onReply(m); }}>Reply</button>}
                {!!text && <button role="menuitem" onClick={() => { close(); void navigator.clipboard?.writeText(text).then(() => client.toast('Copied')); }}>Copy</button>}
                {!!seq && <button role="menuitem" onClick={() => { close(); p.onForward(m); }}>Forward</button>}
                {mine && p.group && !!seq && <button role="menuitem" onClick={() => { close(); p.onReadBy(m); }}>Read by…</button>}
                {editable && <button role="menuitem" onClick={() => { close(); p.onEdit(m); }}>Edit</button>}
                {revocable && (
                  <button role="menuitem" class="danger" onClick={() => { close(); if (confirm('Unsend this message for everyone?')) void client.revoke(id, seq); }}>
                    Unsend
                  </button>
                )}
                {!!seq && (
                  <button role="menuitem" onClick={() => { close(); if (confirm('Delete this message for you? Others keep it.')) void client.deleteForMe(id, [seq]); }}>
                    Delete for me
                  </button>
                )}
                {m.pending === 'failed' && <button role="menuitem" onClick={() => { close(); client.retrySend(id, m.client_msg_id!); }}>Retry</button>}
                {m.pending && <button role="menuitem" onClick={() => { close(); client.discardSend(id, m.client_msg_id!); }}>Discard</button>}
              </div>
            )}
          </div>
        )}
      </div>
      {!!m.reactions?.length && !m.revoked && (
        <div class="reactions" role="group" aria-label="Reactions">
          {m.reactions.map((r) => {
            const mineR = r.user_ids?.includes(client.me);
            return (
              <button
                class={`chip ${mineR ? 'chip-mine' : ''}`}
                aria-pressed={!!mineR}
                aria-label={`${r.emoji} ${r.count}${mineR ? ', including you' : ''}`}
                title={(r.user_ids ?? []).map((u) => client.nameOf(u)).join(', ')}
                data-testid="reaction"
                onClick={() => void client.react(id, seq, r.emoji!)}
              >
                {r.emoji} {r.count}
              </button>
            );
          })}
        </div>
      )}
      {m.pending === 'failed' && <div class="fail-note" role="alert">Not sent: {m.pending_error}</div>}
    </div>
  );
}

function Composer(props: { id: string; replyTo: Item | null; editing: Item | null; onDone(): void; onEditLast(): void; members: Member[]; onFiles(files: File[]): void }) {
  const [client, state] = useClient();
  const { id, replyTo, editing } = props;
  const [text, setText] = useState(state.summaries[id]?.settings?.draft ?? '');
  const textRef = useRef(text);
  textRef.current = editing ? '' : text;
  const draftTimer = useRef<ReturnType<typeof setTimeout>>();
  const [mentions, setMentions] = useState<string[]>([]);
  const [query, setQuery] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const picker = useRef<HTMLInputElement>(null);
  const lastTyping = useRef(0);
  const stopTimer = useRef<ReturnType<typeof setTimeout>>();

  useEffect(() => {
    if (editing) {
      setText(editing.text ?? '');
      setMentions(editing.mentions ?? []);
    }
    area.current?.focus();
  }, [editing, replyTo]);
  useEffect(() => () => {
    clearTimeout(stopTimer.current);
    clearTimeout(draftTimer.current);
    if (lastTyping.current) client.sendTyping(id, false);
    client.saveDraft(id, textRef.current.trim() ? textRef.current : '');
  }, [id]);

  const candidates = useMemo(() => {
    if (query === null) return [];
    const q = query.toLowerCase();
    const list = props.members
      .filter((m) => m.user_id !== client.me)
      .map((m) => ({ id: m.user_id!, name: m.display_name || m.user_id! }))
      .filter((m) => m.id.toLowerCase().startsWith(q) || m.name.toLowerCase().startsWith(q));
    return list.slice(0, 6);
  }, [query, props.members]);

  const typingPulse = () => {
    const now = Date.now();
    if (now - lastTyping.current > 3000) {
      lastTyping.current = now;
      client.sendTyping(id, true);
    }
    clearTimeout(stopTimer.current);
    stopTimer.current = setTimeout(() => {
      lastTyping.current = 0;
      client.sendTyping(id, false);
    }, 4000);
  };

  const onInput = (e: Event) => {
    const el = e.currentTarget as HTMLTextAreaElement;
    setText(el.value);
    const before = el.value.slice(0, el.selectionStart ?? el.value.length);
    const m = /(^|\s)@([\w.-]*)$/.exec(before);
    setQuery(m && props.members.length ? m[2] : null);
    setActive(0);
    if (el.value) typingPulse();
    clearTimeout(draftTimer.current);
    if (!editing) draftTimer.current = setTimeout(() => client.saveDraft(id, el.value.trim() ? el.value : ''), 1500);
  };

  const pick = (c: { id: string; name: string }) => {
    const el = area.current!;
    const pos = el.selectionStart ?? text.length;
    const before = text.slice(0, pos).replace(/@([\w.-]*)$/, `@${c.name} `);
    const next = before + text.slice(pos);
    setText(next);
    setMentions((m) => (m.includes(c.id) ? m : [...m, c.id]));
    setQuery(null);
    requestAnimationFrame(() => {
      el.focus();
      el.selectionStart = el.selectionEnd = before.length;
    });
  };

  const submit = () => {
    const body = text.trim();
    if (!body) return;
    const used = mentions.filter((u) => body.includes(`@${client.nameOf(u)}`));
    if (editing) void client.edit(id, seqOf(editing), body, used);
    else client.send(id, { text: body, mentions: used, reply_to: replyTo ? seqOf(replyTo) : undefined });
    setText('');
    textRef.current = '';
    setMentions([]);
    setQuery(null);
    clearTimeout(draftTimer.current);
    client.saveDraft(id, '');
    clearTimeout(stopTimer.current);
    if (lastTyping.current) client.sendTyping(id, false);
    lastTyping.current = 0;
    props.onDone();
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (candidates.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        setActive((a) => (a + (e.key === 'ArrowDown' ? 1 : candidates.length - 1)) % candidates.length);
        e.preventDefault();
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        pick(candidates[active]);
        e.preventDefault();
        return;
      }
      if (e.key === 'Escape') {
        setQuery(null);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      submit();
    } else if (e.key === 'Escape' && (editing || replyTo)) {
      setText('');
      props.onDone();
    } else if (e.key === 'ArrowUp' && !text) {
      props.onEditLast();
    }
  };

  const onPaste = (e: ClipboardEvent) => {
    const files = Array.from(e.clipboardData?.files ?? []);
    if (!files.length || editing) return;
    e.preventDefault();
    props.onFiles(files);
  };

  return (
    <div class="composer">
      <UploadTray uploads={state.uploads[id] ?? []} />
      {(replyTo || editing) && (
        <div class="compose-context">
          <span>
            {editing ? 'Editing message' : `Replying to ${client.nameOf(replyTo!.sender_id ?? '')}: `}
            {!editing && <em>{(replyTo!.text ?? '').slice(0, 80)}</em>}
          </span>
          <button class="icon small" aria-label={editing ? 'Cancel editing' : 'Cancel reply'} onClick={() => { setText(''); props.onDone(); }}>
            <Icon.close />
          </button>
        </div>
      )}
      {candidates.length > 0 && (
        <ul class="mention-list" role="listbox" id="mention-list" aria-label="Mention someone">
          {candidates.map((c, i) => (
            <li role="option" aria-selected={i === active} class={i === active ? 'active' : ''} onMouseDown={(e) => { e.preventDefault(); pick(c); }}>
              <strong>{c.name}</strong> <small>@{c.id}</small>
            </li>
          ))}
        </ul>
      )}
      <div class="compose-row">
        {!editing && (
          <>
            <button class="icon attach" aria-label="Attach files" title="Attach files (or paste, or drop them here)" onClick={() => picker.current?.click()}>
              <Icon.attach />
            </button>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              data-testid="file-input"
              onChange={(e) => {
                const input = e.currentTarget as HTMLInputElement;
                const files = Array.from(input.files ?? []);
                input.value = '';
                if (files.length) props.onFiles(files);
              }}
            />
          </>
        )}
        <label class="sr-only" for="composer-input">
          Message
        </label>
        <textarea
          id="composer-input"
          ref={area}
          rows={1}
          placeholder={editing ? 'Edit your message' : 'Write a message'}
          value={text}
          onInput={onInput}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          aria-autocomplete="list"
          aria-controls={candidates.length ? 'mention-list' : undefined}
          aria-expanded={candidates.length > 0}
          maxLength={16384}
        />
        <button class="primary send" aria-label={editing ? 'Save edit' : 'Send'} onClick={submit} disabled={!text.trim()}>
          {editing ? 'Save' : 'Send'}
        </button>
      </div>
    </div>
  );
}

function ForwardDialog({ item, onClose }: { item: Item; onClose(): void }) {
  const [client, state] = useClient();
  const targets = sortedConversations(state.summaries).filter((s) => s.active !== false || !isGroup(s.conversation_id!));
  return (
    <Dialog title="Forward to…" onClose={onClose}>
      <ul class="pick-list">
        {targets.map((s) => (
          <li>
            <button
              class="pick"
              onClick={() => {
                client.send(s.conversation_id!, {
                  forward: { conversation_id: item.conversation_id!, seq: seqOf(item), kind: String(item.kind), text: item.text, media: item.media },
                });
                client.toast(`Forwarded to ${client.titleOf(s.conversation_id!)}`);
                onClose();
              }}
            >
              <Avatar id={s.conversation_id!} name={client.titleOf(s.conversation_id!)} size="sm" />
              {client.titleOf(s.conversation_id!)}
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}

function ReadByDialog({ id, item, onClose }: { id: string; item: Item; onClose(): void }) {
  const [client] = useClient();
  const [result, setResult] = useState<{ read: number; unread: number; readers: string[] } | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    client
      .readReceipts(id, seqOf(item))
      .then((r) => setResult({ read: r.read_count ?? 0, unread: r.unread_count ?? 0, readers: r.readers ?? [] }))
      .catch((e) => setError((e as Error).message));
  }, [id, item]);
  return (
    <Dialog title="Read by" onClose={onClose}>
      {error && <p class="error pad">{error}</p>}
      {!result && !error && <p class="muted pad">Loading…</p>}
      {result && (
        <>
          <p class="pad muted">
            Read by {result.read} of {result.read + result.unread}
          </p>
          <ul class="people">
            {result.readers.map((u) => (
              <li>
                <Avatar id={u} name={client.nameOf(u)} size="sm" />
                <span class="grow">{client.nameOf(u)}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </Dialog>
  );
}
