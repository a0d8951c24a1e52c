// The route map's layout: one lane per interface, the prefixes each carries
// as chips, the physical egress first and the VPN's split defaults marked.
// Pure geometry; RouteMap.tsx draws it as SVG.

import type { Family, RouteRow, Status } from '../api/types';
import { isTunnelName } from './format';

export type LaneRole = 'egress' | 'physical' | 'vpn' | 'tunnel' | 'loopback';

export type ChipMark =
  | 'default' // an unscoped default: where unbound traffic goes
  | 'scoped' // interface-scoped (I)
  | 'pinned' // the scoped default Egress holds for its family (its own or the OS's, reused)
  | 'ours' // a route Egress installed (legacy exclusions, pins)
  | 'split' // a VPN's half of the address space (0/1, 128.0/1, ::/1, 8000::/1)
  | 'host'; // a host route

export interface MapChip {
  text: string;
  /** The destination as netstat prints it. */
  prefix: string;
  family: Family;
  marks: ChipMark[];
  /** Tooltip: the route as `route add` would take it, and what the marks mean. */
  title: string;
  x: number;
  y: number;
  width: number;
}

export interface MapLane {
  name: string;
  role: LaneRole;
  /** `en0 · egress v4 v6`, `utun4 · VPN`. */
  caption: string;
  y: number;
  height: number;
  chips: MapChip[];
  /** Routes the lane carries that did not fit. */
  hidden: number;
  total: number;
}

export interface MapLayout {
  width: number;
  height: number;
  labelWidth: number;
  lanes: MapLane[];
}

export interface MapOptions {
  width: number;
  /** Chip rows per lane at most. */
  maxRows?: number;
  showCloned?: boolean;
}

export const CHIP_HEIGHT = 20;
const CHIP_GAP = 6;
const ROW_GAP = 6;
const LANE_PAD = 10;
const LABEL_WIDTH = 168;
const CHAR_WIDTH = 6.6; // 11 px monospace
const CHIP_PAD = 18;

const SPLIT_V4 = new Set(['0/1', '0.0.0.0/1', '128/1', '128.0/1', '128.0.0.0/1']);
const SPLIT_V6 = new Set(['::/1', '8000::/1']);

/** Whether a row is one half of a VPN's split default. */
export function isSplitDefault(row: RouteRow): boolean {
  return row.family === 'v4' ? SPLIT_V4.has(row.destination) : SPLIT_V6.has(row.destination);
}

/** Whether a row is the scoped default Egress holds for its family. */
export function isPinnedDefault(row: RouteRow, status: Status | null): boolean {
  if (!status || !row.default || row.scope === null) return false;
  const fam = status.families[row.family];
  return (
    fam.egress?.interface === row.netif &&
    row.scope === row.netif &&
    (fam.pin.state === 'pinned' || fam.pin.state === 'reused')
  );
}

/** The marks of one row. */
export function marksOf(row: RouteRow, status: Status | null): ChipMark[] {
  const marks: ChipMark[] = [];
  if (row.default && row.scope === null) marks.push('default');
  if (row.scope !== null) marks.push('scoped');
  if (isPinnedDefault(row, status)) marks.push('pinned');
  if (row.ours) marks.push('ours');
  if (isSplitDefault(row)) marks.push('split');
  if (/H/.test(row.flags)) marks.push('host');
  return marks;
}

const MARK_WORDS: Record<ChipMark, string> = {
  default: 'unscoped default',
  scoped: `scoped to its interface (I)`,
  pinned: 'the pinned scoped default (VPN sockets bound here stay physical)',
  ours: 'installed by Egress',
  split: "half of the VPN's split default",
  host: 'host route',
};

/** How important a row is on the map: lower comes first. */
function rank(marks: ChipMark[]): number {
  if (marks.includes('pinned')) return 0;
  if (marks.includes('split')) return 1;
  if (marks.includes('default')) return 2;
  if (marks.includes('scoped') && !marks.includes('host')) return 4;
  if (marks.includes('ours')) return 3;
  if (!marks.includes('host')) return 5;
  return 6;
}

/** The role of an interface, from the status and the routes it carries. */
export function laneRole(name: string, rows: readonly RouteRow[], status: Status | null): LaneRole {
  if (status && (status.families.v4.egress?.interface === name || status.families.v6.egress?.interface === name)) {
    return 'egress';
  }
  if (name.startsWith('lo')) return 'loopback';
  if (isTunnelName(name)) {
    const carriesDefault = rows.some((r) => r.netif === name && (isSplitDefault(r) || (r.default && r.scope === null)));
    return carriesDefault ? 'vpn' : 'tunnel';
  }
  return 'physical';
}

const ROLE_ORDER: Record<LaneRole, number> = { egress: 0, vpn: 1, physical: 2, tunnel: 3, loopback: 4 };

function caption(name: string, role: LaneRole, status: Status | null): string {
  switch (role) {
    case 'egress': {
      const fams = (['v4', 'v6'] as const)
        .filter((f) => status?.families[f].egress?.interface === name)
        .map((f) => (f === 'v4' ? 'IPv4' : 'IPv6'));
      return `${name} · egress ${fams.join(' + ')}`;
    }
    case 'vpn':
      return `${name} · VPN`;
    case 'tunnel':
      return `${name} · tunnel`;
    case 'loopback':
      return `${name} · loopback`;
    case 'physical':
      return name;
  }
}

/** A chip's text: the destination, and the family of a `default` (netstat spells both `default`). */
export function chipText(row: RouteRow): string {
  return row.destination === 'default' ? `default ${row.family === 'v4' ? 'IPv4' : 'IPv6'}` : row.destination;
}

/** Width of a chip for its text. */
export function chipWidth(text: string): number {
  return Math.ceil(text.length * CHAR_WIDTH + CHIP_PAD);
}

/** Lays the table out as lanes of chips in a picture `opts.width` wide. */
export function layoutRouteMap(rows: readonly RouteRow[], status: Status | null, opts: MapOptions): MapLayout {
  const maxRows = opts.maxRows ?? 2;
  const visible = rows.filter((r) => opts.showCloned || !r.cloned);
  const names = [...new Set(visible.map((r) => r.netif).filter(Boolean))];
  const roles = new Map(names.map((n) => [n, laneRole(n, visible, status)]));
  names.sort(
    (a, b) =>
      ROLE_ORDER[roles.get(a)!] - ROLE_ORDER[roles.get(b)!] || a.localeCompare(b, 'en', { numeric: true }),
  );

  const left = LABEL_WIDTH + LANE_PAD;
  const right = opts.width - LANE_PAD;
  const lanes: MapLane[] = [];
  let y = LANE_PAD;
  for (const name of names) {
    const role = roles.get(name)!;
    const carried = visible
      .map((row, i) => ({ row, i, marks: marksOf(row, status) }))
      .filter((x) => x.row.netif === name)
      .sort((a, b) => rank(a.marks) - rank(b.marks) || a.i - b.i);
    const chips: MapChip[] = [];
    let x = left;
    let line = 0;
    let placed = 0;
    for (const { row, marks } of carried) {
      const text = chipText(row);
      const width = chipWidth(text);
      if (x + width > right) {
        if (line + 1 >= maxRows) break;
        line += 1;
        x = left;
      }
      // Keep room for the "+N more" note on the last row.
      const remaining = carried.length - placed - 1;
      if (line === maxRows - 1 && remaining > 0 && x + width + chipWidth(`+${remaining} more`) > right) break;
      chips.push({
        text,
        prefix: row.destination,
        family: row.family,
        marks,
        title: [row.canonical, ...marks.map((m) => MARK_WORDS[m])].join('\n'),
        x,
        y: y + LANE_PAD + line * (CHIP_HEIGHT + ROW_GAP),
        width,
      });
      x += width + CHIP_GAP;
      placed += 1;
    }
    const rowsUsed = Math.max(1, line + 1);
    const height = LANE_PAD * 2 + rowsUsed * CHIP_HEIGHT + (rowsUsed - 1) * ROW_GAP;
    lanes.push({
      name,
      role,
      caption: caption(name, role, status),
      y,
      height,
      chips,
      hidden: carried.length - placed,
      total: carried.length,
    });
    y += height + 4;
  }
  return { width: opts.width, height: y + LANE_PAD - 4, labelWidth: LABEL_WIDTH, lanes };
}

/** The x of the "+N more" note of a lane (after its last chip on the last row). */
export function moreX(lane: MapLane, labelWidth: number): { x: number; y: number } {
  const last = lane.chips[lane.chips.length - 1];
  if (!last) return { x: labelWidth + LANE_PAD, y: lane.y + LANE_PAD };
  return { x: last.x + last.width + CHIP_GAP, y: last.y };
}
