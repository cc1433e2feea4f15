// Media: uploads over HTTP (one-shot or tus, with progress and cancel), the message kind for a file, the
// cache of signed download URLs, and display helpers. Pure logic with the HTTP transport passed in, so the
// unit tests drive it with a fake; the browser uses xhrTransport (XMLHttpRequest, for upload progress).

/** What the server answers for a finished upload (proto BlobInfo, JSON mapping). */
export interface BlobInfo {
  blob_id: string;
  mime_type?: string;
  size_bytes?: string;
  width?: number;
  height?: number;
  duration_ms?: number;
  thumbnails?: { blob_id?: string; width?: number; height?: number; mime_type?: string; size_bytes?: string }[];
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Blob;
  /** bytes of this request's body sent so far */
  onProgress?(sent: number): void;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  header(name: string): string | null;
  text: string;
}

export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** An upload that failed: `code` from the server's error body, or NETWORK / CANCELLED locally. */
export class UploadError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const ONESHOT_MAX = 8 * 1024 * 1024; // media_max_oneshot_bytes
export const TUS_CHUNK = 2 * 1024 * 1024; // one PATCH (the server takes up to media_max_chunk_bytes, 16 MiB)

export interface UploadOptions {
  token: string;
  transport: Transport;
  onProgress?(fraction: number): void;
  signal?: AbortSignal;
  /** where tus uploads start (default /v1/media/uploads) */
  base?: string;
  chunkSize?: number;
  oneshotMax?: number;
}

function errorFrom(res: HttpResponse): UploadError {
  try {
    const e = (JSON.parse(res.text) as { error?: { code?: string; message?: string } }).error;
    if (e?.code) return new UploadError(e.code, e.message || e.code);
  } catch {
    /* not JSON */
  }
  return new UploadError(`HTTP_${res.status}`, `the server answered ${res.status}`);
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw new UploadError('CANCELLED', 'cancelled');
}

function b64(s: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(s)));
}

/**
 * Uploads a file and resolves with its BlobInfo. Up to `oneshotMax` bytes: one POST /v1/media/blobs. Larger:
 * a tus upload in chunks; a PATCH that fails on the network is resumed once from the offset HEAD reports.
 * Progress is reported as a fraction of the file's bytes, reaching 1 when the last byte is sent (the server
 * then still processes the file: thumbnails, type check).
 */
export async function uploadFile(file: Blob & { name?: string }, o: UploadOptions): Promise<BlobInfo> {
  const size = file.size;
  const auth = { Authorization: `Bearer ${o.token}` };
  const progress = (n: number) => o.onProgress?.(size ? Math.min(1, n / size) : 1);
  checkAbort(o.signal);
  if (size <= (o.oneshotMax ?? ONESHOT_MAX)) {
    const res = await o.transport({
      method: 'POST',
      url: '/v1/media/blobs',
      headers: { ...auth, 'Content-Type': file.type || 'application/octet-stream' },
      body: file,
      onProgress: progress,
      signal: o.signal,
    });
    if (res.status !== 201 && res.status !== 200) throw errorFrom(res);
    progress(size);
    return JSON.parse(res.text) as BlobInfo;
  }

  const tus = { ...auth, 'Tus-Resumable': '1.0.0' };
  const meta = [`filename ${b64(file.name ?? 'file')}`];
  if (file.type) meta.push(`filetype ${b64(file.type)}`);
  const created = await o.transport({
    method: 'POST',
    url: o.base ?? '/v1/media/uploads',
    headers: { ...tus, 'Upload-Length': String(size), 'Upload-Metadata': meta.join(',') },
    signal: o.signal,
  });
  if (created.status !== 201) throw errorFrom(created);
  const location = created.header('Location');
  if (!location) throw new UploadError('PROTOCOL', 'the server gave no upload location');
  const chunk = o.chunkSize ?? TUS_CHUNK;
  let offset = 0;
  let resumed = false;
  try {
    for (;;) {
      checkAbort(o.signal);
      const end = Math.min(size, offset + chunk);
      let res: HttpResponse;
      try {
        const start = offset;
        res = await o.transport({
          method: 'PATCH',
          url: location,
          headers: { ...tus, 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' },
          body: file.slice(offset, end),
          onProgress: (n) => progress(start + n),
          signal: o.signal,
        });
      } catch (e) {
        if (e instanceof UploadError && e.code === 'NETWORK' && !resumed) {
          // The connection broke mid-chunk: ask where the server is and go on from there (once).
          resumed = true;
          const head = await o.transport({ method: 'HEAD', url: location, headers: tus, signal: o.signal });
          if (head.status !== 200) throw errorFrom(head);
          offset = Number(head.header('Upload-Offset') ?? 0);
          progress(offset);
          continue;
        }
        throw e;
      }
      if (res.status !== 204) throw errorFrom(res);
      offset = Number(res.header('Upload-Offset') ?? end);
      progress(offset);
      const blobId = res.header('Parley-Blob-Id');
      if (offset >= size) {
        if (!blobId) throw new UploadError('PROTOCOL', 'the upload finished without a blob id');
        const info = await o.transport({ method: 'GET', url: `/v1/media/blobs/${blobId}/info`, headers: auth, signal: o.signal });
        if (info.status !== 200) return { blob_id: blobId, size_bytes: String(size), mime_type: file.type };
        return JSON.parse(info.text) as BlobInfo;
      }
    }
  } catch (e) {
    if (e instanceof UploadError && e.code === 'CANCELLED') {
      // tus termination: the server drops what it had (best effort).
      void o.transport({ method: 'DELETE', url: location, headers: tus }).catch(() => {});
    }
    throw e;
  }
}

/** The browser's transport: XMLHttpRequest, because fetch() cannot report upload progress. */
export const xhrTransport: Transport = (req) =>
  new Promise<HttpResponse>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(req.method, req.url);
    for (const [k, v] of Object.entries(req.headers)) xhr.setRequestHeader(k, v);
    if (req.onProgress) {
      xhr.upload.onprogress = (e) => req.onProgress!(e.loaded);
      // the whole body is out (the server may still take a moment to answer)
      xhr.upload.onload = () => req.onProgress!(req.body?.size ?? 0);
    }
    xhr.onload = () => resolve({ status: xhr.status, header: (n) => xhr.getResponseHeader(n), text: xhr.responseText });
    xhr.onerror = () => reject(new UploadError('NETWORK', 'the connection to the server broke'));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new UploadError('CANCELLED', 'cancelled'));
    if (req.signal) {
      if (req.signal.aborted) return reject(new UploadError('CANCELLED', 'cancelled'));
      req.signal.addEventListener('abort', () => xhr.abort(), { once: true });
    }
    xhr.send(req.body ?? null);
  });

export type MediaKind = 'IMAGE' | 'VIDEO' | 'AUDIO' | 'FILE';

/** The message kind for a type; the server checks it against the type it detected in the content. */
export function kindForMime(mime: string | undefined): MediaKind {
  const m = (mime ?? '').toLowerCase();
  // Only the raster types a browser shows in <img>; an SVG or TIFF goes as a file.
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(m)) return 'IMAGE';
  if (m.startsWith('video/')) return 'VIDEO';
  if (m.startsWith('audio/')) return 'AUDIO';
  return 'FILE';
}

export interface SignedUrl {
  url: string;
  expires_at_ms: number;
}

/**
 * Signed download URLs by blob id (and offered file name), kept until shortly before they expire. Concurrent
 * asks for the same URL share one request; a failed request is not cached.
 */
export class UrlCache {
  private entries = new Map<string, SignedUrl>();
  private inflight = new Map<string, Promise<SignedUrl>>();

  constructor(
    private readonly fetchUrl: (blobId: string, fileName?: string) => Promise<SignedUrl>,
    private readonly now: () => number = Date.now,
    /** an entry this close to its expiry counts as expired */
    readonly marginMs = 30_000,
  ) {}

  private key(blobId: string, fileName?: string): string {
    return `${blobId}\n${fileName ?? ''}`;
  }

  /** A URL still valid for at least marginMs, if one is cached. */
  peek(blobId: string, fileName?: string): SignedUrl | undefined {
    const e = this.entries.get(this.key(blobId, fileName));
    return e && e.expires_at_ms - this.marginMs > this.now() ? e : undefined;
  }

  get(blobId: string, fileName?: string): Promise<SignedUrl> {
    const key = this.key(blobId, fileName);
    const hit = this.peek(blobId, fileName);
    if (hit) return Promise.resolve(hit);
    this.entries.delete(key);
    let p = this.inflight.get(key);
    if (!p) {
      p = this.fetchUrl(blobId, fileName)
        .then((u) => {
          this.entries.set(key, u);
          return u;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  /** Forgets a URL the server refused (e.g. expired early): the next get asks again. */
  invalidate(blobId: string, fileName?: string): void {
    this.entries.delete(this.key(blobId, fileName));
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Fits width x height into a box, keeping the aspect ratio (for reserving space before an image loads). */
export function fitBox(width: number | undefined, height: number | undefined, maxW = 280, maxH = 280): { width: number; height: number } {
  const w = width || 0;
  const h = height || 0;
  if (!w || !h) return { width: Math.min(240, maxW), height: Math.min(180, maxH) };
  const scale = Math.min(1, maxW / w, maxH / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

export function formatBytes(n: number | string | undefined): string {
  const b = Number(n ?? 0);
  if (b < 1024) return `${b} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = b / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function formatDuration(ms: number | undefined): string {
  const s = Math.round((ms ?? 0) / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** A file name the server accepts for a message: no path, at most 255 bytes. */
export function cleanFileName(name: string): string {
  let n = (name.split(/[/\\]/).pop() ?? '').replace(/[\u0000-\u001f]/g, '').trim();
  if (n === '.' || n === '..') n = '';
  while (new TextEncoder().encode(n).length > 255) n = n.slice(0, -1);
  return n || 'file';
}
