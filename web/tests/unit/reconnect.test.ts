import { describe, expect, it } from 'vitest';
import { backoffDelay, describe as describeState, initialConnState, MAX_DELAY_MS, nextConnState, type ConnEvent } from '../../src/state/reconnect';

const run = (events: ConnEvent[], random = 0.5) => events.reduce((s, e) => nextConnState(s, e, random), initialConnState());

describe('reconnect state machine', () => {
  it('goes online through connect, authenticate and sync', () => {
    const s = run([{ type: 'start' }, { type: 'open' }, { type: 'authed' }, { type: 'synced' }]);
    expect(s.phase).toBe('online');
    expect(s.attempt).toBe(0);
  });

  it('waits with growing delays while the server is unreachable', () => {
    let s = run([{ type: 'start' }]);
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      s = nextConnState(s, { type: 'closed' }, 0.999);
      expect(s.phase).toBe('waiting');
      delays.push(s.delay_ms);
      s = nextConnState(s, { type: 'retry' });
      expect(s.phase).toBe('connecting');
    }
    for (let i = 1; i < delays.length; i++) expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1]);
    expect(delays.at(-1)).toBeLessThanOrEqual(MAX_DELAY_MS);
  });

  it('a drop after being online retries quickly and counts from zero', () => {
    let s = run([{ type: 'start' }, { type: 'closed' }, { type: 'retry' }, { type: 'closed' }, { type: 'retry' }]);
    expect(s.attempt).toBe(2);
    s = run([{ type: 'start' }, { type: 'open' }, { type: 'authed' }, { type: 'synced' }, { type: 'closed', reason: 'gone' }]);
    expect(s.phase).toBe('waiting');
    expect(s.attempt).toBe(0);
    expect(s.delay_ms).toBeLessThanOrEqual(500);
    expect(s.reason).toBe('gone');
  });

  it('a failure during sync counts as a failed attempt', () => {
    const s = run([{ type: 'start' }, { type: 'open' }, { type: 'authed' }, { type: 'closed' }]);
    expect(s.phase).toBe('waiting');
    expect(s.attempt).toBe(1);
  });

  it('a rejected token or a kick signs out and stays there until a new start', () => {
    let s = run([{ type: 'start' }, { type: 'open' }, { type: 'auth_failed', reason: 'unknown token' }]);
    expect(s.phase).toBe('signed_out');
    expect(nextConnState(s, { type: 'retry' }).phase).toBe('signed_out');
    expect(nextConnState(s, { type: 'closed' }).phase).toBe('signed_out');
    s = nextConnState(nextConnState(s, { type: 'stop' }), { type: 'start' });
    expect(s.phase).toBe('connecting');
    expect(run([{ type: 'start' }, { type: 'open' }, { type: 'authed' }, { type: 'synced' }, { type: 'kicked', reason: 'REVOKED' }]).phase).toBe('signed_out');
  });

  it('ignores events that do not fit the phase', () => {
    expect(run([{ type: 'open' }]).phase).toBe('offline');
    expect(run([{ type: 'start' }, { type: 'synced' }]).phase).toBe('connecting');
    expect(run([{ type: 'closed' }]).phase).toBe('offline');
  });

  it('backoff has jitter within half to all of the step, capped', () => {
    expect(backoffDelay(0, 0)).toBe(250);
    expect(backoffDelay(0, 0.999)).toBeLessThanOrEqual(500);
    expect(backoffDelay(3, 0)).toBe(2000);
    expect(backoffDelay(40, 0.999)).toBeLessThanOrEqual(MAX_DELAY_MS);
  });

  it('describes the state for the banner', () => {
    expect(describeState({ phase: 'waiting', attempt: 1, delay_ms: 2000 }, 0, 2000)).toBe('Offline. Reconnecting in 2 s');
    expect(describeState({ phase: 'online', attempt: 0, delay_ms: 0 })).toBe('Connected');
  });
});
