import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { AppState, Client } from '../client';

export const ClientContext = createContext<Client | null>(null);

/** The client and its current state; re-renders the component on every change. */
export function useClient(): [Client, AppState] {
  const client = useContext(ClientContext)!;
  const [, setVersion] = useState(0);
  useEffect(() => client.subscribe(() => setVersion((n) => n + 1)), [client]);
  return [client, client.state];
}

export function formatTime(ms: string | number | undefined): string {
  const n = Number(ms ?? 0);
  if (!n) return '';
  return new Date(n).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

export function formatListTime(ms: string | undefined, now = Date.now()): string {
  const n = Number(ms ?? 0);
  if (!n) return '';
  const d = new Date(n);
  const today = new Date(now);
  if (d.toDateString() === today.toDateString()) return formatTime(n);
  if (now - n < 6 * 86_400_000) return d.toLocaleDateString(undefined, { weekday: 'short' });
  return d.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

export function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const s = parts.length > 1 ? parts[0][0] + parts[1][0] : (parts[0] ?? '?').slice(0, 2);
  return s.toUpperCase();
}

/** A stable hue per id, for avatars. */
export function hueOf(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}
