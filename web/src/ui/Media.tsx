// Images, video, audio and files: how they show in a message, the viewer, the dialog that sends picked
// files with a caption, and the upload tray with progress above the composer.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { UploadItem } from '../client';
import type { Item } from '../state/messages';
import { fitBox, formatBytes, formatDuration, kindForMime } from '../state/media';
import { useClient } from './hooks';
import { Icon } from './icons';
import { Dialog } from './widgets';

/**
 * The signed URL of a blob, fetched through get_blob_url (cached by the client) and fetched again shortly
 * before it expires, or when the browser could not load it (`retry`, at most twice in a row).
 */
export function useBlobUrl(blobId: string | undefined, fileName?: string): [string | undefined, () => void] {
  const [client, state] = useClient();
  const [url, setUrl] = useState(() => (blobId ? client.urls.peek(blobId, fileName)?.url : undefined));
  const [generation, setGeneration] = useState(0);
  const failures = useRef(0);
  const online = state.conn.phase === 'online';
  useEffect(() => {
    if (!blobId || !online) return;
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    client
      .blobUrl(blobId, fileName)
      .then((u) => {
        if (!live) return;
        setUrl(u.url);
        const wait = u.expires_at_ms - client.urls.marginMs - Date.now();
        timer = setTimeout(() => setGeneration((g) => g + 1), Math.max(5_000, wait));
      })
      .catch(() => {
        /* offline or not readable: tried again when the connection comes back */
      });
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [blobId, fileName, generation, online]);
  const retry = () => {
    if (!blobId || failures.current >= 2) return;
    failures.current++;
    client.urls.invalidate(blobId, fileName);
    setGeneration((g) => g + 1);
  };
  return [url, retry];
}

function altFor(m: Item): string {
  const kind = m.kind === 'VIDEO' ? 'Video' : 'Photo';
  return m.text?.trim() || (m.media?.file_name ? `${kind}: ${m.media.file_name}` : kind);
}

/** The media part of a message bubble. */
export function MediaView({ m, onOpen }: { m: Item; onOpen(m: Item): void }) {
  const media = m.media ?? {};
  const name = media.file_name || 'file';
  if (m.kind === 'IMAGE' || m.kind === 'VIDEO') {
    const box = fitBox(media.width, media.height);
    const thumbId = media.thumbnail_blob_id || (m.kind === 'IMAGE' ? media.blob_id : undefined);
    return (
      <button
        class={`media-thumb ${m.kind === 'VIDEO' ? 'video' : ''}`}
        style={{ width: `${box.width}px`, height: `${box.height}px` }}
        aria-label={`Open ${m.kind === 'VIDEO' ? 'video' : 'photo'} ${name}`}
        data-testid="media-thumb"
        onClick={() => onOpen(m)}
      >
        {thumbId ? <Thumb blobId={thumbId} alt={altFor(m)} width={box.width} height={box.height} /> : null}
        {m.kind === 'VIDEO' && (
          <span class="play" aria-hidden="true">
            ▶{media.duration_ms ? <small>{formatDuration(media.duration_ms)}</small> : null}
          </span>
        )}
      </button>
    );
  }
  if (m.kind === 'AUDIO') return <AudioView blobId={media.blob_id} name={name} durationMs={media.duration_ms} />;
  return <FileCard blobId={media.blob_id} name={name} size={media.size_bytes} mime={media.mime_type} />;
}

function Thumb({ blobId, alt, width, height }: { blobId: string; alt: string; width: number; height: number }) {
  const [url, retry] = useBlobUrl(blobId);
  if (!url) return <span class="media-loading" aria-label="Loading" />;
  return <img src={url} alt={alt} width={width} height={height} decoding="async" onError={retry} />;
}

function AudioView({ blobId, name, durationMs }: { blobId?: string; name: string; durationMs?: number }) {
  const [url, retry] = useBlobUrl(blobId);
  return (
    <div class="media-audio" data-testid="media-audio">
      {url ? <audio controls preload="none" src={url} aria-label={`Audio: ${name}`} onError={retry} /> : <span class="media-loading audio" />}
      <small class="muted">
        {name}
        {durationMs ? ` · ${formatDuration(durationMs)}` : ''}
      </small>
    </div>
  );
}

function FileCard({ blobId, name, size, mime }: { blobId?: string; name: string; size?: string; mime?: string }) {
  const [url] = useBlobUrl(blobId, name);
  return (
    <div class="file-card" data-testid="file-card">
      <span class="file-icon" aria-hidden="true">
        <Icon.file />
      </span>
      <span class="file-meta">
        <strong title={name}>{name}</strong>
        <small class="muted">
          {formatBytes(size)}
          {mime ? ` · ${mime}` : ''}
        </small>
      </span>
      {url ? (
        <a class="secondary download" href={url} download={name} aria-label={`Download ${name}`}>
          Download
        </a>
      ) : (
        <span class="muted">…</span>
      )}
    </div>
  );
}

/** The full image or the video over everything: Escape or the close button closes, focus stays inside. */
export function Viewer({ m, onClose }: { m: Item; onClose(): void }) {
  const media = m.media ?? {};
  const name = media.file_name || (m.kind === 'VIDEO' ? 'video' : 'photo');
  const [url, retry] = useBlobUrl(media.blob_id);
  const [download] = useBlobUrl(media.blob_id, name);
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>('.viewer-close')?.focus();
    return () => before?.focus?.();
  }, []);
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
    } else if (e.key === 'Tab') {
      const items = Array.from(ref.current?.querySelectorAll<HTMLElement>('button, a[href], video') ?? []);
      const i = items.indexOf(document.activeElement as HTMLElement);
      const next = items[(i + (e.shiftKey ? items.length - 1 : 1)) % items.length];
      if (next) {
        next.focus();
        e.preventDefault();
      }
    }
  };
  return (
    <div class="viewer" role="dialog" aria-modal="true" aria-label={m.kind === 'VIDEO' ? 'Video viewer' : 'Photo viewer'} ref={ref} onKeyDown={onKeyDown} onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div class="viewer-bar">
        <span class="viewer-name">{name}</span>
        {download && (
          <a class="secondary download" href={download} download={name}>
            Download
          </a>
        )}
        <button class="icon viewer-close" aria-label="Close viewer" onClick={onClose}>
          <Icon.close />
        </button>
      </div>
      <div class="viewer-stage" onClick={(e) => e.target === e.currentTarget && onClose()}>
        {!url ? (
          <span class="media-loading" aria-label="Loading" />
        ) : m.kind === 'VIDEO' ? (
          <video src={url} controls autoPlay width={media.width || undefined} height={media.height || undefined} onError={retry} aria-label={`Video: ${name}`} />
        ) : (
          <img src={url} alt={altFor(m)} width={media.width || undefined} height={media.height || undefined} onError={retry} data-testid="viewer-image" />
        )}
      </div>
      {m.text && <p class="viewer-caption">{m.text}</p>}
    </div>
  );
}

/** Files picked, pasted or dropped: shown with a caption field before they are uploaded and sent. */
export function SendFilesDialog({ files, onSend, onClose }: { files: File[]; onSend(caption: string): void; onClose(): void }) {
  const [caption, setCaption] = useState('');
  const previews = useMemo(() => files.map((f) => (kindForMime(f.type) === 'IMAGE' ? URL.createObjectURL(f) : '')), [files]);
  useEffect(() => () => previews.forEach((u) => u && URL.revokeObjectURL(u)), [previews]);
  const title = files.length === 1 ? `Send ${kindForMime(files[0].type) === 'IMAGE' ? 'a photo' : 'a file'}` : `Send ${files.length} files`;
  return (
    <Dialog title={title} onClose={onClose}>
      <ul class="send-files">
        {files.map((f, i) => (
          <li>
            {previews[i] ? (
              <img src={previews[i]} alt={`Preview of ${f.name}`} />
            ) : (
              <span class="file-icon" aria-hidden="true">
                <Icon.file />
              </span>
            )}
            <span class="file-meta">
              <strong>{f.name}</strong>
              <small class="muted">{formatBytes(f.size)}</small>
            </span>
          </li>
        ))}
      </ul>
      <form
        class="send-files-form"
        onSubmit={(e) => {
          e.preventDefault();
          onSend(caption);
        }}
      >
        <label>
          <span>
            Caption <span class="muted">(optional)</span>
          </span>
          <input value={caption} onInput={(e) => setCaption((e.currentTarget as HTMLInputElement).value)} maxLength={4096} />
        </label>
        <div class="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary">
            Send
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** Uploads of this conversation: progress, cancel, and retry after a failure. */
export function UploadTray({ uploads }: { uploads: UploadItem[] }) {
  const [client] = useClient();
  if (!uploads.length) return null;
  return (
    <ul class="upload-tray" aria-label="Uploads">
      {uploads.map((u) => (
        <li class={`upload ${u.state}`} data-testid="upload" data-state={u.state}>
          <span class="file-meta">
            <strong>{u.name}</strong>
            {u.state === 'failed' ? (
              <small class="error" role="alert">
                Upload failed: {u.error}
              </small>
            ) : (
              <small class="muted">
                {u.state === 'processing' ? 'Processing…' : `${Math.floor(u.progress * 100)}% of ${formatBytes(u.size)}`}
              </small>
            )}
          </span>
          {u.state !== 'failed' && (
            <progress class="upload-progress" max={1} value={u.progress} aria-label={`Uploading ${u.name}`} data-testid="upload-progress" />
          )}
          {u.state === 'failed' && (
            <button onClick={() => client.retryUpload(u.conversation_id, u.id)} aria-label={`Retry upload of ${u.name}`}>
              Retry
            </button>
          )}
          <button class="icon small" aria-label={`${u.state === 'failed' ? 'Dismiss' : 'Cancel'} upload of ${u.name}`} onClick={() => client.cancelUpload(u.conversation_id, u.id)}>
            <Icon.close />
          </button>
        </li>
      ))}
    </ul>
  );
}
