// netstat's flag letters and what they mean: copied from routing-core's
// table (crates/routing-core/src/model/flags.rs, `route_flags!`), in
// netstat's letter order (its `NETSTAT_ORDER`). Pure.

/** One flag letter of `netstat -rn`. */
export interface FlagMeaning {
  letter: string;
  /** The C constant (`RTF_IFSCOPE`). */
  cName: string;
  /** The meaning, as XNU's route.h says it. */
  meaning: string;
}

/** Every letter netstat prints, in netstat's order (`UGScIg`). */
export const FLAG_LEGEND: readonly FlagMeaning[] = [
  { letter: 'U', cName: 'RTF_UP', meaning: 'route usable' },
  { letter: 'G', cName: 'RTF_GATEWAY', meaning: 'destination requires forwarding by an intermediary' },
  { letter: 'H', cName: 'RTF_HOST', meaning: 'host entry (net otherwise)' },
  { letter: 'R', cName: 'RTF_REJECT', meaning: 'host or net unreachable' },
  { letter: 'D', cName: 'RTF_DYNAMIC', meaning: 'created dynamically (by redirect)' },
  { letter: 'M', cName: 'RTF_MODIFIED', meaning: 'modified dynamically (by redirect)' },
  { letter: 'm', cName: 'RTF_MULTICAST', meaning: 'route represents a multicast address' },
  { letter: 'd', cName: 'RTF_DONE', meaning: 'message confirmed (routing messages only)' },
  { letter: 'C', cName: 'RTF_CLONING', meaning: 'generate new routes on use' },
  { letter: 'X', cName: 'RTF_XRESOLVE', meaning: 'external daemon resolves name' },
  { letter: 'L', cName: 'RTF_LLINFO', meaning: 'valid protocol to link address translation' },
  { letter: 'S', cName: 'RTF_STATIC', meaning: 'manually added' },
  { letter: '1', cName: 'RTF_PROTO1', meaning: 'protocol specific routing flag #1' },
  { letter: '2', cName: 'RTF_PROTO2', meaning: 'protocol specific routing flag #2' },
  { letter: 'W', cName: 'RTF_WASCLONED', meaning: 'route generated through cloning' },
  { letter: 'c', cName: 'RTF_PRCLONING', meaning: 'protocol-specified generate new routes on use' },
  { letter: '3', cName: 'RTF_PROTO3', meaning: 'protocol specific routing flag #3' },
  { letter: 'B', cName: 'RTF_BLACKHOLE', meaning: 'just discard packets (during updates)' },
  { letter: 'b', cName: 'RTF_BROADCAST', meaning: 'route represents a broadcast address' },
  { letter: 'I', cName: 'RTF_IFSCOPE', meaning: 'route is associated with an interface scope' },
  { letter: 'i', cName: 'RTF_IFREF', meaning: 'route holds a ref to interface' },
  { letter: 'Y', cName: 'RTF_PROXY', meaning: 'proxying, no interface scope' },
  { letter: 'r', cName: 'RTF_ROUTER', meaning: 'host is a default router' },
  { letter: 'g', cName: 'RTF_GLOBAL', meaning: 'route to a destination of the global internet' },
];

const BY_LETTER = new Map(FLAG_LEGEND.map((f) => [f.letter, f]));

/** What Egress's own tag means, on top of `RTF_PROTO1`'s generic words. */
export const OURS_NOTE = 'Egress tags the routes it installs with RTF_PROTO1 (1).';

/** The meaning of each letter of a flags column (`UGScIg`); unknown letters say so. */
export function explainFlags(flags: string): FlagMeaning[] {
  return [...flags].map(
    (letter) => BY_LETTER.get(letter) ?? { letter, cName: '?', meaning: 'unknown flag' },
  );
}

/** The tooltip of a flags cell: one line per letter. */
export function flagsTitle(flags: string): string {
  if (!flags) return 'no flags';
  return explainFlags(flags)
    .map((f) => `${f.letter}  ${f.meaning} (${f.cName})`)
    .join('\n');
}
