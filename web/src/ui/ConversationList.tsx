import { useState } from 'preact/hooks';
import { isMuted, peerOf, previewText, sortedConversations } from '../state/conversations';
import { formatListTime, useClient } from './hooks';
import { NewGroupDialog } from './GroupPanel';
import { Icon } from './icons';
import { Avatar } from './widgets';

export function ConversationList() {
  const [client, state] = useClient();
  const [creating, setCreating] = useState(false);
  const list = sortedConversations(state.summaries);
  const me = client.me;
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const items = Array.from(document.querySelectorAll<HTMLElement>('.conv-item'));
    const i = items.indexOf(document.activeElement as HTMLElement);
    const next = items[Math.max(0, Math.min(items.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))];
    next?.focus();
    e.preventDefault();
  };
  return (
    <div class="conv-list-wrap">
      <div class="list-actions">
        <button class="secondary" onClick={() => setCreating(true)}>
          + New group
        </button>
      </div>
      {list.length === 0 && state.synced && <p class="muted pad">No conversations yet. Find friends in People.</p>}
      <ul class="conv-list" aria-label="Conversations" onKeyDown={onKey}>
        {list.map((s) => {
          const id = s.conversation_id!;
          const title = client.titleOf(id);
          const unread = Number(s.unread_count ?? 0);
          const mentions = Number(s.mention_count ?? 0);
          const peer = peerOf(id, me);
          const presence = peer ? state.presence[peer]?.state ?? 'OFFLINE' : undefined;
          const typing = Object.keys(state.typing[id] ?? {});
          const muted = isMuted(s);
          const draft = state.openId !== id && s.settings?.draft ? s.settings.draft : '';
          const preview = typing.length
            ? `${id.startsWith('g:') ? client.nameOf(typing[0]) + ' is ' : ''}typing…`
            : draft
              ? `Draft: ${draft}`
              : previewText(s.last_message, me, (u) => client.nameOf(u));
          const label = `${title}${unread ? `, ${unread} unread` : ''}${mentions ? ', mentioned' : ''}${s.settings?.pinned ? ', pinned' : ''}${muted ? ', muted' : ''}`;
          return (
            <li key={id}>
              <button
                class={`conv-item ${state.openId === id ? 'active' : ''} ${unread ? 'has-unread' : ''}`}
                aria-current={state.openId === id ? 'true' : undefined}
                aria-label={label}
                data-conversation={id}
                onClick={() => void client.openChat(id)}
              >
                <Avatar id={id} name={title} presence={presence} />
                <span class="conv-main">
                  <span class="conv-top">
                    <span class="conv-title">{title}</span>
                    <span class="conv-time">{formatListTime(s.last_message?.timestamp_ms)}</span>
                  </span>
                  <span class="conv-bottom">
                    <span class={`conv-preview ${typing.length ? 'typing' : ''} ${draft && !typing.length ? 'draft' : ''}`}>{preview}</span>
                    <span class="conv-flags">
                      {s.settings?.pinned && <span class="flag" title="Pinned" aria-hidden="true"><Icon.pin /></span>}
                      {muted && <span class="flag" title="Muted" aria-hidden="true"><Icon.bellOff /></span>}
                      {mentions > 0 && <span class="mention-mark" title="You were mentioned" aria-hidden="true">@</span>}
                      {unread > 0 && (
                        <span class={`badge ${muted ? 'badge-muted' : ''}`} data-testid="unread-badge" aria-hidden="true">
                          {unread > 99 ? '99+' : unread}
                        </span>
                      )}
                    </span>
                  </span>
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {creating && <NewGroupDialog onClose={() => setCreating(false)} />}
    </div>
  );
}
