import { useMemo, useState } from 'preact/hooks';

import type { RouteRow } from '../api';
import { Badge } from '../components/ProblemPanel';
import { FLAG_LEGEND, OURS_NOTE, flagsTitle } from '../lib/flags';
import { plural } from '../lib/format';
import { filterRows, nextSort, sortRows, type SortDir, type SortKey, type TableFilter } from '../lib/table';

/** Rows drawn at once; the rest behind "Show all" (a legacy table can hold 10,000 host routes). */
const PAGE = 500;

const COLUMNS: Array<{ key: SortKey; label: string }> = [
  { key: 'destination', label: 'Destination' },
  { key: 'gateway', label: 'Gateway' },
  { key: 'flags', label: 'Flags' },
  { key: 'netif', label: 'Netif' },
  { key: 'expire', label: 'Expire' },
  { key: 'scope', label: 'Scope' },
];

/** The filter bar: family, scoped, ours, interface, free text, cloned rows. */
export function Filters({
  filter,
  onChange,
  interfaces,
  clonedCount,
}: {
  filter: TableFilter;
  onChange: (f: TableFilter) => void;
  interfaces: string[];
  clonedCount: number;
}) {
  const set = (patch: Partial<TableFilter>) => onChange({ ...filter, ...patch });
  return (
    <form class="filters" role="search" aria-label="Filter routes" onSubmit={(e) => e.preventDefault()}>
      <label>
        Family{' '}
        <select
          value={filter.family}
          data-testid="filter-family"
          onChange={(e) => set({ family: (e.target as HTMLSelectElement).value as TableFilter['family'] })}
        >
          <option value="all">All</option>
          <option value="v4">IPv4</option>
          <option value="v6">IPv6</option>
        </select>
      </label>
      <label>
        <input
          type="checkbox"
          checked={filter.scoped}
          data-testid="filter-scoped"
          onChange={(e) => set({ scoped: (e.target as HTMLInputElement).checked })}
        />{' '}
        Scoped
      </label>
      <label>
        <input
          type="checkbox"
          checked={filter.ours}
          data-testid="filter-ours"
          onChange={(e) => set({ ours: (e.target as HTMLInputElement).checked })}
        />{' '}
        Ours
      </label>
      <label>
        Interface{' '}
        <select
          value={filter.iface}
          data-testid="filter-iface"
          onChange={(e) => set({ iface: (e.target as HTMLSelectElement).value })}
        >
          <option value="">All</option>
          {interfaces.map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
      </label>
      <label class="grow">
        <span class="sr-only">Search routes</span>
        <input
          type="search"
          placeholder="Search: destination, gateway, flags…"
          value={filter.text}
          data-testid="filter-text"
          onInput={(e) => set({ text: (e.target as HTMLInputElement).value })}
        />
      </label>
      <button
        type="button"
        class="btn"
        aria-pressed={filter.showCloned}
        data-testid="toggle-cloned"
        onClick={() => set({ showCloned: !filter.showCloned })}
      >
        {filter.showCloned ? 'Hide' : 'Show'} cloned ({clonedCount})
      </button>
    </form>
  );
}

/** The whole table, sortable by column, flags explained on hover. */
export function RouteTable({ rows, filter }: { rows: RouteRow[]; filter: TableFilter }) {
  const [sort, setSort] = useState<{ key: SortKey; dir: SortDir }>({ key: 'order', dir: 'asc' });
  const [showAll, setShowAll] = useState(false);
  const shown = useMemo(() => sortRows(filterRows(rows, filter), sort.key, sort.dir), [rows, filter, sort]);
  const drawn = showAll ? shown : shown.slice(0, PAGE);
  const ariaSort = (key: SortKey) =>
    sort.key === key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none';

  return (
    <div class="table-wrap">
      <p class="small muted" aria-live="polite" data-testid="table-count">
        Showing {plural(shown.length, 'route')}
        {sort.key !== 'order' && (
          <>
            {' '}
            · sorted by {sort.key} {sort.dir === 'asc' ? '↑' : '↓'}{' '}
            <button type="button" class="link" onClick={() => setSort({ key: 'order', dir: 'asc' })}>
              dump order
            </button>
          </>
        )}
      </p>
      <div class="table-scroll" tabIndex={0} aria-label="Routing table">
        <table class="routes" data-testid="route-table">
          <thead>
            <tr>
              <th scope="col" class="fam">
                <span class="sr-only">Family</span>
              </th>
              {COLUMNS.map((c) => (
                <th key={c.key} scope="col" aria-sort={ariaSort(c.key)}>
                  <button
                    type="button"
                    class="sort"
                    data-testid={`sort-${c.key}`}
                    onClick={() => setSort(nextSort(sort, c.key))}
                    title={c.key === 'flags' ? 'Hover a row’s flags for their meaning; legend below' : undefined}
                  >
                    {c.label}
                    <span class="sort-arrow" aria-hidden="true">
                      {sort.key === c.key ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
                    </span>
                  </button>
                </th>
              ))}
              <th scope="col">
                <span class="sr-only">Owner</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {drawn.map((r, i) => (
              <tr key={`${r.canonical}|${i}`} class={`${r.ours ? 'ours' : ''}${r.cloned ? ' cloned' : ''}`}>
                <td class="fam small muted">{r.family === 'v4' ? '4' : '6'}</td>
                <td class="mono" title={r.canonical}>
                  {r.destination}
                </td>
                <td class="mono">{r.gateway}</td>
                <td class="mono flags" title={flagsTitle(r.flags)}>
                  {r.flags}
                </td>
                <td class="mono">{r.netif}</td>
                <td class="mono">{r.expire}</td>
                <td class="mono">{r.scope ?? ''}</td>
                <td>
                  {r.ours && (
                    <Badge tone="ok" title="Installed by Egress">
                      ours
                    </Badge>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!showAll && shown.length > PAGE && (
        <button type="button" class="btn" onClick={() => setShowAll(true)}>
          Show all {plural(shown.length, 'route')}
        </button>
      )}
      <FlagLegend />
    </div>
  );
}

/** Every flag letter and its meaning. */
export function FlagLegend() {
  return (
    <details class="legend">
      <summary>Flag legend</summary>
      <dl class="flag-legend" data-testid="flag-legend">
        {FLAG_LEGEND.map((f) => (
          <div key={f.letter} title={f.cName}>
            <dt class="mono">{f.letter}</dt>
            <dd>
              {f.meaning} <span class="muted small mono">{f.cName}</span>
            </dd>
          </div>
        ))}
      </dl>
      <p class="small muted">{OURS_NOTE}</p>
    </details>
  );
}
