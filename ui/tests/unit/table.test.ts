import { describe, expect, it } from 'vitest';

import type { RouteRow } from '../../src/api/types';
import {
  NO_FILTER,
  countRows,
  destinationKey,
  filterRows,
  interfacesOf,
  nextSort,
  parseV6,
  sortRows,
  toRouteFilter,
} from '../../src/lib/table';
import { routesLegacy, routesVpn } from './fixtures';

const dests = (rows: RouteRow[]) => rows.map((r) => r.destination);

describe('filtering', () => {
  it('hides cloned (W) rows by default, as netstat does', () => {
    const shown = filterRows(routesVpn, NO_FILTER);
    expect(shown.length).toBe(routesVpn.length - 6);
    expect(shown.every((r) => !r.cloned && !r.flags.includes('W'))).toBe(true);
    expect(filterRows(routesVpn, { ...NO_FILTER, showCloned: true })).toHaveLength(routesVpn.length);
  });

  it('filters by family, scope, ours and interface', () => {
    const v6 = filterRows(routesVpn, { ...NO_FILTER, family: 'v6' });
    expect(v6.length).toBeGreaterThan(10);
    expect(v6.every((r) => r.family === 'v6')).toBe(true);
    const scopedEn0 = filterRows(routesVpn, { ...NO_FILTER, scoped: true, iface: 'en0' });
    expect(scopedEn0.every((r) => r.scope !== null && r.netif === 'en0')).toBe(true);
    expect(dests(scopedEn0)).toContain('default');
    expect(dests(filterRows(routesLegacy, { ...NO_FILTER, ours: true }))).toEqual(['203.0.113.7']);
  });

  it('matches every word of the free text, case-insensitively, in any column', () => {
    expect(dests(filterRows(routesVpn, { ...NO_FILTER, text: 'UTUN4 128.0' }))).toEqual(['128.0/1']);
    expect(filterRows(routesVpn, { ...NO_FILTER, text: 'nothing-like-this' })).toEqual([]);
    expect(filterRows(routesVpn, { ...NO_FILTER, text: '  ' })).toHaveLength(routesVpn.length - 6);
  });

  it('sends the helper only what it filters, as helper-proto spells it', () => {
    expect(toRouteFilter(NO_FILTER)).toBeUndefined();
    expect(toRouteFilter({ ...NO_FILTER, text: 'x', showCloned: true })).toBeUndefined();
    expect(toRouteFilter({ ...NO_FILTER, family: 'v6', scoped: true, ours: true, iface: 'en0' })).toEqual({
      family: 'v6',
      scoped: true,
      ours: true,
      interface: 'en0',
    });
  });
});

describe('sorting', () => {
  it('keeps dump order by default and reverses it on demand', () => {
    expect(sortRows(routesVpn, 'order', 'asc')).toEqual(routesVpn);
    expect(sortRows(routesVpn, 'order', 'desc')).toEqual([...routesVpn].reverse());
  });

  it('sorts destinations as addresses, IPv4 before IPv6, shorter netstat forms expanded', () => {
    const sorted = dests(sortRows(filterRows(routesVpn, NO_FILTER), 'destination', 'asc'));
    expect(sorted[0]).toBe('default');
    const idx = (d: string) => sorted.indexOf(d);
    expect(idx('0/1')).toBeLessThan(idx('127'));
    expect(idx('127')).toBeLessThan(idx('128.0/1'));
    expect(idx('128.0/1')).toBeLessThan(idx('169.254'));
    expect(idx('192.0.2')).toBeLessThan(idx('192.0.2.1/32'));
    expect(idx('255.255.255.255/32')).toBeLessThan(idx('::/1'));
    expect(idx('::/1')).toBeLessThan(idx('::1'));
    expect(idx('2001:db8:1::/64')).toBeLessThan(idx('8000::/1'));
    expect(idx('8000::/1')).toBeLessThan(idx('fe80::%en0/64'));
  });

  it('is stable: equal keys keep dump order, in both directions', () => {
    const byNetif = sortRows(routesVpn, 'netif', 'asc');
    const en0 = routesVpn.filter((r) => r.netif === 'en0');
    expect(byNetif.filter((r) => r.netif === 'en0')).toEqual(en0);
    const desc = sortRows(routesVpn, 'netif', 'desc');
    expect(desc[0].netif).toBe('utun4');
    expect(desc.filter((r) => r.netif === 'en0')).toEqual(en0);
  });

  it('orders interface names naturally (utun2 before utun10) and unscoped rows first', () => {
    const rows = ['utun10', 'utun2', 'en0'].map((n) => ({ ...routesVpn[0], netif: n, scope: n }));
    expect(sortRows(rows, 'netif', 'asc').map((r) => r.netif)).toEqual(['en0', 'utun2', 'utun10']);
    const scoped = sortRows(routesVpn, 'scope', 'asc');
    expect(scoped[0].scope).toBeNull();
  });

  it('cycles a column asc → desc, and a new column starts asc', () => {
    expect(nextSort({ key: 'order', dir: 'asc' }, 'gateway')).toEqual({ key: 'gateway', dir: 'asc' });
    expect(nextSort({ key: 'gateway', dir: 'asc' }, 'gateway')).toEqual({ key: 'gateway', dir: 'desc' });
    expect(nextSort({ key: 'gateway', dir: 'desc' }, 'gateway')).toEqual({ key: 'gateway', dir: 'asc' });
  });
});

describe('addresses', () => {
  it('parses IPv6 with zones, prefixes and ::', () => {
    expect(parseV6('::1')).toEqual([...Array(15).fill(0), 1]);
    expect(parseV6('fe80::%en0/64')?.slice(0, 2)).toEqual([0xfe, 0x80]);
    expect(parseV6('8000::/1')?.[0]).toBe(0x80);
    expect(parseV6('2001:db8::1:2:3:4:5:6:7')).toBeNull();
    expect(parseV6('192.0.2.1')).toBeNull();
  });

  it('keys netstat destinations by family, bytes and length', () => {
    expect(destinationKey('default', 'v4')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(destinationKey('192.0.2', 'v4')).toEqual([0, 192, 0, 2, 0, 24]);
    expect(destinationKey('128.0/1', 'v4')).toEqual([0, 128, 0, 0, 0, 1]);
    expect(destinationKey('203.0.113.7', 'v4')).toEqual([0, 203, 0, 113, 7, 32]);
    expect(destinationKey('::/1', 'v6')[0]).toBe(1);
  });
});

describe('counts and interfaces', () => {
  it('counts rows, cloned rows and ours', () => {
    expect(countRows(routesLegacy)).toEqual({ total: routesLegacy.length, cloned: 6, ours: 1 });
  });

  it('lists the interfaces in natural order', () => {
    expect(interfacesOf(routesVpn)).toEqual([
      'anpi0', 'anpi1', 'awdl0', 'bridge100', 'en0', 'llw0', 'lo0', 'utun0', 'utun1', 'utun2', 'utun3', 'utun4',
    ]);
  });
});
