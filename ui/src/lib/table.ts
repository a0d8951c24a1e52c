// The Route Inspector's table: filtering (what the helper filters, and what
// the UI filters on top) and sorting. Pure.

import type { Family, RouteFilter, RouteRow } from '../api/types';

/** What the user chose in the filter bar. */
export interface TableFilter {
  family: Family | 'all';
  scoped: boolean;
  ours: boolean;
  /** An interface name, or '' for all. */
  iface: string;
  /** Free text; every whitespace-separated word must match. */
  text: string;
  /** Whether cloned (`W`) host routes are shown. */
  showCloned: boolean;
}

export const NO_FILTER: TableFilter = {
  family: 'all',
  scoped: false,
  ours: false,
  iface: '',
  text: '',
  showCloned: false,
};

/** The part of the filter the helper applies (`routes {filter}`), or undefined for none. */
export function toRouteFilter(f: TableFilter): RouteFilter | undefined {
  const filter: RouteFilter = {};
  if (f.family !== 'all') filter.family = f.family;
  if (f.scoped) filter.scoped = true;
  if (f.ours) filter.ours = true;
  if (f.iface) filter.interface = f.iface;
  return Object.keys(filter).length ? filter : undefined;
}

/** Whether a row passes every criterion of the filter. */
export function matches(row: RouteRow, f: TableFilter): boolean {
  if (!f.showCloned && row.cloned) return false;
  if (f.family !== 'all' && row.family !== f.family) return false;
  if (f.scoped && row.scope === null) return false;
  if (f.ours && !row.ours) return false;
  if (f.iface && row.netif !== f.iface) return false;
  const words = f.text.trim().toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length) {
    const hay = [row.destination, row.gateway, row.flags, row.netif, row.expire, row.scope ?? '', row.canonical]
      .join(' ')
      .toLowerCase();
    if (!words.every((w) => hay.includes(w))) return false;
  }
  return true;
}

/** The rows that pass the filter, in their order. */
export function filterRows(rows: readonly RouteRow[], f: TableFilter): RouteRow[] {
  return rows.filter((r) => matches(r, f));
}

/** Columns the table sorts by; `order` is the kernel's dump order. */
export type SortKey = 'order' | 'destination' | 'gateway' | 'flags' | 'netif' | 'expire' | 'scope';
export type SortDir = 'asc' | 'desc';

/** 16 bytes for an IPv6 address text (zone and prefix stripped), or null. */
export function parseV6(text: string): number[] | null {
  const addr = text.split('/')[0].split('%')[0];
  if (!addr.includes(':')) return null;
  const halves = addr.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string) => (s ? s.split(':') : []);
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array(missing).fill('0'), ...tail];
  const bytes: number[] = [];
  for (const g of all) {
    const v = parseInt(g, 16);
    if (!/^[0-9a-f]{1,4}$/i.test(g) || Number.isNaN(v)) return null;
    bytes.push(v >> 8, v & 0xff);
  }
  return bytes;
}

/**
 * A sort key for a netstat destination: family, address bytes, prefix
 * length. netstat shortens IPv4 networks (`192.0.2` for 192.0.2.0/24,
 * `128.0/1`); `default` is the all-zero prefix.
 */
export function destinationKey(dest: string, family: Family): number[] {
  const fam = family === 'v4' ? 0 : 1;
  if (dest === 'default') return [fam, ...Array(family === 'v4' ? 4 : 16).fill(0), 0];
  const [addr, len] = dest.split('/');
  if (family === 'v4') {
    const octets = addr.split('.').map((o) => parseInt(o, 10) || 0);
    const bits = len !== undefined ? parseInt(len, 10) : octets.length === 4 ? 32 : octets.length * 8;
    while (octets.length < 4) octets.push(0);
    return [fam, ...octets, bits];
  }
  const bytes = parseV6(dest) ?? Array(16).fill(255);
  return [fam, ...bytes, len !== undefined ? parseInt(len, 10) : 128];
}

function compareKeys(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

const text = (s: string | null) => s ?? '';

/** Sorts rows by a column; ties keep dump order (a stable sort). */
export function sortRows(rows: readonly RouteRow[], key: SortKey, dir: SortDir): RouteRow[] {
  const indexed = rows.map((row, i) => ({ row, i }));
  const sign = dir === 'asc' ? 1 : -1;
  const cmp = (a: RouteRow, b: RouteRow): number => {
    switch (key) {
      case 'order':
        return 0;
      case 'destination':
        return compareKeys(destinationKey(a.destination, a.family), destinationKey(b.destination, b.family));
      case 'scope':
        // Unscoped rows first, then by the interface they are scoped to.
        return text(a.scope).localeCompare(text(b.scope), 'en', { numeric: true });
      case 'netif':
        return a.netif.localeCompare(b.netif, 'en', { numeric: true });
      case 'flags':
        return a.flags.localeCompare(b.flags, 'en', { sensitivity: 'case', caseFirst: 'upper' });
      default:
        return a[key].localeCompare(b[key], 'en', { numeric: true });
    }
  };
  indexed.sort((a, b) => sign * cmp(a.row, b.row) || (key === 'order' ? sign : 1) * (a.i - b.i));
  return indexed.map((x) => x.row);
}

/** The next sort state after a click on a column header. */
export function nextSort(current: { key: SortKey; dir: SortDir }, clicked: SortKey): { key: SortKey; dir: SortDir } {
  if (current.key !== clicked) return { key: clicked, dir: 'asc' };
  return { key: clicked, dir: current.dir === 'asc' ? 'desc' : 'asc' };
}

/** The interfaces rows go through, sorted by name. */
export function interfacesOf(rows: readonly RouteRow[]): string[] {
  return [...new Set(rows.map((r) => r.netif).filter(Boolean))].sort((a, b) =>
    a.localeCompare(b, 'en', { numeric: true }),
  );
}

/** How many rows there are, and how many of them are cloned. */
export function countRows(rows: readonly RouteRow[]): { total: number; cloned: number; ours: number } {
  let cloned = 0;
  let ours = 0;
  for (const r of rows) {
    if (r.cloned) cloned += 1;
    if (r.ours) ours += 1;
  }
  return { total: rows.length, cloned, ours };
}
