import { useState } from 'preact/hooks';
import type { User } from '../proto';
import { useClient } from './hooks';
import { Avatar } from './widgets';

export function People() {
  const [client, state] = useClient();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<User[] | null>(null);
  const [groupQuery, setGroupQuery] = useState('');
  const [groups, setGroups] = useState<{ conversation_id?: string; group?: { name?: string; member_count?: number; join_policy?: string } }[] | null>(null);
  const friendIds = new Set(state.friends.map((f) => f.user?.user_id));
  const outgoing = new Set(state.outgoing.map((r) => r.to_user_id));
  const search = async (e: Event) => {
    e.preventDefault();
    if (!query.trim()) return;
    try {
      setFound(await client.searchUsers(query.trim()));
    } catch (err) {
      client.reportError(err);
    }
  };
  const searchGroups = async (e: Event) => {
    e.preventDefault();
    if (!groupQuery.trim()) return;
    try {
      setGroups(await client.searchGroups(groupQuery.trim()));
    } catch (err) {
      client.reportError(err);
    }
  };
  return (
    <div class="people-panel">
      <form class="inline-form" role="search" onSubmit={search}>
        <label class="sr-only" for="user-search">
          Find people
        </label>
        <input id="user-search" placeholder="Find people by id or name" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button class="secondary" type="submit">
          Search
        </button>
      </form>
      {found && (
        <section aria-label="People found">
          {found.length === 0 && <p class="muted pad">Nobody found.</p>}
          <ul class="people">
            {found
              .filter((u) => u.user_id !== client.me)
              .map((u) => (
                <li data-user={u.user_id}>
                  <Avatar id={u.user_id!} name={u.display_name || u.user_id!} size="sm" />
                  <span class="grow">
                    {u.display_name || u.user_id} <small class="muted">@{u.user_id}</small>
                  </span>
                  {friendIds.has(u.user_id) ? (
                    <span class="muted">Friend</span>
                  ) : outgoing.has(u.user_id) ? (
                    <span class="muted">Requested</span>
                  ) : (
                    <button class="secondary" onClick={() => void client.sendFriendRequest(u.user_id!)}>
                      Add friend
                    </button>
                  )}
                  <button class="ghost" onClick={() => void client.openDirect(u.user_id!)}>
                    Message
                  </button>
                </li>
              ))}
          </ul>
        </section>
      )}
      {state.incoming.length > 0 && (
        <section aria-labelledby="incoming-h">
          <h3 id="incoming-h">Friend requests</h3>
          <ul class="people">
            {state.incoming.map((r) => (
              <li data-request={r.from_user_id}>
                <Avatar id={r.from_user_id!} name={client.nameOf(r.from_user_id!)} size="sm" />
                <span class="grow">
                  {client.nameOf(r.from_user_id!)}
                  {r.message && <small class="muted"> “{r.message}”</small>}
                </span>
                <button class="primary" onClick={() => void client.respondFriendRequest(r.from_user_id!, true)}>
                  Accept
                </button>
                <button class="ghost" onClick={() => void client.respondFriendRequest(r.from_user_id!, false)}>
                  Decline
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      {state.outgoing.length > 0 && (
        <section aria-labelledby="outgoing-h">
          <h3 id="outgoing-h">Sent requests</h3>
          <ul class="people">
            {state.outgoing.map((r) => (
              <li>
                <Avatar id={r.to_user_id!} name={client.nameOf(r.to_user_id!)} size="sm" />
                <span class="grow">{client.nameOf(r.to_user_id!)}</span>
                <button class="ghost" onClick={() => void client.cancelFriendRequest(r.to_user_id!)}>
                  Cancel
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="friends-h">
        <h3 id="friends-h">Friends ({state.friends.length})</h3>
        {state.friends.length === 0 && <p class="muted pad">No friends yet. Search for people above.</p>}
        <ul class="people">
          {state.friends.map((f) => {
            const u = f.user!;
            return (
              <li data-friend={u.user_id}>
                <Avatar id={u.user_id!} name={u.display_name || u.user_id!} size="sm" presence={state.presence[u.user_id!]?.state ?? 'OFFLINE'} />
                <span class="grow">{f.remark || u.display_name || u.user_id}</span>
                <button class="secondary" onClick={() => void client.openDirect(u.user_id!)}>
                  Message
                </button>
                <button class="ghost" onClick={() => confirm(`Remove ${u.display_name || u.user_id} from your friends?`) && void client.removeFriend(u.user_id!)}>
                  Remove
                </button>
                <button class="ghost danger" onClick={() => confirm(`Block ${u.display_name || u.user_id}?`) && void client.block(u.user_id!)}>
                  Block
                </button>
              </li>
            );
          })}
        </ul>
      </section>
      {state.blocked.length > 0 && (
        <section aria-labelledby="blocked-h">
          <h3 id="blocked-h">Blocked</h3>
          <ul class="people">
            {state.blocked.map((u) => (
              <li>
                <Avatar id={u.user_id!} name={u.display_name || u.user_id!} size="sm" />
                <span class="grow">{u.display_name || u.user_id}</span>
                <button class="ghost" onClick={() => void client.unblock(u.user_id!)}>
                  Unblock
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="groups-h">
        <h3 id="groups-h">Find groups</h3>
        <form class="inline-form" role="search" onSubmit={searchGroups}>
          <label class="sr-only" for="group-search">
            Find groups
          </label>
          <input id="group-search" placeholder="Group name" value={groupQuery} onInput={(e) => setGroupQuery(e.currentTarget.value)} />
          <button class="secondary" type="submit">
            Search
          </button>
        </form>
        {groups && groups.length === 0 && <p class="muted pad">No open groups found.</p>}
        <ul class="people">
          {(groups ?? []).map((g) => (
            <li>
              <Avatar id={g.conversation_id!} name={g.group?.name || 'Group'} size="sm" />
              <span class="grow">
                {g.group?.name} <small class="muted">{g.group?.member_count} members</small>
              </span>
              {state.summaries[g.conversation_id!]?.active ? (
                <button class="ghost" onClick={() => void client.openChat(g.conversation_id!)}>
                  Open
                </button>
              ) : (
                <button
                  class="secondary"
                  onClick={async () => {
                    if (await client.groupAction('join_group', { conversation_id: g.conversation_id }, g.group?.join_policy === 'APPROVAL' ? 'Request sent' : 'Joined')) {
                      if (g.group?.join_policy !== 'APPROVAL') void client.openChat(g.conversation_id!);
                    }
                  }}
                >
                  {g.group?.join_policy === 'APPROVAL' ? 'Ask to join' : 'Join'}
                </button>
              )}
            </li>
          ))}
        </ul>
      </section>
    </div>
  );
}
