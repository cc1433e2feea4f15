import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/proto';
import {
  ackPending,
  addPending,
  applyOperation,
  dropMessages,
  emptyTimeline,
  failPending,
  hasGapBefore,
  mergeMessages,
  replaceMessage,
  type Item,
} from '../../src/state/messages';

const C = 'd:alice:bob';
const msg = (seq: number, extra: Partial<Message> = {}): Message => ({
  conversation_id: C,
  seq: String(seq),
  client_msg_id: `c-${seq}`,
  sender_id: 'bob',
  timestamp_ms: String(1_700_000_000_000 + seq * 1000),
  kind: 'TEXT',
  text: `m${seq}`,
  ...extra,
});
const seqs = (items: Item[]) => items.map((i) => (i.seq ? Number(i.seq) : `p:${i.client_msg_id}`));

describe('mergeMessages', () => {
  it('keeps seq order whatever order messages arrive in', () => {
    const t = mergeMessages(emptyTimeline(), [msg(3), msg(1), msg(2)]);
    expect(seqs(t.items)).toEqual([1, 2, 3]);
    expect(t.oldest).toBe(1);
    expect(t.newest).toBe(3);
  });

  it('never shows a message twice (live event, then the pull after a reconnect)', () => {
    let t = mergeMessages(emptyTimeline(), [msg(1), msg(2)]);
    t = mergeMessages(t, [msg(2)]);
    t = mergeMessages(t, [msg(1), msg(2), msg(3)], 3);
    expect(seqs(t.items)).toEqual([1, 2, 3]);
  });

  it('pages older history in front', () => {
    let t = mergeMessages(emptyTimeline(), [msg(51), msg(52)]);
    t = mergeMessages(t, [msg(50), msg(49)], t.newest);
    expect(seqs(t.items)).toEqual([49, 50, 51, 52]);
    expect(t.oldest).toBe(49);
  });

  it('does not show operations but applies them to their targets', () => {
    let t = mergeMessages(emptyTimeline(), [msg(1)]);
    t = mergeMessages(t, [msg(2, { kind: 'EDIT', text: 'edited', target_seq: '1', client_msg_id: 'op-1' })]);
    expect(seqs(t.items)).toEqual([1]);
    expect(t.items[0].text).toBe('edited');
    expect(t.items[0].edit_count).toBe(1);
    expect(t.newest).toBe(2);
  });

  it('applies a replayed operation only once', () => {
    const reaction = msg(2, { kind: 'REACTION', reaction: '👍', target_seq: '1', sender_id: 'alice' });
    let t = mergeMessages(emptyTimeline(), [msg(1)]);
    t = mergeMessages(t, [reaction]);
    t = mergeMessages(t, [reaction]);
    expect(t.items[0].reactions).toEqual([{ emoji: '👍', count: 1, user_ids: ['alice'] }]);
  });

  it('does not apply old operations to a target pulled in its current state', () => {
    // The target comes from a pull made when seq 5 was the newest: it already has the reaction at seq 4.
    const current = msg(1, { reactions: [{ emoji: '👍', count: 1, user_ids: ['alice'] }] });
    let t = mergeMessages(emptyTimeline(), [current], 5);
    t = mergeMessages(t, [msg(4, { kind: 'REACTION', reaction: '👍', target_seq: '1', sender_id: 'alice' })], 5);
    expect(t.items[0].reactions?.[0].count).toBe(1);
  });

  it('a newer copy of a message replaces an older one, not the other way round', () => {
    let t = mergeMessages(emptyTimeline(), [msg(1, { text: 'new', edit_count: 1 })], 9);
    t = mergeMessages(t, [msg(1, { text: 'old' })], 2);
    expect(t.items[0].text).toBe('new');
  });
});

describe('operations', () => {
  it('revoke drops the content and keeps the place', () => {
    const t = applyOperation(msg(1, { reactions: [{ emoji: 'x', count: 1 }] }), msg(2, { kind: 'REVOKE', target_seq: '1', sender_id: 'bob' }));
    expect(t.revoked).toBe(true);
    expect(t.text).toBeUndefined();
    expect(t.reactions).toBeUndefined();
    expect(t.seq).toBe('1');
    expect(t.revoked_by).toBe('bob');
  });

  it('reaction removal takes the user off and drops empty entries', () => {
    let t: Item = msg(1);
    t = applyOperation(t, msg(2, { kind: 'REACTION', reaction: '🎉', target_seq: '1', sender_id: 'alice' }));
    t = applyOperation(t, msg(3, { kind: 'REACTION', reaction: '🎉', target_seq: '1', sender_id: 'carol' }));
    expect(t.reactions).toEqual([{ emoji: '🎉', count: 2, user_ids: ['alice', 'carol'] }]);
    t = applyOperation(t, msg(4, { kind: 'REACTION', reaction: '🎉', reaction_removed: true, target_seq: '1', sender_id: 'alice' }));
    expect(t.reactions).toEqual([{ emoji: '🎉', count: 1, user_ids: ['carol'] }]);
    t = applyOperation(t, msg(5, { kind: 'REACTION', reaction: '🎉', reaction_removed: true, target_seq: '1', sender_id: 'carol' }));
    expect(t.reactions).toEqual([]);
  });

  it('an edit does not bring a revoked message back', () => {
    let t: Item = applyOperation(msg(1), msg(2, { kind: 'REVOKE', target_seq: '1' }));
    t = applyOperation(t, msg(3, { kind: 'EDIT', target_seq: '1', text: 'back?' }));
    expect(t.text).toBeUndefined();
  });
});

describe('pending sends', () => {
  const pending: Item = { conversation_id: C, client_msg_id: 'a-1', sender_id: 'alice', kind: 'TEXT', text: 'hi' };

  it('shows a pending message after the stored ones and turns it into the acked one', () => {
    let t = mergeMessages(emptyTimeline(), [msg(1)]);
    t = addPending(t, pending);
    expect(seqs(t.items)).toEqual([1, 'p:a-1']);
    expect(t.items[1].pending).toBe('sending');
    t = ackPending(t, 'a-1', { seq: '2', server_msg_id: 's2', timestamp_ms: '5' });
    expect(seqs(t.items)).toEqual([1, 2]);
    expect(t.items[1].pending).toBeUndefined();
    expect(t.newest).toBe(2);
  });

  it('the same message pulled before its ack (reconnect) replaces the pending one by client_msg_id', () => {
    let t = addPending(mergeMessages(emptyTimeline(), [msg(1)]), pending);
    t = mergeMessages(t, [msg(2, { client_msg_id: 'a-1', sender_id: 'alice', text: 'hi' })], 2);
    expect(seqs(t.items)).toEqual([1, 2]);
    // The resend's ack (duplicate: true) then changes nothing.
    t = ackPending(t, 'a-1', { seq: '2' });
    expect(seqs(t.items)).toEqual([1, 2]);
  });

  it('an ack arriving after the pull does not add a second copy', () => {
    let t = addPending(emptyTimeline(), pending);
    t = mergeMessages(t, [msg(1, { client_msg_id: 'a-1', sender_id: 'alice' })]);
    t = addPending(t, pending); // adding the same client_msg_id again is ignored
    t = ackPending(t, 'a-1', { seq: '1' });
    expect(seqs(t.items)).toEqual([1]);
  });

  it('a failed send keeps its text and says why', () => {
    const t = failPending(addPending(emptyTimeline(), pending), 'a-1', 'you cannot message this user');
    expect(t.items[0].pending).toBe('failed');
    expect(t.items[0].pending_error).toBe('you cannot message this user');
  });
});

describe('gaps, replacements and deletions', () => {
  it('detects a hole after the newest seq', () => {
    const t = mergeMessages(emptyTimeline(), [msg(1), msg(2)]);
    expect(hasGapBefore(t, msg(3))).toBe(false);
    expect(hasGapBefore(t, msg(5))).toBe(true);
    expect(hasGapBefore(emptyTimeline(), msg(5))).toBe(false);
  });

  it('replaceMessage takes the server copy unless ours is newer', () => {
    let t = mergeMessages(emptyTimeline(), [msg(1)]);
    t = replaceMessage(t, msg(1, { text: 'edited' }), 4);
    expect(t.items[0].text).toBe('edited');
    t = replaceMessage(t, msg(1, { text: 'stale' }), 3);
    expect(t.items[0].text).toBe('edited');
  });

  it('drops deleted and cleared messages but keeps pending ones', () => {
    let t = addPending(mergeMessages(emptyTimeline(), [msg(1), msg(2), msg(3), msg(4)]), {
      conversation_id: C,
      client_msg_id: 'p',
      sender_id: 'alice',
    });
    t = dropMessages(t, [3]);
    expect(seqs(t.items)).toEqual([1, 2, 4, 'p:p']);
    t = dropMessages(t, [], 2);
    expect(seqs(t.items)).toEqual([4, 'p:p']);
  });
});
