import { describe, expect, it } from 'vitest';

import type { Status } from '../../src/api/types';
import {
  CHIP_HEIGHT,
  chipText,
  isPinnedDefault,
  isSplitDefault,
  laneRole,
  layoutRouteMap,
  marksOf,
} from '../../src/lib/routemap';
import { routes, routesLegacy, routesVpn, status, statusLegacy, statusVpn } from './fixtures';

const WIDTH = 1040;

describe('the route map layout', () => {
  const layout = layoutRouteMap(routesVpn, statusVpn, { width: WIDTH });
  const lane = (name: string) => layout.lanes.find((l) => l.name === name)!;

  it('has one lane per interface: the egress first, then the VPN, other links, tunnels, loopback last', () => {
    const names = layout.lanes.map((l) => l.name);
    expect(names).toEqual(['en0', 'utun4', 'anpi0', 'anpi1', 'awdl0', 'bridge100', 'llw0', 'utun0', 'utun1', 'utun2', 'utun3', 'lo0']);
    expect(lane('en0')).toMatchObject({ role: 'egress', caption: 'en0 · egress IPv4 + IPv6' });
    expect(lane('utun4')).toMatchObject({ role: 'vpn', caption: 'utun4 · VPN' });
    expect(lane('utun0').role).toBe('tunnel');
    expect(lane('lo0').role).toBe('loopback');
  });

  it("puts the VPN's split defaults on the tunnel lane, marked, first", () => {
    const chips = lane('utun4').chips;
    expect(chips.slice(0, 4).map((c) => c.prefix)).toEqual(['0/1', '128.0/1', '::/1', '8000::/1']);
    expect(chips.slice(0, 4).every((c) => c.marks.includes('split'))).toBe(true);
  });

  it('pins the scoped defaults of the egress first, one per family', () => {
    const pinned = lane('en0').chips.filter((c) => c.marks.includes('pinned'));
    expect(pinned.map((c) => [c.text, c.family])).toEqual([
      ['default IPv4', 'v4'],
      ['default IPv6', 'v6'],
    ]);
    expect(lane('en0').chips[0].marks).toContain('pinned');
    // The unscoped defaults come next, and nothing on a tunnel lane is pinned.
    expect(lane('en0').chips.slice(2, 4).every((c) => c.marks.includes('default'))).toBe(true);
    expect(layout.lanes.filter((l) => l.role !== 'egress').flatMap((l) => l.chips).some((c) => c.marks.includes('pinned'))).toBe(false);
  });

  it('keeps every chip inside its lane and the picture, without overlaps', () => {
    for (const l of layout.lanes) {
      for (const c of l.chips) {
        expect(c.x).toBeGreaterThanOrEqual(layout.labelWidth);
        expect(c.x + c.width).toBeLessThanOrEqual(WIDTH);
        expect(c.y).toBeGreaterThanOrEqual(l.y);
        expect(c.y + CHIP_HEIGHT).toBeLessThanOrEqual(l.y + l.height);
      }
      const sorted = [...l.chips].sort((a, b) => a.y - b.y || a.x - b.x);
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i].y === sorted[i - 1].y) expect(sorted[i].x).toBeGreaterThan(sorted[i - 1].x + sorted[i - 1].width);
      }
    }
    for (let i = 1; i < layout.lanes.length; i++) {
      const prev = layout.lanes[i - 1];
      expect(layout.lanes[i].y).toBeGreaterThanOrEqual(prev.y + prev.height);
    }
    expect(layout.height).toBeGreaterThanOrEqual(layout.lanes.at(-1)!.y + layout.lanes.at(-1)!.height);
  });

  it('accounts for every visible route: drawn or counted as hidden', () => {
    const visible = routesVpn.filter((r) => !r.cloned).length;
    expect(layout.lanes.reduce((n, l) => n + l.chips.length + l.hidden, 0)).toBe(visible);
    expect(layout.lanes.reduce((n, l) => n + l.total, 0)).toBe(visible);
    expect(lane('lo0').hidden).toBeGreaterThan(0);
    const all = layoutRouteMap(routesVpn, statusVpn, { width: WIDTH, showCloned: true });
    expect(all.lanes.reduce((n, l) => n + l.total, 0)).toBe(routesVpn.length);
  });

  it('wraps to more rows when allowed, and fewer chips fit a narrow picture', () => {
    const roomy = layoutRouteMap(routesVpn, statusVpn, { width: WIDTH, maxRows: 6 });
    expect(roomy.lanes.find((l) => l.name === 'lo0')!.hidden).toBe(0);
    const narrow = layoutRouteMap(routesVpn, statusVpn, { width: 420, maxRows: 1 });
    expect(narrow.lanes.find((l) => l.name === 'en0')!.hidden).toBeGreaterThan(lane('en0').hidden);
  });

  it('without a VPN no lane is the VPN; legacy marks the exclusion as ours', () => {
    expect(layoutRouteMap(routes, status, { width: WIDTH }).lanes.some((l) => l.role === 'vpn')).toBe(false);
    const legacy = layoutRouteMap(routesLegacy, statusLegacy, { width: WIDTH, maxRows: 6 });
    const ours = legacy.lanes.flatMap((l) => l.chips).filter((c) => c.marks.includes('ours'));
    expect(ours.map((c) => c.prefix)).toEqual(['203.0.113.7']);
    // Legacy mode holds no pin: nothing is marked pinned.
    expect(legacy.lanes.flatMap((l) => l.chips).some((c) => c.marks.includes('pinned'))).toBe(false);
  });
});

describe('marks', () => {
  const row = (destination: string, family: 'v4' | 'v6' = 'v4') => ({ ...routesVpn[0], destination, family });

  it('knows both spellings of the split defaults', () => {
    for (const d of ['0/1', '128.0/1', '0.0.0.0/1', '128.0.0.0/1']) expect(isSplitDefault(row(d))).toBe(true);
    for (const d of ['::/1', '8000::/1']) expect(isSplitDefault(row(d, 'v6'))).toBe(true);
    expect(isSplitDefault(row('0/1', 'v6'))).toBe(false);
    expect(isSplitDefault(row('default'))).toBe(false);
  });

  it('pins only a scoped default on the egress of a pinned or reused family', () => {
    const scoped = routesVpn.find((r) => r.default && r.scope === 'en0' && r.family === 'v4')!;
    expect(isPinnedDefault(scoped, statusVpn)).toBe(true);
    const none: Status = { ...statusVpn, families: { ...statusVpn.families, v4: { ...statusVpn.families.v4, pin: { state: 'none' } } } };
    expect(isPinnedDefault(scoped, none)).toBe(false);
    expect(isPinnedDefault(scoped, null)).toBe(false);
    const utun0 = routesVpn.find((r) => r.default && r.scope === 'utun0')!;
    expect(isPinnedDefault(utun0, statusVpn)).toBe(false);
    expect(marksOf(utun0, statusVpn)).toEqual(['scoped']);
  });

  it('names the family of a default chip', () => {
    expect(chipText(row('default'))).toBe('default IPv4');
    expect(chipText(row('default', 'v6'))).toBe('default IPv6');
    expect(chipText(row('10/8'))).toBe('10/8');
    expect(laneRole('en7', routesVpn, statusVpn)).toBe('physical');
  });
});
