// Helpers for the browser tests: a real parleyd on an ephemeral loopback port with a temporary data dir, and
// Debian's chromium driven by playwright-core. Everything started here is stopped in stopAll(), which the
// tests call from afterAll and which also runs when the process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const webDir = resolve(__dirname, '..', '..');
export const resultsDir = join(webDir, 'test-results');
const parleyd = resolve(process.env.PARLEYD ?? join(webDir, '..', 'build', 'src', 'server', 'parleyd'));
const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

const cleanups: (() => void)[] = [];
process.on('exit', () => stopAllSync());

function stopAllSync(): void {
  while (cleanups.length) {
    try {
      cleanups.pop()!();
    } catch {
      /* keep stopping the rest */
    }
  }
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25)); // polling a file the server writes; not a synchronisation sleep
  }
}

export class Server {
  readonly dir = mkdtempSync(join(tmpdir(), 'parley-e2e-'));
  readonly dataDir = join(this.dir, 'data');
  port = 0;
  private proc?: ChildProcess;
  private log = '';

  constructor() {
    cleanups.push(() => {
      this.proc?.kill('SIGKILL');
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts parleyd (again, on the same port and data dir after a stop) and waits until it listens. */
  async start(): Promise<void> {
    if (!existsSync(parleyd)) throw new Error(`no parleyd at ${parleyd} (build it, or set PARLEYD)`);
    const portFile = join(this.dir, 'port');
    rmSync(portFile, { force: true });
    const args = [
      '--listen', `127.0.0.1:${this.port}`,
      '--data-dir', this.dataDir,
      '--web-root', join(webDir, 'dist'),
      '--port-file', portFile,
      '--durable-sync', 'false',
      '--presence-grace-ms', '200',
      '--log-level', 'warn',
    ];
    const proc = spawn(parleyd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    proc.stdout!.on('data', (d) => (this.log += d));
    proc.stderr!.on('data', (d) => (this.log += d));
    let exited = false;
    proc.on('exit', () => (exited = true));
    const text = await waitFor('parleyd to listen', () => {
      if (exited) throw new Error(`parleyd exited: ${this.log}`);
      return existsSync(portFile) ? readFileSync(portFile, 'utf8').trim() || undefined : undefined;
    });
    this.port = Number(text);
  }

  /** SIGTERM and wait for the exit. */
  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
    this.proc = undefined;
  }
}

const problems: string[] = [];

/** Uncaught errors and console errors (CSP violations among them) seen in any page so far. */
export function pageProblems(): string[] {
  return problems.slice();
}

export async function newBrowser(name: string): Promise<{ context: BrowserContext; page: Page }> {
  const profile = mkdtempSync(join(tmpdir(), `parley-chromium-${name}-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1200, height: 800 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  cleanups.push(() => rmSync(profile, { recursive: true, force: true }));
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (d) => void d.accept());
  // Script errors and Content-Security-Policy violations fail the run (see pageProblems).
  page.on('pageerror', (e) => problems.push(`${name}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/WebSocket|ERR_CONNECTION_REFUSED|status of 404/.test(m.text())) problems.push(`${name}: ${m.text()}`);
  });
  return { context, page };
}

export async function stopAll(contexts: BrowserContext[], servers: Server[]): Promise<void> {
  for (const c of contexts) await c.close().catch(() => {});
  for (const s of servers) await s.stop().catch(() => {});
  stopAllSync();
}
