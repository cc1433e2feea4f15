// How a timeline is drawn: day separators, the "new messages" marker, and bubbles grouped by sender.
import type { Item } from './messages';
import { seqOf } from './messages';

export type Row =
  | { type: 'day'; key: string; label: string }
  | { type: 'unread'; key: string }
  | { type: 'message'; key: string; item: Item; first: boolean; last: boolean; mine: boolean };

const GROUP_GAP_MS = 5 * 60 * 1000;

export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;
}

export function dayLabel(ms: number, now = Date.now()): string {
  const today = dayKey(now);
  if (dayKey(ms) === today) return 'Today';
  if (dayKey(ms) === dayKey(now - 86_400_000)) return 'Yesterday';
  const d = new Date(ms);
  const sameYear = d.getFullYear() === new Date(now).getFullYear();
  return d.toLocaleDateString(undefined, { weekday: 'long', day: 'numeric', month: 'long', ...(sameYear ? {} : { year: 'numeric' }) });
}

/**
 * Rows for the chat view. `unreadAfter`: the read cursor when the conversation was opened (negative: nothing
 * was unread); the marker goes before the first message from someone else above it.
 */
export function layoutTimeline(items: Item[], me: string, unreadAfter: number, now = Date.now()): Row[] {
  const rows: Row[] = [];
  let lastDay = '';
  let unreadPlaced = false;
  const visible = items;
  for (let i = 0; i < visible.length; i++) {
    const item = visible[i];
    const ts = Number(item.timestamp_ms ?? 0) || now;
    const day = dayKey(ts);
    if (day !== lastDay) {
      rows.push({ type: 'day', key: `day-${day}`, label: dayLabel(ts, now) });
      lastDay = day;
    }
    const seq = seqOf(item);
    const mine = item.sender_id === me;
    if (!unreadPlaced && unreadAfter >= 0 && seq > unreadAfter && !mine && item.kind !== 'SYSTEM') {
      rows.push({ type: 'unread', key: 'unread' });
      unreadPlaced = true;
    }
    const prev = visible[i - 1];
    const next = visible[i + 1];
    const joins = (a: Item | undefined, b: Item | undefined) =>
      !!a && !!b && a.sender_id === b.sender_id && a.kind !== 'SYSTEM' && b.kind !== 'SYSTEM' &&
      dayKey(Number(a.timestamp_ms ?? now)) === dayKey(Number(b.timestamp_ms ?? now)) &&
      Math.abs(Number(b.timestamp_ms ?? now) - Number(a.timestamp_ms ?? now)) < GROUP_GAP_MS;
    const first = !joins(prev, item) || rows[rows.length - 1]?.type !== 'message';
    const last = !joins(item, next);
    rows.push({ type: 'message', key: item.seq ? `s${item.seq}` : `c${item.client_msg_id}`, item, first, last, mine });
  }
  return rows;
}

/** Splits a search snippet into plain and highlighted parts (the server marks matches with U+0002 … U+0003). */
export function snippetParts(snippet: string): { text: string; hit: boolean }[] {
  const parts: { text: string; hit: boolean }[] = [];
  let hit = false;
  let buf = '';
  for (const ch of snippet) {
    if (ch === '\u0002' || ch === '\u0003') {
      if (buf) parts.push({ text: buf, hit });
      buf = '';
      hit = ch === '\u0002';
    } else {
      buf += ch;
    }
  }
  if (buf) parts.push({ text: buf, hit });
  return parts;
}
