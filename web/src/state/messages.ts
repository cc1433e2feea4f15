// One conversation's timeline as the client holds it, and the pure functions that change it. Everything here
// is free of I/O so the merge, dedupe and operation rules are unit-tested (tests/unit/messages.test.ts).
//
// Rules:
// - Messages with a seq are kept in seq order, once each: a message arriving again (a live event and the pull
//   after a reconnect) replaces the copy we have (the newer state wins), never adds a second one.
// - Our own sends are shown at once as pending items (no seq, keyed by client_msg_id). The ack, or the same
//   message pulled after a reconnect, turns the pending item into the stored one: matched by client_msg_id.
// - Operations (EDIT, REVOKE, REACTION) are not shown; they change their target. A message fetched from the
//   server is already in its current state as of `as_of` (the newest seq we knew when it arrived), so an
//   operation is applied only when its seq is above the target's as_of: replays never apply twice.
import type { Message, Reaction } from '../proto';

export type SendState = 'sending' | 'failed';

export interface Item extends Message {
  /** pending own message: not acked yet, or the send failed */
  pending?: SendState;
  pending_error?: string;
  /** the seq up to which this copy already includes operations */
  as_of?: number;
}

export interface Timeline {
  items: Item[];
  /** lowest seq loaded (0: none) */
  oldest: number;
  /** highest seq seen, operations included (0: none) */
  newest: number;
  /** older messages may exist before `oldest` */
  has_older: boolean;
}

export const OPERATION_KINDS = new Set(['EDIT', 'REVOKE', 'REACTION']);

export function emptyTimeline(): Timeline {
  return { items: [], oldest: 0, newest: 0, has_older: true };
}

export function seqOf(m: Message): number {
  return m.seq ? Number(m.seq) : 0;
}

export function isOperation(m: Message): boolean {
  return OPERATION_KINDS.has(String(m.kind));
}

function compareItems(a: Item, b: Item): number {
  const sa = seqOf(a), sb = seqOf(b);
  if (sa && sb) return sa - sb;
  if (sa) return -1; // stored messages before pending ones
  if (sb) return 1;
  return 0;
}

function applyReaction(reactions: Reaction[] | undefined, user: string, emoji: string, removed: boolean): Reaction[] {
  const list = (reactions ?? []).map((r) => ({ ...r, user_ids: [...(r.user_ids ?? [])] }));
  let entry = list.find((r) => r.emoji === emoji);
  if (removed) {
    if (!entry) return list;
    const had = entry.user_ids!.includes(user);
    entry.user_ids = entry.user_ids!.filter((u) => u !== user);
    const count = Math.max(0, (entry.count ?? 0) - (had || (entry.count ?? 0) > entry.user_ids.length ? 1 : 0));
    entry.count = count;
    return list.filter((r) => (r.count ?? 0) > 0);
  }
  if (!entry) {
    entry = { emoji, count: 0, user_ids: [] };
    list.push(entry);
  }
  if (!entry.user_ids!.includes(user)) {
    entry.user_ids!.push(user);
    entry.count = (entry.count ?? 0) + 1;
  }
  return list;
}

/** The target after one operation (EDIT, REVOKE, REACTION). */
export function applyOperation(target: Item, op: Message): Item {
  const opSeq = seqOf(op);
  const next: Item = { ...target, as_of: Math.max(target.as_of ?? 0, opSeq) };
  switch (op.kind) {
    case 'EDIT':
      if (target.revoked) return next;
      next.text = op.text;
      next.mentions = op.mentions;
      next.mention_all = op.mention_all;
      if (op.custom_data !== undefined) next.custom_data = op.custom_data;
      next.edited_at_ms = op.timestamp_ms;
      next.edit_count = (target.edit_count ?? 0) + 1;
      return next;
    case 'REVOKE':
      return {
        conversation_id: target.conversation_id,
        seq: target.seq,
        server_msg_id: target.server_msg_id,
        client_msg_id: target.client_msg_id,
        sender_id: target.sender_id,
        timestamp_ms: target.timestamp_ms,
        kind: target.kind,
        revoked: true,
        revoked_by: op.sender_id,
        as_of: next.as_of,
      };
    case 'REACTION':
      if (target.revoked) return next;
      next.reactions = applyReaction(target.reactions, op.sender_id ?? '', op.reaction ?? '', !!op.reaction_removed);
      return next;
    default:
      return target;
  }
}

/**
 * Merges messages from the server (live events, pulls in either direction, acks' targets) into the timeline.
 * `asOf` is how current the fetched copies are (for a pull: the newest seq we knew when asking); live events
 * are current as of their own seq.
 */
export function mergeMessages(t: Timeline, incoming: Message[], asOf = 0): Timeline {
  if (incoming.length === 0) return t;
  let items = t.items.slice();
  let newest = t.newest;
  let oldest = t.oldest;
  // Apply in seq order so operations meet their targets in the order they happened.
  const sorted = incoming.slice().sort((a, b) => seqOf(a) - seqOf(b));
  for (const m of sorted) {
    const seq = seqOf(m);
    if (!seq) continue;
    if (isOperation(m)) {
      const target = Number(m.target_seq ?? 0);
      const i = items.findIndex((x) => seqOf(x) === target);
      if (i >= 0 && seq > (items[i].as_of ?? 0)) items[i] = applyOperation(items[i], m);
    } else {
      const copy: Item = { ...m, as_of: Math.max(seq, asOf) };
      const bySeq = items.findIndex((x) => seqOf(x) === seq);
      const byClient = m.client_msg_id
        ? items.findIndex((x) => !x.seq && x.client_msg_id === m.client_msg_id && x.sender_id === m.sender_id)
        : -1;
      if (bySeq >= 0) {
        // Keep whichever copy is more current.
        if ((items[bySeq].as_of ?? 0) <= (copy.as_of ?? 0)) items[bySeq] = copy;
        if (byClient >= 0) items.splice(byClient, 1);
      } else if (byClient >= 0) {
        items[byClient] = copy;
      } else {
        items.push(copy);
      }
    }
    newest = Math.max(newest, seq);
    oldest = oldest === 0 ? seq : Math.min(oldest, seq);
  }
  items = items.sort(compareItems);
  return { ...t, items, newest, oldest };
}

/** Adds our own message before the server has it. */
export function addPending(t: Timeline, m: Item): Timeline {
  if (t.items.some((x) => x.client_msg_id === m.client_msg_id && x.sender_id === m.sender_id)) return t;
  return { ...t, items: [...t.items, { ...m, pending: 'sending' }] };
}

/** The ack of our send: the pending item takes its seq (unless the message already arrived by a pull). */
export function ackPending(
  t: Timeline,
  clientMsgId: string,
  ack: { seq?: string; server_msg_id?: string; timestamp_ms?: string },
): Timeline {
  const i = t.items.findIndex((x) => !x.seq && x.client_msg_id === clientMsgId);
  if (i < 0) return t;
  const seq = Number(ack.seq ?? 0);
  const items = t.items.slice();
  if (items.some((x) => seqOf(x) === seq)) {
    items.splice(i, 1); // the pull brought it first
  } else {
    const { pending: _p, pending_error: _e, ...rest } = items[i];
    items[i] = { ...rest, seq: ack.seq, server_msg_id: ack.server_msg_id, timestamp_ms: ack.timestamp_ms, as_of: seq };
  }
  return {
    ...t,
    items: items.sort(compareItems),
    newest: Math.max(t.newest, seq),
    oldest: t.oldest === 0 ? seq : Math.min(t.oldest, seq),
  };
}

export function failPending(t: Timeline, clientMsgId: string, error: string): Timeline {
  return {
    ...t,
    items: t.items.map((x) =>
      !x.seq && x.client_msg_id === clientMsgId ? { ...x, pending: 'failed' as const, pending_error: error } : x,
    ),
  };
}

/** Replaces one message by the server's current copy of it (the target in an operation's answer). */
export function replaceMessage(t: Timeline, m: Message, asOf: number): Timeline {
  const seq = seqOf(m);
  const i = t.items.findIndex((x) => seqOf(x) === seq);
  if (i < 0 || (t.items[i].as_of ?? 0) > asOf) return t;
  const items = t.items.slice();
  items[i] = { ...m, as_of: asOf };
  return { ...t, items, newest: Math.max(t.newest, asOf) };
}

/** Drops messages deleted for this user (on another device), or everything up to a cleared seq. */
export function dropMessages(t: Timeline, seqs: number[], clearedSeq = 0): Timeline {
  const gone = new Set(seqs);
  return {
    ...t,
    items: t.items.filter((x) => {
      const s = seqOf(x);
      return !s || (!gone.has(s) && s > clearedSeq);
    }),
  };
}

/** Whether a live message leaves a hole after what we have (so the client must pull the missing seqs). */
export function hasGapBefore(t: Timeline, m: Message): boolean {
  return t.newest > 0 && seqOf(m) > t.newest + 1;
}

export function pendingItems(t: Timeline): Item[] {
  return t.items.filter((x) => !x.seq);
}
