import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { FLAG_LEGEND, explainFlags, flagsTitle } from '../../src/lib/flags';
import { routesVpn } from './fixtures';

// routing-core's table: the source the TS legend is copied from.
const RUST = readFileSync(resolve(__dirname, '../../../crates/routing-core/src/model/flags.rs'), 'utf8');

function rustFlags(): Map<string, { cName: string; meaning: string }> {
  const out = new Map<string, { cName: string; meaning: string }>();
  const re = /^\s*(\w+) = 0x[0-9a-f]+, "(RTF_\w+)", "[^"]*", Some\('(.)'\), "([^"]*)";/gm;
  for (const m of RUST.matchAll(re)) out.set(m[3], { cName: m[2], meaning: m[4] });
  return out;
}

function rustOrder(): string[] {
  const block = RUST.slice(RUST.indexOf('const NETSTAT_ORDER'), RUST.indexOf('];', RUST.indexOf('const NETSTAT_ORDER')));
  const byName = new Map<string, string>();
  for (const m of RUST.matchAll(/^\s*(\w+) = 0x[0-9a-f]+, "RTF_\w+", "[^"]*", Some\('(.)'\)/gm)) byName.set(m[1], m[2]);
  return [...block.matchAll(/RouteFlags::(\w+)/g)].map((m) => byName.get(m[1])).filter((x): x is string => !!x);
}

describe('the flag legend', () => {
  it('is routing-core’s, word for word', () => {
    const rust = rustFlags();
    expect(rust.size).toBeGreaterThan(20);
    expect(FLAG_LEGEND.map((f) => f.letter).sort()).toEqual([...rust.keys()].sort());
    for (const f of FLAG_LEGEND) expect({ cName: f.cName, meaning: f.meaning }).toEqual(rust.get(f.letter));
  });

  it('lists the letters in netstat’s order', () => {
    const order = rustOrder().filter((l) => FLAG_LEGEND.some((f) => f.letter === l));
    expect(FLAG_LEGEND.map((f) => f.letter).filter((l) => order.includes(l))).toEqual(order);
  });

  it('explains every letter the sim’s table uses', () => {
    for (const row of routesVpn) {
      for (const f of explainFlags(row.flags)) expect(f.meaning, `${row.flags}: ${f.letter}`).not.toBe('unknown flag');
    }
  });

  it('is case-sensitive (C cloning, c protocol cloning; I scope, i ifref)', () => {
    const [C, c] = explainFlags('Cc');
    expect(C.cName).toBe('RTF_CLONING');
    expect(c.cName).toBe('RTF_PRCLONING');
    expect(explainFlags('Ii').map((f) => f.cName)).toEqual(['RTF_IFSCOPE', 'RTF_IFREF']);
  });

  it('writes a tooltip with one line per letter', () => {
    expect(flagsTitle('UGScIg').split('\n')).toHaveLength(6);
    expect(flagsTitle('UGScIg')).toContain('I  route is associated with an interface scope (RTF_IFSCOPE)');
    expect(flagsTitle('')).toBe('no flags');
    expect(explainFlags('Z')[0].meaning).toBe('unknown flag');
  });
});
