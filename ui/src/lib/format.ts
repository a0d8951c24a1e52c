// Words and numbers for the screen. Pure.

import type { InterfaceKind, InterfaceRate, PinState, VpnDefault } from '../api/types';

/** "just now", "42 s ago", "5 min ago", "3 h ago", "2 days ago" (future times read "just now"). */
export function relativeTime(epochSecs: number, nowMs: number): string {
  const secs = Math.floor(nowMs / 1000 - epochSecs);
  if (secs < 5) return 'just now';
  if (secs < 60) return `${secs} s ago`;
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins} min ago`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return `${hours} h ago`;
  const days = Math.floor(hours / 24);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

/** An absolute time for a tooltip (local time, to the second). */
export function absoluteTime(epochSecs: number): string {
  return new Date(epochSecs * 1000).toLocaleString();
}

/** Bytes per second in the units a network meter uses: `0 B/s`, `12.3 KB/s`, `1.05 MB/s`. */
export function formatRate(bytesPerSec: number): string {
  if (!Number.isFinite(bytesPerSec) || bytesPerSec < 0) return '—';
  const units = ['B/s', 'KB/s', 'MB/s', 'GB/s'];
  let value = bytesPerSec;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  if (unit === 0) return `${Math.round(value)} B/s`;
  const digits = value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

const KIND_LABELS: Record<InterfaceKind, string> = {
  wifi: 'Wi-Fi',
  ethernet: 'Ethernet',
  tunnel: 'VPN tunnel',
  loopback: 'Loopback',
  bridge: 'Bridge',
  awdl: 'AWDL',
  cellular: 'Cellular',
  other: 'Other',
};

/** `wifi` → `Wi-Fi`. */
export function kindLabel(kind: InterfaceKind | null | undefined): string {
  return kind ? KIND_LABELS[kind] ?? kind : 'Unknown';
}

/** Tunnel interfaces by name (macOS and Linux), for rows that carry no kind. */
export function isTunnelName(name: string): boolean {
  return /^(utun|ipsec|ppp|gif|stf|tun|tap|wg)\d*$/.test(name);
}

/** The badge a pin state shows: its word, a tone and a tooltip. */
export function pinBadge(pin: PinState): { label: string; tone: 'ok' | 'info' | 'warn' | 'bad' | 'muted'; title: string } {
  switch (pin.state) {
    case 'pinned':
      return { label: 'pinned', tone: 'ok', title: 'Our scoped default is in place and verified.' };
    case 'reused':
      return { label: 'reused', tone: 'info', title: "The OS's own scoped default is in place and Egress uses it." };
    case 'stale':
      return { label: 'stale', tone: 'warn', title: `The pin does not match the table (repair pending): ${pin.detail}` };
    case 'failed':
      return { label: 'failed', tone: 'bad', title: `The pin could not be installed: ${pin.detail}` };
    case 'none':
      return { label: 'no pin', tone: 'muted', title: 'No pin: legacy mode, or no physical default.' };
  }
}

/** The rate of one interface, if the meter knows it. */
export function rateOf(rates: InterfaceRate[], name: string | undefined): InterfaceRate | undefined {
  return name ? rates.find((r) => r.name === name) : undefined;
}

/**
 * The rates of the interfaces shown (`names`), or `previous` itself when
 * none of them changed: a poll that changes nothing on screen re-renders
 * nothing.
 */
export function shownRates(previous: InterfaceRate[], next: InterfaceRate[], names: string[]): InterfaceRate[] {
  const kept = next.filter((r) => names.includes(r.name));
  const same =
    kept.length === previous.length &&
    kept.every((r, i) => {
      const p = previous[i];
      return p.name === r.name && p.rxBytesPerSec === r.rxBytesPerSec && p.txBytesPerSec === r.txBytesPerSec;
    });
  return same ? previous : kept;
}

/** `1 route` / `3 routes`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

const SHAPE_WORDS: Record<VpnDefault['shape'], string> = { whole: 'whole default', split: 'split default' };

/**
 * One phrase per tunnel that owns a default route, in the helper's order:
 * `utun4 (split default)` when it holds both families the same way,
 * `utun4 (split default, IPv4 only)`, or `utun4 (whole default IPv4, split default IPv6)`.
 */
export function vpnPhrases(vpn: VpnDefault[]): string[] {
  const byTunnel = new Map<string, VpnDefault[]>();
  for (const v of vpn) byTunnel.set(v.interface, [...(byTunnel.get(v.interface) ?? []), v]);
  return [...byTunnel].map(([name, held]) => {
    const shapes = new Set(held.map((v) => v.shape));
    if (held.length >= 2 && shapes.size === 1) return `${name} (${SHAPE_WORDS[held[0].shape]})`;
    if (held.length === 1) {
      const only = held[0].family === 'v4' ? 'IPv4' : 'IPv6';
      return `${name} (${SHAPE_WORDS[held[0].shape]}, ${only} only)`;
    }
    const parts = held.map((v) => `${SHAPE_WORDS[v.shape]} ${v.family === 'v4' ? 'IPv4' : 'IPv6'}`);
    return `${name} (${parts.join(', ')})`;
  });
}
