import { describe, expect, it } from 'vitest';

import { formatRate, isTunnelName, kindLabel, pinBadge, plural, relativeTime, shownRates, vpnPhrases } from '../../src/lib/format';

const NOW = 1_800_000_000_000; // ms
const ago = (s: number) => NOW / 1000 - s;

describe('relative time', () => {
  it('reads like a person would say it', () => {
    expect(relativeTime(ago(0), NOW)).toBe('just now');
    expect(relativeTime(ago(4), NOW)).toBe('just now');
    expect(relativeTime(ago(42), NOW)).toBe('42 s ago');
    expect(relativeTime(ago(60), NOW)).toBe('1 min ago');
    expect(relativeTime(ago(59 * 60 + 59), NOW)).toBe('59 min ago');
    expect(relativeTime(ago(3 * 3600), NOW)).toBe('3 h ago');
    expect(relativeTime(ago(86400), NOW)).toBe('1 day ago');
    expect(relativeTime(ago(5 * 86400), NOW)).toBe('5 days ago');
  });

  it('says "just now" for a time a little in the future (clock skew)', () => {
    expect(relativeTime(ago(-30), NOW)).toBe('just now');
  });
});

describe('rates', () => {
  it('uses network-meter units', () => {
    expect(formatRate(0)).toBe('0 B/s');
    expect(formatRate(999)).toBe('999 B/s');
    expect(formatRate(1000)).toBe('1.00 KB/s');
    expect(formatRate(96_500)).toBe('96.5 KB/s');
    expect(formatRate(1_284_000)).toBe('1.28 MB/s');
    expect(formatRate(250_000_000)).toBe('250 MB/s');
    expect(formatRate(-1)).toBe('—');
    expect(formatRate(Number.NaN)).toBe('—');
  });
});

describe('words', () => {
  it('names interface kinds and tunnels', () => {
    expect(kindLabel('wifi')).toBe('Wi-Fi');
    expect(kindLabel(null)).toBe('Unknown');
    expect(['utun4', 'ipsec0', 'wg0', 'tun1', 'ppp0'].every(isTunnelName)).toBe(true);
    expect(['en0', 'bridge100', 'lo0', 'utunx'].some(isTunnelName)).toBe(false);
  });

  it('gives each pin state its badge', () => {
    expect(pinBadge({ state: 'pinned' })).toMatchObject({ label: 'pinned', tone: 'ok' });
    expect(pinBadge({ state: 'reused' })).toMatchObject({ label: 'reused', tone: 'info' });
    expect(pinBadge({ state: 'stale', detail: 'gateway moved' }).title).toContain('gateway moved');
    expect(pinBadge({ state: 'failed', detail: 'EEXIST' })).toMatchObject({ label: 'failed', tone: 'bad' });
    expect(pinBadge({ state: 'none' }).tone).toBe('muted');
  });

  it('pluralises with thousands separators', () => {
    expect(plural(1, 'route')).toBe('1 route');
    expect(plural(10000, 'route')).toBe('10,000 routes');
  });
});

describe('vpnPhrases', () => {
  const v = (iface: string, family: 'v4' | 'v6', shape: 'whole' | 'split') => ({
    interface: iface,
    family,
    shape,
    routes: shape === 'whole' ? ['default'] : family === 'v4' ? ['0/1', '128/1'] : ['::/1', '8000::/1'],
  });
  it('names each tunnel once, with how it holds the default', () => {
    expect(vpnPhrases([])).toEqual([]);
    expect(vpnPhrases([v('utun4', 'v4', 'split'), v('utun4', 'v6', 'split')])).toEqual(['utun4 (split default)']);
    expect(vpnPhrases([v('utun4', 'v4', 'split')])).toEqual(['utun4 (split default, IPv4 only)']);
    expect(vpnPhrases([v('utun4', 'v4', 'whole'), v('utun4', 'v6', 'split')])).toEqual([
      'utun4 (whole default IPv4, split default IPv6)',
    ]);
    expect(vpnPhrases([v('utun4', 'v4', 'split'), v('wg0', 'v6', 'whole')])).toEqual([
      'utun4 (split default, IPv4 only)',
      'wg0 (whole default, IPv6 only)',
    ]);
  });
});

describe('shownRates', () => {
  const r = (name: string, rx: number) => ({ name, rxBytesPerSec: rx, txBytesPerSec: 1 });
  it('keeps the interfaces shown, and the same array when none of them changed', () => {
    const first = shownRates([], [r('en0', 5), r('eth9', 7), r('utun4', 3)], ['en0', 'utun4']);
    expect(first).toEqual([r('en0', 5), r('utun4', 3)]);
    // Another interface moved, the shown ones did not: nothing to re-render.
    expect(shownRates(first, [r('en0', 5), r('eth9', 900), r('utun4', 3)], ['en0', 'utun4'])).toBe(first);
    expect(shownRates(first, [r('en0', 6), r('utun4', 3)], ['en0', 'utun4'])).toEqual([r('en0', 6), r('utun4', 3)]);
    expect(shownRates(first, [r('en0', 5)], ['en0', 'utun4'])).toEqual([r('en0', 5)]);
  });
});
