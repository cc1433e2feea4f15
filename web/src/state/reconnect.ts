// The connection's life as a small state machine, free of timers and sockets so it is unit-tested. The
// client (src/client.ts) feeds it what happened and does what the new state asks: open a socket, wait
// `delay_ms` before the next attempt, or stop.
//
//   offline ──start──▶ connecting ──open──▶ authenticating ──authed──▶ syncing ──synced──▶ online
//      ▲                   │                    │                        │                  │
//      │                   └──────── closed ────┴──────────┬─────────────┴──────────────────┘
//      │                                                   ▼
//      │                                waiting (backoff: 0.5 s doubling to 30 s, with jitter)
//      │                                   │ retry (timer, the browser came online, the user asked)
//      │                                   └────────────▶ connecting
//   signed_out ◀── auth_failed / kicked (from any state): the token is no good; log in again
export type Phase = 'offline' | 'connecting' | 'authenticating' | 'syncing' | 'online' | 'waiting' | 'signed_out';

export interface ConnState {
  phase: Phase;
  /** failed attempts since the last time we were online */
  attempt: number;
  /** for `waiting`: how long until the next attempt */
  delay_ms: number;
  /** why we are not online, for the banner */
  reason?: string;
}

export type ConnEvent =
  | { type: 'start' }
  | { type: 'open' }
  | { type: 'authed' }
  | { type: 'synced' }
  | { type: 'closed'; reason?: string }
  | { type: 'retry' }
  | { type: 'auth_failed'; reason: string }
  | { type: 'kicked'; reason: string }
  | { type: 'stop' };

export const BASE_DELAY_MS = 500;
export const MAX_DELAY_MS = 30_000;

export function initialConnState(): ConnState {
  return { phase: 'offline', attempt: 0, delay_ms: 0 };
}

/** Exponential backoff with jitter in [50 %, 100 %] of the step; `random` in [0, 1). */
export function backoffDelay(attempt: number, random: number): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.min(attempt, 16));
  return Math.round(step * (0.5 + random / 2));
}

export function nextConnState(s: ConnState, e: ConnEvent, random = Math.random()): ConnState {
  switch (e.type) {
    case 'stop':
      return initialConnState();
    case 'auth_failed':
    case 'kicked':
      return { phase: 'signed_out', attempt: 0, delay_ms: 0, reason: e.reason };
  }
  if (s.phase === 'signed_out') return s; // only a new login (stop, then start) leaves it
  switch (e.type) {
    case 'start':
      return s.phase === 'offline' ? { ...s, phase: 'connecting', delay_ms: 0 } : s;
    case 'retry':
      return s.phase === 'waiting' ? { ...s, phase: 'connecting', delay_ms: 0 } : s;
    case 'open':
      return s.phase === 'connecting' ? { ...s, phase: 'authenticating' } : s;
    case 'authed':
      return s.phase === 'authenticating' ? { ...s, phase: 'syncing' } : s;
    case 'synced':
      return s.phase === 'syncing' ? { phase: 'online', attempt: 0, delay_ms: 0 } : s;
    case 'closed': {
      if (s.phase === 'offline' || s.phase === 'waiting') return s;
      const attempt = s.phase === 'online' ? 0 : s.attempt + 1;
      return { phase: 'waiting', attempt, delay_ms: backoffDelay(attempt, random), reason: e.reason };
    }
  }
  return s;
}

/** Words for the connection banner. */
export function describe(s: ConnState, now = 0, retryAt = 0): string {
  switch (s.phase) {
    case 'online':
      return 'Connected';
    case 'connecting':
      return 'Connecting…';
    case 'authenticating':
      return 'Signing in…';
    case 'syncing':
      return 'Updating…';
    case 'waiting': {
      const secs = retryAt > now ? Math.ceil((retryAt - now) / 1000) : 0;
      return secs > 0 ? `Offline. Reconnecting in ${secs} s` : 'Offline. Reconnecting…';
    }
    case 'signed_out':
      return 'Signed out';
    default:
      return 'Offline';
  }
}
