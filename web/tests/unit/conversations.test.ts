import { describe, expect, it } from 'vitest';
import type { ConversationSummary, Message } from '../../src/proto';
import {
  applyLiveMessage,
  applyRead,
  applyReceipt,
  applySummaries,
  directId,
  peerOf,
  previewText,
  sortedConversations,
  titleFor,
  unreadTotal,
} from '../../src/state/conversations';
import { layoutTimeline, snippetParts } from '../../src/state/layout';

const me = 'alice';
const sum = (id: string, extra: Partial<ConversationSummary> = {}): ConversationSummary => ({
  conversation_id: id,
  kind: id.startsWith('g:') ? 'GROUP' : 'DIRECT',
  max_seq: '1',
  read_seq: '1',
  active: true,
  last_message: { seq: '1', timestamp_ms: '1000', sender_id: 'bob', kind: 'TEXT', text: 'x' },
  ...extra,
});
const live = (id: string, seq: number, extra: Partial<Message> = {}): Message => ({
  conversation_id: id,
  seq: String(seq),
  sender_id: 'bob',
  timestamp_ms: String(1000 + seq),
  kind: 'TEXT',
  text: `m${seq}`,
  ...extra,
});

describe('conversation list', () => {
  it('derives direct ids and peers', () => {
    expect(directId('bob', 'alice')).toBe('d:alice:bob');
    expect(peerOf('d:alice:bob', 'alice')).toBe('bob');
    expect(peerOf('d:alice:bob', 'bob')).toBe('alice');
    expect(peerOf('g:x', 'alice')).toBe('');
  });

  it('counts unread and mentions from others, not our own sends, system messages or replays', () => {
    let l = applySummaries({}, [sum('g:1')]);
    l = applyLiveMessage(l, live('g:1', 2), me, false);
    l = applyLiveMessage(l, live('g:1', 3, { mentions: ['alice'] }), me, false);
    l = applyLiveMessage(l, live('g:1', 4, { kind: 'SYSTEM', system: { action: 'MEMBERS_ADDED' } }), me, false);
    l = applyLiveMessage(l, live('g:1', 3, { mentions: ['alice'] }), me, false); // replay
    expect(l['g:1'].unread_count).toBe('2');
    expect(l['g:1'].mention_count).toBe('1');
    l = applyLiveMessage(l, live('g:1', 5, { sender_id: 'alice' }), me, false);
    expect(l['g:1'].unread_count).toBe('0');
    expect(l['g:1'].read_seq).toBe('5');
  });

  it('does not count what the user is looking at', () => {
    const l = applyLiveMessage(applySummaries({}, [sum('d:alice:bob')]), live('d:alice:bob', 2), me, true);
    expect(l['d:alice:bob'].unread_count ?? '0').toBe('0');
    expect(l['d:alice:bob'].last_message?.text).toBe('m2');
  });

  it('an edit or revoke of the last message updates the preview, a reaction does not replace it', () => {
    let l = applySummaries({}, [sum('d:alice:bob')]);
    l = applyLiveMessage(l, live('d:alice:bob', 2, { kind: 'EDIT', target_seq: '1', text: 'fixed' }), me, false);
    expect(l['d:alice:bob'].last_message?.text).toBe('fixed');
    l = applyLiveMessage(l, live('d:alice:bob', 3, { kind: 'REACTION', target_seq: '1', reaction: '👍' }), me, false);
    expect(l['d:alice:bob'].last_message?.text).toBe('fixed');
    l = applyLiveMessage(l, live('d:alice:bob', 4, { kind: 'REVOKE', target_seq: '1' }), me, false);
    expect(l['d:alice:bob'].last_message?.revoked).toBe(true);
    expect(l['d:alice:bob'].unread_count ?? '0').toBe('0');
  });

  it('reading clears the counts; receipts only move forward', () => {
    let l = applySummaries({}, [sum('d:alice:bob', { max_seq: '5', unread_count: '4', mention_count: '1' })]);
    l = applyRead(l, 'd:alice:bob', 5);
    expect(l['d:alice:bob'].unread_count).toBe('0');
    expect(l['d:alice:bob'].mention_count).toBe('0');
    l = applyReceipt(l, 'd:alice:bob', 5, 3);
    l = applyReceipt(l, 'd:alice:bob', 4, 2);
    expect(l['d:alice:bob'].peer_read_seq).toBe('3');
    expect(l['d:alice:bob'].peer_delivered_seq).toBe('5');
  });

  it('sorts pinned first, then by last activity, and leaves hidden ones out', () => {
    const l = applySummaries({}, [
      sum('d:alice:bob', { last_message: { timestamp_ms: '3000' } }),
      sum('d:alice:carol', { last_message: { timestamp_ms: '1000' }, settings: { pinned: true } }),
      sum('g:1', { last_message: { timestamp_ms: '5000' } }),
      sum('g:2', { last_message: { timestamp_ms: '9000' }, hidden: true }),
    ]);
    expect(sortedConversations(l).map((s) => s.conversation_id)).toEqual(['d:alice:carol', 'g:1', 'd:alice:bob']);
  });

  it('the title counts unread messages outside muted and hidden conversations', () => {
    const l = applySummaries({}, [
      sum('a', { unread_count: '2' }),
      sum('b', { unread_count: '5', settings: { muted_until_ms: String(Date.now() + 60_000) } }),
      sum('c', { unread_count: '7', hidden: true }),
    ]);
    expect(unreadTotal(l)).toBe(2);
    expect(titleFor(2)).toBe('(2) Parley');
    expect(titleFor(0)).toBe('Parley');
    expect(titleFor(120)).toBe('(99+) Parley');
  });

  it('previews say who sent what', () => {
    const name = (u: string) => u.toUpperCase();
    expect(previewText(live('x', 1, { sender_id: 'alice', text: 'hi' }), me, name)).toBe('You: hi');
    expect(previewText(live('x', 1, { revoked: true, text: undefined }), me, name)).toBe('BOB unsent a message');
    expect(previewText(live('x', 1, { kind: 'SYSTEM', sender_id: 'bob', system: { action: 'MEMBERS_ADDED', actor_id: 'bob', user_ids: ['alice', 'carol'] } }), me, name)).toBe('BOB added you, CAROL');
    expect(previewText(live('x', 1, { kind: 'IMAGE', text: undefined, media: { blob_id: 'b' } }), me, name)).toBe('📷 Photo');
    expect(previewText(live('x', 1, { kind: 'IMAGE', sender_id: 'alice', text: 'sunset', media: { blob_id: 'b' } }), me, name)).toBe('You: 📷 Photo: sunset');
    expect(previewText(live('x', 1, { kind: 'FILE', text: undefined, media: { blob_id: 'b', file_name: 'a.pdf' } }), me, name)).toBe('📎 File: a.pdf');
    expect(previewText(live('x', 1, { kind: 'AUDIO', text: undefined, media: { blob_id: 'b' } }), me, name)).toBe('🎤 Audio');
  });
});

describe('layout', () => {
  const day = 86_400_000;
  const now = new Date(2026, 10, 28, 12).getTime();
  const items = [
    live('x', 1, { timestamp_ms: String(now - day - 1000) }),
    live('x', 2, { timestamp_ms: String(now - 3000), sender_id: 'alice' }),
    live('x', 3, { timestamp_ms: String(now - 2000) }),
    live('x', 4, { timestamp_ms: String(now - 1000) }),
  ];

  it('adds day separators, the unread marker and groups consecutive bubbles', () => {
    const rows = layoutTimeline(items, me, 2, now);
    expect(rows.map((r) => r.type)).toEqual(['day', 'message', 'day', 'message', 'unread', 'message', 'message']);
    expect(rows[0]).toMatchObject({ label: 'Yesterday' });
    expect(rows[2]).toMatchObject({ label: 'Today' });
    const last = rows.filter((r) => r.type === 'message').slice(-2) as { first: boolean; last: boolean }[];
    expect(last[0]).toMatchObject({ first: true, last: false });
    expect(last[1]).toMatchObject({ first: false, last: true });
  });

  it('puts no unread marker when everything was read', () => {
    expect(layoutTimeline(items, me, 4, now).some((r) => r.type === 'unread')).toBe(false);
  });

  it('splits search snippets into highlighted parts', () => {
    expect(snippetParts('book the \u0002train\u0003 \u0002tickets\u0003?')).toEqual([
      { text: 'book the ', hit: false },
      { text: 'train', hit: true },
      { text: ' ', hit: false },
      { text: 'tickets', hit: true },
      { text: '?', hit: false },
    ]);
  });
});

describe('unread marker', () => {
  it('goes before the first message when nothing had been read', () => {
    const rows = layoutTimeline([live('x', 1), live('x', 2)], 'alice', 0);
    expect(rows.map((r) => r.type)).toEqual(['day', 'unread', 'message', 'message']);
    expect(layoutTimeline([live('x', 1)], 'alice', -1).some((r) => r.type === 'unread')).toBe(false);
  });
});
