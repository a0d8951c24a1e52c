// ui/src/api/types.ts mirrors helper-proto field for field: checked against
// the JSON the real helper wrote (tests/fixtures, recorded on the sim).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import type {
  Connection,
  Egress,
  Exclusion,
  FamilyStatus,
  FlushReport,
  HeldStatus,
  LookupAnswer,
  ProbeAnswer,
  RouteRow,
  Setup,
  SimEvent,
  Status,
  TimelineEntry,
  VpnDefault,
} from '../../src/api/types';

const dir = resolve(__dirname, '../fixtures');
const load = (name: string) => JSON.parse(readFileSync(resolve(dir, name), 'utf8'));

// Every field of each TS interface (a missing or extra key fails the `satisfies`).
const STATUS = {
  backend: 0, mode: 0, mode_note: 0, mode_switchable: 0, families: 0, exclusions: 0, held: 0,
  held_exclusion_routes: 0, timeline: 0, repins_last_10_min: 0, warnings: 0, vpn: 0,
} satisfies Record<keyof Status, 0>;
const VPN = { interface: 0, family: 0, shape: 0, routes: 0 } satisfies Record<keyof VpnDefault, 0>;
const FAMILY = { egress: 0, pin: 0, reason: 0, since: 0 } satisfies Record<keyof FamilyStatus, 0>;
const EGRESS = { index: 0, interface: 0, kind: 0, gateway: 0, local_addresses: 0 } satisfies Record<keyof Egress, 0>;
const HELD = { route: 0, reused: 0 } satisfies Record<keyof HeldStatus, 0>;
const ENTRY = { at: 0, trigger: 0, outcome: 0 } satisfies Record<keyof TimelineEntry, 0>;
const ROW = {
  family: 0, destination: 0, gateway: 0, flags: 0, netif: 0, expire: 0, scope: 0, ours: 0, cloned: 0, default: 0, canonical: 0,
} satisfies Record<keyof RouteRow, 0>;
const LOOKUP = {
  destination: 0, scoped_to: 0, route: 0, interface: 0, interface_kind: 0, gateway: 0, via_vpn: 0, summary: 0,
} satisfies Record<keyof LookupAnswer, 0>;
const PROBE = {
  destination: 0, local_port: 0, bound_to: 0, interface: 0, gateway: 0, via_vpn: 0, summary: 0,
} satisfies Record<keyof ProbeAnswer, 0>;
const FLUSH = { dry_run: 0, routes: 0 } satisfies Record<keyof FlushReport, 0>;
const EXCLUSION = { prefix: 0, owners: 0 } satisfies Record<keyof Exclusion, 0>;
const SIM_EVENT = { name: 0, description: 0 } satisfies Record<keyof SimEvent, 0>;
const CONNECTION = {
  state: 0, message: 0, helper: 0, backend: 0, access: 0, changeRequires: 0, socket: 0,
} satisfies Record<keyof Connection, 0>;

const SETUP = {
  state: 0, manager: 0, service: 0, actions: 0, app: 0, helper: 0, group: 0, socket: 0, message: 0, notice: 0,
} satisfies Record<keyof Setup, 0>;

const keys = (o: object) => Object.keys(o).sort();
const expectKeys = (value: object, shape: object, what: string) => expect(keys(value), what).toEqual(keys(shape));

function checkStatus(s: Status, what: string) {
  expectKeys(s, STATUS, what);
  expect(['advanced', 'legacy']).toContain(s.mode);
  for (const fam of ['v4', 'v6'] as const) {
    const f = s.families[fam];
    expectKeys(f, FAMILY, `${what} ${fam}`);
    if (f.egress) expectKeys(f.egress, EGRESS, `${what} ${fam} egress`);
    expect(['none', 'pinned', 'reused', 'stale', 'failed']).toContain(f.pin.state);
    expect(keys(f.pin)).toEqual(f.pin.state === 'stale' || f.pin.state === 'failed' ? ['detail', 'state'] : ['state']);
  }
  s.held.forEach((h) => expectKeys(h, HELD, `${what} held`));
  s.timeline.forEach((t) => expectKeys(t, ENTRY, `${what} timeline`));
  for (const v of s.vpn ?? []) {
    expectKeys(v, VPN, `${what} vpn`);
    expect(['whole', 'split']).toContain(v.shape);
  }
}

function checkRow(r: RouteRow, what: string) {
  expectKeys(r, ROW, what);
  expect(['v4', 'v6']).toContain(r.family);
}

describe('the TS types mirror what the helper sends', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  it('Status (every status fixture)', () => {
    const statuses = files.filter((f) => f.startsWith('status'));
    expect(statuses.length).toBeGreaterThanOrEqual(3);
    for (const f of statuses) checkStatus(load(f), f);
    // With the VPN up, the helper names utun4 and its split default per family.
    expect((load('status-vpn.json') as Status).vpn).toEqual([
      { interface: 'utun4', family: 'v4', shape: 'split', routes: ['0/1', '128.0/1'] },
      { interface: 'utun4', family: 'v6', shape: 'split', routes: ['::/1', '8000::/1'] },
    ]);
    expect((load('status.json') as Status).vpn).toEqual([]);
  });

  it('RouteRow (every row of every routes fixture)', () => {
    for (const f of files.filter((f) => f.startsWith('routes'))) (load(f) as RouteRow[]).forEach((r) => checkRow(r, f));
  });

  it('LookupAnswer, ProbeAnswer, FlushReport, Exclusion, SimEvent', () => {
    for (const f of files.filter((f) => f.startsWith('lookup'))) {
      const a = load(f) as LookupAnswer;
      expectKeys(a, LOOKUP, f);
      if (a.route) checkRow(a.route, `${f} route`);
    }
    for (const f of files.filter((f) => f.startsWith('verify'))) expectKeys(load(f), PROBE, f);
    expectKeys(load('flush-preview.json'), FLUSH, 'flush-preview');
    (load('exclusions-legacy.json') as Exclusion[]).forEach((e) => expectKeys(e, EXCLUSION, 'exclusion'));
    (load('sim-events.json') as SimEvent[]).forEach((e) => expectKeys(e, SIM_EVENT, 'sim event'));
  });

  it('Connection (the app’s own, camelCase)', () => {
    expectKeys(load('connection.json'), CONNECTION, 'connection');
  });

  it('Setup (the app’s own, camelCase; the Rust side serialises to the same file)', () => {
    const s = load('setup-needs-approval.json') as Setup;
    expectKeys(s, SETUP, 'setup');
    expect(s.actions).toEqual(['open_approval_settings', 'unregister']);
  });
});
