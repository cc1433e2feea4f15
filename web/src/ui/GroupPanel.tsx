import { useEffect, useState } from 'preact/hooks';
import type { User } from '../proto';
import { useClient } from './hooks';
import { Icon } from './icons';
import { Avatar, Dialog } from './widgets';

export function NewGroupDialog({ onClose }: { onClose(): void }) {
  const [client, state] = useClient();
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [extra, setExtra] = useState('');
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p, id]));
  const create = async (e: Event) => {
    e.preventDefault();
    const ids = [...picked, ...extra.split(/[\s,]+/).filter(Boolean)];
    if (await client.createGroup(name.trim(), ids)) onClose();
  };
  return (
    <Dialog title="New group" onClose={onClose}>
      <form onSubmit={create} class="form">
        <label>
          Group name
          <input name="group_name" required maxLength={128} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        {state.friends.length > 0 && (
          <fieldset>
            <legend>Add friends</legend>
            {state.friends.map((f) => (
              <label class="check">
                <input type="checkbox" checked={picked.includes(f.user!.user_id!)} onChange={() => toggle(f.user!.user_id!)} />
                {f.remark || f.user?.display_name || f.user?.user_id}
              </label>
            ))}
          </fieldset>
        )}
        <label>
          Other user ids (comma separated)
          <input name="member_ids" value={extra} onInput={(e) => setExtra(e.currentTarget.value)} />
        </label>
        <button class="primary" type="submit">
          Create group
        </button>
      </form>
    </Dialog>
  );
}

type Tab = 'members' | 'settings' | 'requests';

export function GroupPanel({ id, onClose }: { id: string; onClose(): void }) {
  const [client, state] = useClient();
  const s = state.summaries[id];
  const me = client.me;
  const role = s?.role;
  const admin = role === 'OWNER' || role === 'ADMIN';
  const [tab, setTab] = useState<Tab>('members');
  const members = state.members[id] ?? [];
  const requests = state.joinRequests[id] ?? [];
  useEffect(() => {
    void client.loadMembers(id);
    if (admin) void client.loadJoinRequests(id);
  }, [id, admin]);
  return (
    <aside class="panel" aria-label="Group info" onKeyDown={(e) => e.key === 'Escape' && onClose()}>
      <header class="panel-head">
        <h3>{client.titleOf(id)}</h3>
        <button class="icon" aria-label="Close group info" onClick={onClose}>
          <Icon.close />
        </button>
      </header>
      <div class="tabs small" role="tablist" aria-label="Group">
        {(['members', 'settings', ...(admin ? (['requests'] as Tab[]) : [])] as Tab[]).map((t) => (
          <button role="tab" aria-selected={tab === t} onClick={() => setTab(t)}>
            {t === 'members' ? `Members (${members.length})` : t === 'settings' ? 'Settings' : `Requests${requests.length ? ` (${requests.length})` : ''}`}
          </button>
        ))}
      </div>
      <div class="panel-body">
        {tab === 'members' && <Members id={id} />}
        {tab === 'settings' && <Settings id={id} />}
        {tab === 'requests' && (
          <ul class="people">
            {requests.length === 0 && <li class="muted">No pending requests.</li>}
            {requests.map((r) => (
              <li>
                <Avatar id={r.user_id!} name={client.nameOf(r.user_id!)} size="sm" />
                <span class="grow">
                  {client.nameOf(r.user_id!)}
                  {r.message && <small class="muted"> “{r.message}”</small>}
                </span>
                <button class="secondary" onClick={() => void client.groupAction('respond_join_request', { conversation_id: id, user_id: r.user_id, accept: true }, 'Added')}>
                  Accept
                </button>
                <button class="ghost" onClick={() => void client.groupAction('respond_join_request', { conversation_id: id, user_id: r.user_id, accept: false })}>
                  Decline
                </button>
              </li>
            ))}
          </ul>
        )}
        {s?.active !== false && (
          <button
            class="danger wide"
            onClick={() => {
              if (role === 'OWNER') {
                if (confirm('Close this group for everyone?')) void client.groupAction('dismiss_group', { conversation_id: id }, 'Group closed');
              } else if (confirm('Leave this group?')) void client.groupAction('remove_members', { conversation_id: id, user_ids: [me] }, 'You left the group');
            }}
          >
            {role === 'OWNER' ? 'Close group' : 'Leave group'}
          </button>
        )}
      </div>
    </aside>
  );
}

function Members({ id }: { id: string }) {
  const [client, state] = useClient();
  const s = state.summaries[id];
  const role = s?.role;
  const admin = role === 'OWNER' || role === 'ADMIN';
  const members = state.members[id] ?? [];
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<User[]>([]);
  const search = async (e: Event) => {
    e.preventDefault();
    if (!query.trim()) return;
    try {
      setFound(await client.searchUsers(query.trim()));
    } catch (err) {
      client.reportError(err);
    }
  };
  const open = s?.group?.join_policy === 'OPEN';
  return (
    <>
      {(admin || open) && s?.active !== false && (
        <form class="inline-form" onSubmit={search} role="search">
          <label class="sr-only" for="invite-query">
            Invite people
          </label>
          <input id="invite-query" placeholder="Invite: search users" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
          <button class="secondary" type="submit">
            Search
          </button>
        </form>
      )}
      {found.length > 0 && (
        <ul class="people">
          {found
            .filter((u) => !members.some((m) => m.user_id === u.user_id))
            .map((u) => (
              <li>
                <Avatar id={u.user_id!} name={u.display_name || u.user_id!} size="sm" />
                <span class="grow">{u.display_name || u.user_id}</span>
                <button
                  class="secondary"
                  onClick={async () => {
                    if (await client.groupAction('add_members', { conversation_id: id, user_ids: [u.user_id!] }, `Added ${u.display_name || u.user_id}`)) setFound([]);
                  }}
                >
                  Add
                </button>
              </li>
            ))}
        </ul>
      )}
      <ul class="people" aria-label="Members">
        {members.map((m) => {
          const silenced = Number(m.silenced_until_ms ?? 0) > Date.now();
          const canManage = m.user_id !== client.me && m.role !== 'OWNER' && (role === 'OWNER' || (role === 'ADMIN' && m.role === 'MEMBER'));
          return (
            <li data-member={m.user_id}>
              <Avatar id={m.user_id!} name={m.display_name || m.user_id!} size="sm" presence={state.presence[m.user_id!]?.state} />
              <span class="grow">
                {m.display_name || m.user_id}
                {m.user_id === client.me && <small class="muted"> (you)</small>}
                {m.role !== 'MEMBER' && <span class={`role role-${m.role?.toLowerCase()}`}>{m.role === 'OWNER' ? 'Owner' : 'Admin'}</span>}
                {silenced && <span class="role">Muted</span>}
              </span>
              {canManage && (
                <span class="member-actions">
                  {role === 'OWNER' && (
                    <button
                      class="ghost"
                      onClick={() => void client.groupAction('set_member_role', { conversation_id: id, user_ids: [m.user_id!], role: m.role === 'ADMIN' ? 'MEMBER' : 'ADMIN' })}
                    >
                      {m.role === 'ADMIN' ? 'Remove admin' : 'Make admin'}
                    </button>
                  )}
                  {role === 'OWNER' && (
                    <button
                      class="ghost"
                      onClick={() =>
                        confirm(`Make ${m.display_name || m.user_id} the owner? You become an admin.`) &&
                        void client.groupAction('transfer_ownership', { conversation_id: id, user_id: m.user_id }, 'Ownership transferred')
                      }
                    >
                      Make owner
                    </button>
                  )}
                  <button
                    class="ghost"
                    onClick={() =>
                      void client.groupAction('silence_members', {
                        conversation_id: id,
                        user_ids: [m.user_id!],
                        until_ms: silenced ? '0' : String(Date.now() + 3600_000),
                      })
                    }
                  >
                    {silenced ? 'Unmute' : 'Mute 1 h'}
                  </button>
                  <button
                    class="ghost danger"
                    aria-label={`Remove ${m.display_name || m.user_id}`}
                    onClick={() => confirm(`Remove ${m.display_name || m.user_id}?`) && void client.groupAction('remove_members', { conversation_id: id, user_ids: [m.user_id!] })}
                  >
                    Remove
                  </button>
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Settings({ id }: { id: string }) {
  const [client, state] = useClient();
  const s = state.summaries[id];
  const g = s?.group ?? {};
  const admin = s?.role === 'OWNER' || s?.role === 'ADMIN';
  const [name, setName] = useState(g.name ?? '');
  const [description, setDescription] = useState(g.description ?? '');
  const [announcement, setAnnouncement] = useState(g.announcement ?? '');
  const [policy, setPolicy] = useState(String(g.join_policy ?? 'INVITE_ONLY'));
  const [muteAll, setMuteAll] = useState(!!g.mute_all);
  const [history, setHistory] = useState(!!g.history_visible);
  const save = (e: Event) => {
    e.preventDefault();
    void client.groupAction(
      'update_group',
      {
        conversation_id: id,
        name,
        description,
        announcement,
        join_policy: policy as 'OPEN',
        mute_all: muteAll,
        history_visible: history,
      },
      'Group settings saved',
    );
  };
  return (
    <form class="form" onSubmit={save}>
      <fieldset disabled={!admin || s?.active === false}>
        <label>
          Name
          <input value={name} maxLength={128} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <textarea value={description} rows={2} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <label>
          Announcement
          <textarea value={announcement} rows={2} onInput={(e) => setAnnouncement(e.currentTarget.value)} />
        </label>
        <label>
          Who can join
          <select value={policy} onChange={(e) => setPolicy(e.currentTarget.value)}>
            <option value="INVITE_ONLY">Invited people only</option>
            <option value="APPROVAL">Anyone, with approval</option>
            <option value="OPEN">Anyone</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={muteAll} onChange={(e) => setMuteAll(e.currentTarget.checked)} /> Only admins can post
        </label>
        <label class="check">
          <input type="checkbox" checked={history} onChange={(e) => setHistory(e.currentTarget.checked)} /> New members see the history
        </label>
        {admin && (
          <button class="primary" type="submit">
            Save
          </button>
        )}
      </fieldset>
      {!admin && <p class="muted">Only the owner and admins can change these.</p>}
    </form>
  );
}
