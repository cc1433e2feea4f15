import { useState } from 'preact/hooks';
import type { SearchHit } from '../proto';
import { snippetParts } from '../state/layout';
import { formatListTime, useClient } from './hooks';

export function SearchPanel() {
  const [client] = useClient();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [next, setNext] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const run = async (e?: Event, page?: string) => {
    e?.preventDefault();
    if (!query.trim()) return;
    setBusy(true);
    try {
      const r = await client.searchMessages(query.trim(), page);
      setHits((h) => (page ? [...(h ?? []), ...r.hits] : r.hits));
      setNext(r.next);
    } catch (err) {
      client.reportError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="search-panel">
      <form class="inline-form" role="search" onSubmit={(e) => void run(e)}>
        <label class="sr-only" for="message-search">
          Search messages
        </label>
        <input id="message-search" type="search" placeholder="Search messages (word*, several words)" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <button class="secondary" type="submit" disabled={busy}>
          Search
        </button>
      </form>
      {hits && hits.length === 0 && !next && <p class="muted pad">No messages found.</p>}
      <ul class="hits" aria-label="Search results">
        {(hits ?? []).map((h) => {
          const m = h.message!;
          return (
            <li>
              <button class="hit" data-testid="search-hit" onClick={() => void client.openChat(m.conversation_id!, Number(m.seq))}>
                <span class="hit-top">
                  <strong>{client.titleOf(m.conversation_id!)}</strong>
                  <small>{formatListTime(m.timestamp_ms)}</small>
                </span>
                <span class="hit-text">
                  <span class="muted">{m.sender_id === client.me ? 'You' : client.nameOf(m.sender_id ?? '')}: </span>
                  {snippetParts(h.snippet || m.text || '').map((p) => (p.hit ? <mark>{p.text}</mark> : p.text))}
                </span>
              </button>
            </li>
          );
        })}
      </ul>
      {next && (
        <button class="ghost wide" disabled={busy} onClick={() => void run(undefined, next)}>
          More results
        </button>
      )}
    </div>
  );
}
