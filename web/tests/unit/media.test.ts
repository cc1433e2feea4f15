// Uploads against a scripted fake transport (one-shot, tus in chunks with progress, resume after a broken
// PATCH, cancel, server errors), the kind chosen for a type, and the signed URL cache (expiry, sharing,
// failures, invalidation).
import { describe, expect, it } from 'vitest';
import {
  cleanFileName,
  fitBox,
  formatBytes,
  kindForMime,
  uploadFile,
  UploadError,
  UrlCache,
  type HttpRequest,
  type HttpResponse,
} from '../../src/state/media';

function res(status: number, text = '', headers: Record<string, string> = {}): HttpResponse {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, text, header: (n) => lower[n.toLowerCase()] ?? null };
}

function bytes(n: number): Blob {
  const a = new Uint8Array(n);
  for (let i = 0; i < n; i++) a[i] = i & 0xff;
  return new Blob([a], { type: 'application/octet-stream' });
}

/** A fake tus server that keeps the bytes it got. */
class FakeTus {
  requests: HttpRequest[] = [];
  received: number[] = [];
  length = 0;
  breakNextPatchAfter = -1;
  deleted = false;
  async handle(req: HttpRequest): Promise<HttpResponse> {
    this.requests.push(req);
    expect(req.headers.Authorization).toBe('Bearer tok');
    if (req.method === 'POST' && req.url === '/v1/media/uploads') {
      expect(req.headers['Tus-Resumable']).toBe('1.0.0');
      this.length = Number(req.headers['Upload-Length']);
      return res(201, '', { Location: '/v1/media/uploads/u1' });
    }
    if (req.method === 'PATCH') {
      expect(Number(req.headers['Upload-Offset'])).toBe(this.received.length);
      const chunk = new Uint8Array(await req.body!.arrayBuffer());
      if (this.breakNextPatchAfter >= 0) {
        // half the chunk arrives, then the connection breaks
        const keep = this.breakNextPatchAfter;
        this.breakNextPatchAfter = -1;
        this.received.push(...chunk.slice(0, keep));
        req.onProgress?.(keep);
        throw new UploadError('NETWORK', 'broken');
      }
      this.received.push(...chunk);
      req.onProgress?.(chunk.length / 2);
      req.onProgress?.(chunk.length);
      const done = this.received.length === this.length;
      return res(204, '', { 'Upload-Offset': String(this.received.length), ...(done ? { 'Parley-Blob-Id': 'abc' } : {}) });
    }
    if (req.method === 'HEAD') return res(200, '', { 'Upload-Offset': String(this.received.length), 'Upload-Length': String(this.length) });
    if (req.method === 'GET' && req.url === '/v1/media/blobs/abc/info') {
      return res(200, JSON.stringify({ blob_id: 'abc', mime_type: 'application/octet-stream', size_bytes: String(this.length) }));
    }
    if (req.method === 'DELETE') {
      this.deleted = true;
      return res(204);
    }
    return res(404, '{"error":{"code":"NOT_FOUND","message":"no"}}');
  }
}

describe('uploadFile', () => {
  it('sends a small file in one POST with its type and reports progress up to 1', async () => {
    const seen: HttpRequest[] = [];
    const progress: number[] = [];
    const info = await uploadFile(new Blob(['hello'], { type: 'image/png' }), {
      token: 'tok',
      transport: async (req) => {
        seen.push(req);
        req.onProgress?.(2);
        return res(201, JSON.stringify({ blob_id: 'b1', mime_type: 'image/png', width: 4, height: 3 }));
      },
      onProgress: (f) => progress.push(f),
    });
    expect(info).toMatchObject({ blob_id: 'b1', width: 4 });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/v1/media/blobs' });
    expect(seen[0].headers).toMatchObject({ Authorization: 'Bearer tok', 'Content-Type': 'image/png' });
    expect(progress).toEqual([0.4, 1]);
  });

  it('turns an error body into an UploadError with the server code', async () => {
    const p = uploadFile(new Blob(['x']), {
      token: 'tok',
      transport: async () => res(400, '{"error":{"code":"INVALID_ARGUMENT","message":"the content is image/png, not video/mp4"}}'),
    });
    await expect(p).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: 'the content is image/png, not video/mp4' });
    const q = uploadFile(new Blob(['x']), { token: 'tok', transport: async () => res(502, '<html>') });
    await expect(q).rejects.toMatchObject({ code: 'HTTP_502' });
  });

  it('uses tus above the one-shot limit: chunks in order, progress rising to 1, the blob info at the end', async () => {
    const tus = new FakeTus();
    const progress: number[] = [];
    const file = bytes(1000);
    const info = await uploadFile(file, { token: 'tok', transport: (r) => tus.handle(r), oneshotMax: 100, chunkSize: 300, onProgress: (f) => progress.push(f) });
    expect(info.blob_id).toBe('abc');
    expect(tus.requests.filter((r) => r.method === 'PATCH')).toHaveLength(4);
    expect(tus.received).toEqual(Array.from(new Uint8Array(await file.arrayBuffer())));
    expect(progress.at(-1)).toBe(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i]).toBeGreaterThanOrEqual(progress[i - 1]);
    const meta = tus.requests[0].headers['Upload-Metadata'];
    expect(meta).toContain('filetype ');
  });

  it('resumes from the offset HEAD reports when a PATCH breaks', async () => {
    const tus = new FakeTus();
    tus.breakNextPatchAfter = 120;
    const file = bytes(1000);
    const info = await uploadFile(file, { token: 'tok', transport: (r) => tus.handle(r), oneshotMax: 100, chunkSize: 300 });
    expect(info.blob_id).toBe('abc');
    expect(tus.requests.map((r) => r.method)).toContain('HEAD');
    expect(tus.received).toEqual(Array.from(new Uint8Array(await file.arrayBuffer())));
  });

  it('cancel stops the upload and terminates it on the server', async () => {
    const tus = new FakeTus();
    const abort = new AbortController();
    const p = uploadFile(bytes(1000), {
      token: 'tok',
      oneshotMax: 100,
      chunkSize: 300,
      signal: abort.signal,
      transport: async (r) => {
        const answer = await tus.handle(r);
        if (r.method === 'PATCH') abort.abort(); // the user cancels during the first chunk
        return answer;
      },
    });
    await expect(p).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(tus.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    await Promise.resolve();
    expect(tus.deleted).toBe(true);
  });
});

describe('media helpers', () => {
  it('chooses the message kind from the type', () => {
    expect(kindForMime('image/png')).toBe('IMAGE');
    expect(kindForMime('image/jpeg')).toBe('IMAGE');
    expect(kindForMime('image/svg+xml')).toBe('FILE');
    expect(kindForMime('video/mp4')).toBe('VIDEO');
    expect(kindForMime('audio/ogg')).toBe('AUDIO');
    expect(kindForMime('application/pdf')).toBe('FILE');
    expect(kindForMime('')).toBe('FILE');
  });

  it('fits images into the bubble keeping the aspect ratio', () => {
    expect(fitBox(1920, 1080)).toEqual({ width: 280, height: 158 });
    expect(fitBox(100, 400)).toEqual({ width: 70, height: 280 });
    expect(fitBox(64, 48)).toEqual({ width: 64, height: 48 });
    expect(fitBox(undefined, undefined)).toEqual({ width: 240, height: 180 });
  });

  it('formats sizes and cleans file names', () => {
    expect(formatBytes('900')).toBe('900 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(9 * 1024 * 1024)).toBe('9.0 MB');
    expect(cleanFileName('C:\\Users\\me\\report.pdf')).toBe('report.pdf');
    expect(cleanFileName('..')).toBe('file');
    expect(new TextEncoder().encode(cleanFileName('é'.repeat(200))).length).toBeLessThanOrEqual(255);
  });
});

describe('UrlCache', () => {
  function setup() {
    let now = 1_000_000;
    const calls: string[] = [];
    let fail = false;
    const cache = new UrlCache(
      async (id, name) => {
        calls.push(`${id}:${name ?? ''}`);
        if (fail) throw new Error('offline');
        return { url: `/v1/media/blobs/${id}?n=${calls.length}`, expires_at_ms: now + 600_000 };
      },
      () => now,
    );
    return { cache, calls, advance: (ms: number) => (now += ms), setFail: (f: boolean) => (fail = f) };
  }

  it('asks once for concurrent gets and serves the cached URL until shortly before it expires', async () => {
    const { cache, calls, advance } = setup();
    const [a, b] = await Promise.all([cache.get('x'), cache.get('x')]);
    expect(a.url).toBe(b.url);
    expect(calls).toEqual(['x:']);
    advance(500_000);
    expect((await cache.get('x')).url).toBe(a.url);
    expect(calls).toHaveLength(1);
    advance(80_000); // 20 s left: inside the 30 s margin, so it counts as expired
    expect(cache.peek('x')).toBeUndefined();
    const c = await cache.get('x');
    expect(c.url).not.toBe(a.url);
    expect(calls).toHaveLength(2);
  });

  it('keeps URLs with different download names apart, does not cache failures, and forgets on invalidate', async () => {
    const { cache, calls, setFail } = setup();
    await cache.get('x');
    await cache.get('x', 'a.pdf');
    expect(calls).toEqual(['x:', 'x:a.pdf']);
    setFail(true);
    await expect(cache.get('y')).rejects.toThrow('offline');
    setFail(false);
    await cache.get('y');
    expect(calls.filter((c) => c === 'y:')).toHaveLength(2);
    cache.invalidate('x');
    await cache.get('x');
    expect(calls.filter((c) => c === 'x:')).toHaveLength(2);
  });
});
