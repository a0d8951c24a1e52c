import type { AppError, RouteRow, TimelineEntry } from '../api';
import { Badge } from '../components/ProblemPanel';
import { flagsTitle } from '../lib/flags';
import { absoluteTime, plural, relativeTime } from '../lib/format';

/** Scoped routes without cloned ones (netstat hides them too), defaults first, then in dump order. */
export function orderScoped(rows: RouteRow[]): RouteRow[] {
  return rows.filter((r) => !r.cloned).sort((a, b) => Number(b.default) - Number(a.default) || Number(b.ours) - Number(a.ours));
}

/** The interface-scoped routes: Egress's (marked) and the OS's. */
export function ScopedRoutes({ rows, error }: { rows: RouteRow[] | null; error: AppError | null }) {
  const ordered = rows ? orderScoped(rows) : [];
  const ours = ordered.filter((r) => r.ours).length;
  return (
    <section class="card" aria-labelledby="scoped-heading">
      <header class="card-head">
        <h2 id="scoped-heading">Scoped routes</h2>
        {rows && (
          <span class="muted small" data-testid="scoped-count">
            {plural(ordered.length, 'route')}, {ours} ours
          </span>
        )}
      </header>
      {error && <p class="error small">{error.message}</p>}
      {rows && ordered.length === 0 && <p class="muted small">No interface-scoped routes.</p>}
      {ordered.length > 0 && (
        <div class="scroll-list" tabIndex={0} aria-label="Scoped routes list">
          <table class="mini">
            <thead>
              <tr>
                <th scope="col" class="c-dest">Destination</th>
                <th scope="col" class="c-gw">Gateway</th>
                <th scope="col" class="c-scope">Scope</th>
                <th scope="col" class="c-flags">Flags</th>
                <th scope="col" class="c-own">
                  <span class="sr-only">Owner</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {ordered.map((r, i) => (
                <tr key={`${r.canonical}-${i}`} class={r.ours ? 'ours' : ''}>
                  <td class="mono" title={r.canonical}>
                    {r.destination}
                  </td>
                  <td class="mono" title={r.gateway}>
                    {r.gateway}
                  </td>
                  <td class="mono">{r.scope}</td>
                  <td class="mono" title={flagsTitle(r.flags)}>
                    {r.flags}
                  </td>
                  <td>{r.ours ? <Badge tone="ok" title="Installed by Egress">ours</Badge> : <span class="muted small">OS</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** The engine's decisions, newest first, with the re-pin count. */
export function Timeline({
  entries,
  repins,
  now,
  limit = 30,
}: {
  entries: TimelineEntry[];
  repins: number;
  now: number;
  limit?: number;
}) {
  const newest = [...entries].reverse().slice(0, limit);
  return (
    <section class="card" aria-labelledby="timeline-heading">
      <header class="card-head">
        <h2 id="timeline-heading">Timeline</h2>
        <span class={`small ${repins > 3 ? 'tone-warn' : 'muted'}`} data-testid="repins">
          {plural(repins, 're-pin')} in the last 10 min
        </span>
      </header>
      {newest.length === 0 ? (
        <p class="muted small">No decisions yet.</p>
      ) : (
        <ol class="timeline" aria-label="Recent decisions, newest first">
          {newest.map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <time dateTime={new Date(e.at * 1000).toISOString()} title={absoluteTime(e.at)}>
                {relativeTime(e.at, now)}
              </time>
              <span class="trigger">{e.trigger}</span>
              <span class="outcome">{e.outcome}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
