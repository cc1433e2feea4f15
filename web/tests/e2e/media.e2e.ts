// End to end: images and files between two browsers against a real parleyd. alice attaches a PNG made here
// (a tiny encoder, nothing downloaded) with a caption; the upload's progress reaches 100 %; bob sees the
// thumbnail inline with its size reserved, opens the viewer (full image, Escape closes, focus returns); alice
// sends a 9 MiB file (resumable tus upload in chunks); bob sees a file card whose download link gives back
// the same bytes. A screenshot of the chat with the image goes to web/test-results/.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { newBrowser, pageProblems, resultsDir, Server, stopAll } from './support';

const T = 15_000; // per wait: generous for a shared 2-core machine, never a fixed sleep

let server: Server;
const contexts: BrowserContext[] = [];
let alice: Page, bob: Page;

// ---- a minimal PNG encoder (RGB, 8 bits, no filtering) ------------------------------------------------------

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A width x height gradient PNG. */
function makePng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((x / width) * 255);
      raw[row + 2 + x * 3] = Math.round((y / height) * 255);
      raw[row + 3 + x * 3] = 160;
    }
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * Bytes that do not compress and are the same every run (xorshift32 after a fixed text header): truly random
 * bytes now and then start like some known format and the server's type check refuses them.
 */
function pseudoRandom(n: number): Buffer {
  const buf = Buffer.alloc(n);
  const header = Buffer.from('PARLEY-E2E-DATA\n');
  header.copy(buf);
  let x = 0x2545f491;
  for (let i = header.length; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    buf[i] = x & 0xff;
  }
  return buf;
}

// ---- helpers ---------------------------------------------------------------------------------------------------

async function register(page: Page, user: string, name: string) {
  await page.goto(server.url);
  await page.getByRole('button', { name: 'Create an account' }).click();
  await page.getByLabel('User id').fill(user);
  await page.getByLabel('Display name').fill(name);
  await page.getByLabel('Password').fill(`${user}-password`);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('tab', { name: /Chats/ }).waitFor({ timeout: T });
}

function messages(page: Page) {
  return page.getByRole('log', { name: 'Messages' });
}

/** Records every value an upload progress bar shows in the page (window.__progress). */
async function watchProgress(page: Page) {
  await page.evaluate(() => {
    const w = window as unknown as { __progress: number[] };
    w.__progress = [];
    const record = (n: Node) => {
      if (!(n instanceof Element)) return;
      for (const p of [n, ...Array.from(n.querySelectorAll('progress'))]) if (p instanceof HTMLProgressElement) w.__progress.push(p.value);
    };
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.type === 'attributes') record(r.target);
        else r.addedNodes.forEach(record);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['value'] });
  });
}

const progressSeen = (page: Page) => page.evaluate(() => (window as unknown as { __progress: number[] }).__progress.splice(0));

beforeAll(async () => {
  mkdirSync(resultsDir, { recursive: true });
  server = new Server();
  await server.start();
  for (const name of ['alice', 'bob']) contexts.push((await newBrowser(`media-${name}`)).context);
  [alice, bob] = contexts.map((c) => c.pages()[0]);
});

afterAll(async () => {
  await stopAll(contexts, [server]);
});

describe('Images and files in the browser', () => {
  it('alice and bob become friends and open their chat', async () => {
    await register(alice, 'alice', 'Alice Liddell');
    await register(bob, 'bob', 'Bob Builder');
    await alice.getByRole('tab', { name: /People/ }).click();
    await alice.getByLabel('Find people').fill('bob');
    await alice.getByLabel('Find people').press('Enter');
    await alice.locator('[data-user="bob"]').getByRole('button', { name: 'Add friend' }).click();
    await bob.getByRole('tab', { name: /People.*1/ }).waitFor({ timeout: T });
    await bob.getByRole('tab', { name: /People/ }).click();
    await bob.locator('[data-request="alice"]').getByRole('button', { name: 'Accept' }).click();
    await alice.locator('[data-friend="bob"]').getByRole('button', { name: 'Message' }).click();
    await alice.getByRole('button', { name: 'Attach files' }).waitFor({ timeout: T });
  });

  it('alice sends a photo with a caption; bob sees the thumbnail and opens the viewer', async () => {
    await watchProgress(alice);
    const png = makePng(96, 64);
    await alice.getByTestId('file-input').setInputFiles({ name: 'view.png', mimeType: 'image/png', buffer: png });
    const dialog = alice.getByRole('dialog', { name: 'Send a photo' });
    await dialog.getByRole('img', { name: 'Preview of view.png' }).waitFor({ timeout: T });
    await dialog.getByLabel('Caption').fill('The view from here');
    await alice.screenshot({ path: join(resultsDir, '19-send-photo.png') });
    await dialog.getByRole('button', { name: 'Send' }).click();

    const mine = messages(alice).getByTestId('message').filter({ has: alice.getByTestId('media-thumb') }).last();
    await mine.locator('[data-status="Sent"], [data-status="Delivered"], [data-status="Read"]').waitFor({ timeout: T });
    await alice.getByTestId('upload').waitFor({ state: 'detached', timeout: T });
    expect(Math.max(...(await progressSeen(alice)))).toBe(1);

    // bob: the conversation list previews it, the chat shows the thumbnail with its size reserved
    await bob.getByRole('tab', { name: /Chats/ }).click();
    const inList = bob.getByRole('list', { name: 'Conversations' }).getByRole('button', { name: /^Alice Liddell/ });
    await inList.getByText('📷 Photo: The view from here').waitFor({ timeout: T });
    await inList.click();
    const thumb = messages(bob).getByRole('img', { name: 'The view from here' });
    await thumb.waitFor({ timeout: T });
    expect(await thumb.getAttribute('width')).toBe('96');
    expect(await thumb.getAttribute('height')).toBe('64');
    await bob.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('[data-testid="media-thumb"] img');
        return !!img && img.complete && img.naturalWidth > 0;
      },
      null,
      { timeout: T },
    );
    expect(await thumb.getAttribute('src')).toMatch(/^\/v1\/media\/blobs\/[0-9a-f]{64}(\.t\d+)?\?/);
    await bob.screenshot({ path: join(resultsDir, '20-chat-image.png') });

    // the viewer: keyboard-opened, full image, Escape closes and gives focus back
    const open = messages(bob).getByRole('button', { name: 'Open photo view.png' });
    await open.focus();
    await bob.keyboard.press('Enter');
    const viewer = bob.getByRole('dialog', { name: 'Photo viewer' });
    await viewer.waitFor({ timeout: T });
    await bob.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('[data-testid="viewer-image"]');
        return !!img && img.complete && img.naturalWidth === 96 && img.naturalHeight === 64;
      },
      null,
      { timeout: T },
    );
    expect(await viewer.getByRole('img', { name: 'The view from here' }).count()).toBe(1);
    await bob.screenshot({ path: join(resultsDir, '21-image-viewer.png') });
    await bob.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', timeout: T });
    expect(await bob.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Open photo view.png');
  });

  it('alice sends a 9 MiB file (resumable upload); bob downloads the same bytes from the file card', async () => {
    const data = pseudoRandom(9 * 1024 * 1024 + 123);
    const sha = createHash('sha256').update(data).digest('hex');
    await alice.getByTestId('file-input').setInputFiles({ name: 'data.bin', mimeType: 'application/octet-stream', buffer: data });
    await alice.getByRole('dialog', { name: 'Send a file' }).getByRole('button', { name: 'Send' }).click();
    await alice.getByRole('progressbar', { name: 'Uploading data.bin' }).waitFor({ timeout: T });
    const mine = messages(alice).getByTestId('file-card').filter({ hasText: 'data.bin' });
    await mine.waitFor({ timeout: 30_000 });
    await alice.getByTestId('upload').waitFor({ state: 'detached', timeout: T });
    const seen = await progressSeen(alice);
    expect(Math.max(...seen)).toBe(1);
    expect(new Set(seen).size).toBeGreaterThan(2); // it moved in steps, chunk by chunk

    const card = messages(bob).getByTestId('file-card').filter({ hasText: 'data.bin' });
    await card.waitFor({ timeout: T });
    await card.getByText('9.0 MB').waitFor({ timeout: T });
    await bob.getByRole('list', { name: 'Conversations' }).getByText('File: data.bin').waitFor({ timeout: T });
    const link = card.getByRole('link', { name: 'Download data.bin' });
    await link.waitFor({ timeout: T });
    const href = (await link.getAttribute('href'))!;
    const got = await bob.evaluate(async (url) => {
      const r = await fetch(url);
      const digest = await crypto.subtle.digest('SHA-256', await r.arrayBuffer());
      return {
        status: r.status,
        disposition: r.headers.get('Content-Disposition'),
        sha: Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join(''),
      };
    }, href);
    expect(got.status).toBe(200);
    expect(got.disposition).toContain('attachment');
    expect(got.disposition).toContain('data.bin');
    expect(got.sha).toBe(sha);
  });

  const hasFfmpeg = spawnSync('ffmpeg', ['-version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!hasFfmpeg)('a video and an audio clip made with ffmpeg: a poster that opens the video, an audio player', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-media-'));
    try {
      const ff = (args: string[]) => {
        const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args], { encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
      };
      ff(['-f', 'lavfi', '-i', 'testsrc=duration=1:size=160x120:rate=10', '-c:v', 'libvpx', '-deadline', 'realtime', '-b:v', '200k', join(dir, 'clip.webm')]);
      ff(['-f', 'lavfi', '-i', 'sine=frequency=440:duration=1', '-c:a', 'libopus', join(dir, 'tone.ogg')]);
      await alice.getByTestId('file-input').setInputFiles([
        { name: 'clip.webm', mimeType: 'video/webm', buffer: readFileSync(join(dir, 'clip.webm')) },
        { name: 'tone.ogg', mimeType: 'audio/ogg', buffer: readFileSync(join(dir, 'tone.ogg')) },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    await alice.getByRole('dialog', { name: 'Send 2 files' }).getByRole('button', { name: 'Send' }).click();

    const open = messages(bob).getByRole('button', { name: 'Open video clip.webm' });
    await open.waitFor({ timeout: 30_000 });
    // the poster frame (the video's thumbnail blob), in a box of the video's proportions
    await bob.waitForFunction(
      () => {
        const img = document.querySelector<HTMLImageElement>('[aria-label="Open video clip.webm"] img');
        return !!img && img.complete && img.naturalWidth > 0 && /\.t\d+\?/.test(img.getAttribute('src') ?? '');
      },
      null,
      { timeout: T },
    );
    const box = await open.boundingBox();
    expect(Math.round((box!.width / box!.height) * 3)).toBe(4);
    const audio = messages(bob).getByTestId('media-audio').filter({ hasText: 'tone.ogg' });
    await audio.locator('audio[src^="/v1/media/blobs/"]').waitFor({ timeout: T });

    await open.click();
    const viewer = bob.getByRole('dialog', { name: 'Video viewer' });
    await viewer.waitFor({ timeout: T });
    await bob.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>('.viewer video');
        return !!v && v.readyState >= 1 && v.videoWidth === 160;
      },
      null,
      { timeout: T },
    );
    await bob.keyboard.press('Escape');
    await viewer.waitFor({ state: 'detached', timeout: T });
    await bob.screenshot({ path: join(resultsDir, '22-chat-media.png') });
  });

  it('files dropped on the chat or pasted into the composer open the same dialog', async () => {
    // a drop on the timeline
    await messages(alice).evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped notes\n'], 'dropped.txt', { type: 'text/plain' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    });
    await alice.getByRole('dialog', { name: 'Send a file' }).getByText('dropped.txt').waitFor({ timeout: T });
    await alice.getByRole('dialog', { name: 'Send a file' }).getByRole('button', { name: 'Send' }).click();
    await messages(bob).getByTestId('file-card').filter({ hasText: 'dropped.txt' }).waitFor({ timeout: T });

    // a paste into the message box
    await alice.getByLabel('Message', { exact: true }).evaluate((el) => {
      const dt = new DataTransfer();
      dt.items.add(new File(['pasted notes\n'], 'pasted.txt', { type: 'text/plain' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    const dialog = alice.getByRole('dialog', { name: 'Send a file' });
    await dialog.getByText('pasted.txt').waitFor({ timeout: T });
    await dialog.getByLabel('Caption').fill('notes for you');
    await dialog.getByLabel('Caption').press('Enter');
    const card = messages(bob).getByTestId('message').filter({ hasText: 'notes for you' });
    await card.getByTestId('file-card').filter({ hasText: 'pasted.txt' }).waitFor({ timeout: T });
  });

  it('a refused upload shows the reason with Retry, and can be dismissed', async () => {
    await alice.getByTestId('file-input').setInputFiles({ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
    await alice.getByRole('dialog', { name: 'Send a file' }).getByRole('button', { name: 'Send' }).click();
    const failed = alice.locator('[data-testid="upload"][data-state="failed"]');
    await failed.getByRole('alert').filter({ hasText: 'Upload failed' }).waitFor({ timeout: T });
    await failed.getByRole('button', { name: 'Retry upload of empty.txt' }).click();
    await failed.getByRole('alert').waitFor({ timeout: T }); // refused again
    await failed.getByRole('button', { name: 'Dismiss upload of empty.txt' }).click();
    await alice.getByTestId('upload').waitFor({ state: 'detached', timeout: T });
    expect(await messages(alice).getByTestId('file-card').filter({ hasText: 'empty.txt' }).count()).toBe(0);
  });

  it('logged no script errors or Content-Security-Policy violations', () => {
    // The only console errors: the two refused uploads of the empty file (the browser logs every 4xx).
    const refused = 'media-alice: Failed to load resource: the server responded with a status of 400 (Bad Request)';
    expect(pageProblems()).toEqual([refused, refused]);
  });
});
