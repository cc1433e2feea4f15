// The client core against a scripted fake WebSocket: sign-in with the saved token, sync, a send that is cut
// off by a dropped connection, the reconnect with backoff, the resync from the saved cursor, and the outbox
// resend that the server answers as a duplicate: the message must end up shown once, acked.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Client } from '../../src/client';

type Frame = Record<string, any>;

class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Frame[] = [];
  onopen?: () => void;
  onclose?: (e: { code: number; reason: string }) => void;
  onmessage?: (e: { data: string }) => void;
  onerror?: () => void;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.drop(1000);
  }
  // test side
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  drop(code = 1006) {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }
  last(key: string): Frame {
    const f = [...this.sent].reverse().find((x) => key in x);
    if (!f) throw new Error(`no ${key} request sent; sent: ${this.sent.map((x) => Object.keys(x)[1]).join(', ')}`);
    return f;
  }
  reply(key: string, body: Frame) {
    const req = this.last(key);
    this.onmessage?.({ data: JSON.stringify({ req_id: req.req_id, [key]: body }) });
  }
  event(e: Frame) {
    this.onmessage?.({ data: JSON.stringify({ event: e }) });
  }
}

class MemoryStorage {
  private m = new Map<string, string>();
  get length() {
    return this.m.size;
  }
  clear() {
    this.m.clear();
  }
  getItem(k: string) {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.m.set(k, v);
  }
  removeItem(k: string) {
    this.m.delete(k);
  }
  key(i: number) {
    return [...this.m.keys()][i] ?? null;
  }
}

const flush = async () => {
  for (let i = 0; i < 20; i++) await Promise.resolve();
};

const C = 'd:alice:bob';
const summary = (max: number) => ({
  conversation_id: C,
  kind: 'DIRECT',
  max_seq: String(max),
  read_seq: String(max),
  active: true,
  last_message: { conversation_id: C, seq: String(max), sender_id: 'bob', kind: 'TEXT', text: 'hi', timestamp_ms: '1000' },
});

async function connect(sock: FakeSocket, syncBody: Frame) {
  sock.open();
  await flush();
  sock.reply('authenticate', { session: {} });
  await flush();
  sock.reply('sync', syncBody);
  await flush();
}

describe('Client', () => {
  let storage: MemoryStorage;
  beforeEach(async () => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    vi.stubGlobal('WebSocket', FakeSocket);
    if (!globalThis.crypto) vi.stubGlobal('crypto', (await import('node:crypto')).webcrypto);
    storage = new MemoryStorage();
    storage.setItem(
      'parley.session',
      JSON.stringify({ token: 'tok', refresh_token: 'ref', user: { user_id: 'alice' }, device_id: 'web-1' }),
    );
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('resends an unacked message after a reconnect and shows it once', async () => {
    const client = new Client('ws://test/v1/ws', storage as unknown as Storage);
    client.resume();
    expect(client.state.conn.phase).toBe('connecting');
    const first = FakeSocket.all[0];
    await connect(first, { conversations: [summary(1)], cursor: '5' });
    expect(first.last('authenticate').authenticate).toEqual({ token: 'tok' });
    expect(first.last('sync').sync).toEqual({ cursor: '0' });
    expect(client.state.conn.phase).toBe('online');
    expect(client.state.summaries[C].max_seq).toBe('1');

    client.send(C, { text: 'are you there?' });
    const sent = first.last('send_message').send_message;
    expect(sent.text).toBe('are you there?');
    expect(client.state.timelines[C].items.map((i) => i.pending)).toEqual(['sending']);

    // The connection drops before the ack: the message stays pending and the client waits to reconnect.
    first.drop();
    await flush();
    expect(client.state.conn.phase).toBe('waiting');
    expect(client.state.timelines[C].items).toHaveLength(1);
    expect(client.state.timelines[C].items[0].pending).toBe('sending');

    await vi.advanceTimersByTimeAsync(client.state.conn.delay_ms + 1);
    const second = FakeSocket.all[1];
    expect(second).toBeDefined();
    await connect(second, { conversations: [summary(2)], cursor: '7' });
    // resync from the saved cursor
    expect(second.last('sync').sync).toEqual({ cursor: '5' });
    expect(client.state.conn.phase).toBe('online');

    // the outbox goes out again with the same client_msg_id; the server had stored it: duplicate ack
    const resent = second.last('send_message').send_message;
    expect(resent.client_msg_id).toBe(sent.client_msg_id);
    second.reply('send_message', { conversation_id: C, seq: '2', server_msg_id: 's2', timestamp_ms: '2000', duplicate: true });
    await flush();
    const items = client.state.timelines[C].items;
    expect(items).toHaveLength(1);
    expect(items[0].seq).toBe('2');
    expect(items[0].pending).toBeUndefined();
  });

  it('fills a gap when a live message skips a seq', async () => {
    const client = new Client('ws://test/v1/ws', storage as unknown as Storage);
    client.resume();
    const sock = FakeSocket.all[0];
    await connect(sock, { conversations: [summary(1)], cursor: '5' });
    const opening = client.openChat(C);
    await flush();
    sock.reply('pull_messages', { messages: [summary(1).last_message], end: true });
    await opening;
    expect(client.state.timelines[C].newest).toBe(1);

    sock.event({ message: { conversation_id: C, seq: '4', sender_id: 'bob', kind: 'TEXT', text: 'four', timestamp_ms: '4000' } });
    await flush();
    const pull = sock.last('pull_messages').pull_messages;
    expect(pull.after_seq).toBe('1');
    sock.reply('pull_messages', {
      messages: [2, 3, 4].map((n) => ({ conversation_id: C, seq: String(n), sender_id: 'bob', kind: 'TEXT', text: `m${n}`, timestamp_ms: String(n * 1000) })),
      end: true,
    });
    await flush();
    expect(client.state.timelines[C].items.map((i) => i.seq)).toEqual(['1', '2', '3', '4']);
    // the summary missed those events too: a sync from the cursor brings the server's counts
    expect(sock.last('sync').sync).toEqual({ cursor: '5' });
    sock.reply('sync', { conversations: [{ ...summary(4), read_seq: '1', unread_count: '3' }], cursor: '9' });
    await flush();
    expect(client.state.summaries[C].unread_count).toBe('3');
  });

  it('a rejected token signs out and forgets the session', async () => {
    const client = new Client('ws://test/v1/ws', storage as unknown as Storage);
    client.resume();
    const sock = FakeSocket.all[0];
    sock.open();
    await flush();
    const req = sock.last('authenticate');
    sock.onmessage?.({ data: JSON.stringify({ req_id: req.req_id, error: { code: 'UNAUTHENTICATED', message: 'unknown token' } }) });
    await flush();
    expect(client.state.conn.phase).toBe('signed_out');
    expect(client.state.conn.reason).toBe('unknown token');
    expect(client.state.session).toBeUndefined();
    expect(storage.getItem('parley.session')).toBeNull();
  });

  it('uploads an attached image, sends it as an IMAGE with the blob id, and retries a failed upload', async () => {
    const client = new Client('ws://test/v1/ws', storage as unknown as Storage);
    let fail = true;
    const uploads: string[] = [];
    client.transport = async (req) => {
      uploads.push(`${req.method} ${req.url} ${req.headers.Authorization}`);
      req.onProgress?.(3);
      if (fail) return { status: 413, header: () => null, text: '{"error":{"code":"TOO_LARGE","message":"over your quota"}}' };
      return {
        status: 201,
        header: () => null,
        text: JSON.stringify({ blob_id: 'b1', mime_type: 'image/png', size_bytes: '6', width: 2, height: 1, thumbnails: [{ blob_id: 'b1.t320' }] }),
      };
    };
    client.resume();
    const sock = FakeSocket.all[0];
    await connect(sock, { conversations: [summary(1)], cursor: '5' });
    client.attach(C, [new File(['abcdef'], 'dir/cat.png', { type: 'image/png' })], ' a cat ');
    await flush();
    const [failed] = client.state.uploads[C];
    expect(failed).toMatchObject({ state: 'failed', error: 'over your quota', name: 'cat.png' });
    expect(uploads).toEqual(['POST /v1/media/blobs Bearer tok']);
    expect(sock.sent.some((f) => 'send_message' in f)).toBe(false);

    fail = false;
    client.retryUpload(C, failed.id);
    await flush();
    expect(client.state.uploads[C]).toEqual([]);
    const sent = sock.last('send_message').send_message;
    expect(sent.message).toEqual({ kind: 'IMAGE', media: { blob_id: 'b1', file_name: 'cat.png' }, text: 'a cat' });
    const pending = client.state.timelines[C].items.find((x) => x.client_msg_id === sent.client_msg_id)!;
    expect(pending.media).toMatchObject({ blob_id: 'b1', width: 2, height: 1, thumbnail_blob_id: 'b1.t320' });

    // a signed URL is asked for once and then served from the cache
    const a = client.blobUrl('b1.t320');
    await flush();
    sock.reply('get_blob_url', { url: '/v1/media/blobs/b1.t320?exp=1&sig=x', expires_at_ms: String(Date.now() + 600_000) });
    expect((await a).url).toBe('/v1/media/blobs/b1.t320?exp=1&sig=x');
    const asked = sock.sent.filter((f) => 'get_blob_url' in f).length;
    await client.blobUrl('b1.t320');
    expect(sock.sent.filter((f) => 'get_blob_url' in f).length).toBe(asked);
  });
});
