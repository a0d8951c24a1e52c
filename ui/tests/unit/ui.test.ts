// The small pure helpers that live next to their components.
import { describe, expect, it } from 'vitest';

import type { Connection, Status, TimelineEntry } from '../../src/api/types';
import { appendTimeline } from '../../src/components/useHelper';
import { looksLikeAddress } from '../../src/inspector/Lookup';
import { IDLE } from '../../src/lib/progress';
import { orderScoped } from '../../src/popover/Lists';
import { MODE_EXPLANATIONS, switchBlockedReason } from '../../src/popover/ModeSwitch';
import { routesVpn, statusVpn } from './fixtures';

const conn: Connection = {
  state: 'connected',
  message: null,
  helper: 'egress-helper 0.1.0',
  backend: 'sim',
  access: 'change',
  changeRequires: null,
  socket: '/tmp/h.sock',
};

describe('the mode switch', () => {
  it('explains both modes in one line each', () => {
    expect(MODE_EXPLANATIONS.advanced).toBe('one scoped default per family pinned to the physical interface; VPN sockets bound to it');
    expect(MODE_EXPLANATIONS.legacy).toBe('a host route per VPN peer via the physical gateway');
  });

  it('is blocked with the reason: not connected, forced, read-only', () => {
    expect(switchBlockedReason(statusVpn, conn, IDLE)).toBeNull();
    expect(switchBlockedReason(null, conn, IDLE)).toContain('Not connected');
    expect(switchBlockedReason(statusVpn, { ...conn, state: 'connecting' }, IDLE)).toContain('Not connected');
    const forced: Status = { ...statusVpn, mode_switchable: false, mode_note: 'forced by EGRESS_USE_LEGACY_ROUTING=1' };
    expect(switchBlockedReason(forced, conn, IDLE)).toBe('forced by EGRESS_USE_LEGACY_ROUTING=1');
    expect(switchBlockedReason({ ...forced, mode_note: null }, conn, IDLE)).toContain('does not let');
    expect(switchBlockedReason(statusVpn, { ...conn, access: 'read', changeRequires: 'membership of the egress group' }, IDLE)).toBe(
      'Read-only: membership of the egress group',
    );
    expect(switchBlockedReason(statusVpn, { ...conn, access: 'read' }, IDLE)).toContain('Read-only');
  });
});

describe('the timeline', () => {
  const e = (at: number, outcome = 'nothing to change'): TimelineEntry => ({ at, trigger: 'network changed', outcome });
  it('appends new entries and skips one a status already carried', () => {
    const list = [e(1), e(2)];
    expect(appendTimeline(list, e(3))).toEqual([e(1), e(2), e(3)]);
    expect(appendTimeline(list, e(2))).toBe(list);
    expect(appendTimeline(list, e(2, 're-pinned'))).toHaveLength(3);
  });
  it('keeps the newest hundred', () => {
    let list: TimelineEntry[] = [];
    for (let i = 0; i < 150; i++) list = appendTimeline(list, e(i));
    expect(list).toHaveLength(100);
    expect(list[0].at).toBe(50);
  });
});

describe('small helpers', () => {
  it('orders scoped routes defaults first and drops cloned ones', () => {
    const scoped = orderScoped(routesVpn.filter((r) => r.scope !== null));
    expect(scoped.every((r) => !r.cloned)).toBe(true);
    const firstNonDefault = scoped.findIndex((r) => !r.default);
    expect(scoped.slice(0, firstNonDefault).every((r) => r.default)).toBe(true);
    expect(scoped.slice(firstNonDefault).some((r) => r.default)).toBe(false);
  });

  it('recognises addresses before asking the helper', () => {
    for (const a of ['203.0.113.9', '2001:db8::1', 'fe80::1%en0', '::1']) expect(looksLikeAddress(a), a).toBe(true);
    for (const a of ['', 'example.com', '256.1.1.1', '1.2.3', 'fe80']) expect(looksLikeAddress(a), a).toBe(false);
  });
});
