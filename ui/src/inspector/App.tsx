import { useEffect, useMemo, useRef, useState } from 'preact/hooks';

import * as api from '../api';
import type { AppError, ExportFormat, RouteRow, SavedExport } from '../api';
import { ProblemPanel } from '../components/ProblemPanel';
import { useHelper } from '../components/useHelper';
import { connectionProblem, errorLine, errorProblem, platformOf, toAppError } from '../lib/errors';
import { plural } from '../lib/format';
import { NO_FILTER, countRows, interfacesOf, toRouteFilter, type TableFilter } from '../lib/table';
import { Lookup } from './Lookup';
import { RouteMap } from './RouteMap';
import { Filters, RouteTable } from './RouteTable';

const EXPORTS: Array<{ format: ExportFormat; label: string }> = [
  { format: 'json', label: 'JSON' },
  { format: 'csv', label: 'CSV' },
  { format: 'netstat', label: 'netstat -rn' },
];

type Tab = 'table' | 'map';
const TABS: Array<{ id: Tab; label: string }> = [
  { id: 'table', label: 'Table' },
  { id: 'map', label: 'Route map' },
];

export function InspectorApp() {
  const h = useHelper();
  const platform = platformOf(navigator.userAgent);
  const connected = h.connection?.state === 'connected';
  const problem =
    connectionProblem(h.connection, h.wasConnected, platform) ??
    (h.statusError ? errorProblem(h.statusError, h.connection, platform) : null);

  // The whole table (map, interfaces, counts) and the helper-filtered one (the table view).
  const [all, setAll] = useState<RouteRow[] | null>(null);
  const [filtered, setFiltered] = useState<RouteRow[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [filter, setFilter] = useState<TableFilter>(NO_FILTER);
  const serverFilter = toRouteFilter(filter);
  const serverKey = JSON.stringify(serverFilter ?? null);

  useEffect(() => {
    if (!connected) return;
    let alive = true;
    api.routes().then(
      (rows) => alive && (setAll(rows), setError(null)),
      (e) => alive && setError(toAppError(e)),
    );
    return () => {
      alive = false;
    };
  }, [connected, h.routesVersion]);

  useEffect(() => {
    if (!connected || !serverFilter) {
      setFiltered(null);
      return;
    }
    let alive = true;
    api.routes(serverFilter).then(
      (rows) => alive && (setFiltered(rows), setError(null)),
      (e) => alive && setError(toAppError(e)),
    );
    return () => {
      alive = false;
    };
  }, [connected, h.routesVersion, serverKey]);

  const [tab, setTab] = useState<Tab>('table');
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ table: null, map: null });
  function onTabKey(e: KeyboardEvent) {
    const i = TABS.findIndex((t) => t.id === tab);
    const delta = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!delta) return;
    e.preventDefault();
    const next = TABS[(i + delta + TABS.length) % TABS.length].id;
    setTab(next);
    tabRefs.current[next]?.focus();
  }

  // Exports are saved by the app (a WebView cannot download a Blob): it says where.
  const [exporting, setExporting] = useState<ExportFormat | null>(null);
  const [exportError, setExportError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState<SavedExport | null>(null);
  async function exportAs(format: ExportFormat) {
    setExporting(format);
    setExportError(null);
    setSaved(null);
    try {
      setSaved(await api.exportTable(format));
    } catch (e) {
      setExportError(toAppError(e));
    }
    setExporting(null);
  }

  // Ctrl+W / Cmd+W closes the Route Inspector (which frees its page).
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'w') {
        e.preventDefault();
        void api.closeWindow().catch(() => undefined);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const counts = useMemo(() => countRows(all ?? []), [all]);
  const interfaces = useMemo(() => interfacesOf(all ?? []), [all]);
  const tableRows = serverFilter ? filtered : all;
  const blocking = problem && !['reconnecting', 'disconnected', 'connecting'].includes(problem.kind);

  return (
    <main class="inspector">
      <header class="top">
        <h1>Route Inspector</h1>
        {all && (
          <span class="muted" data-testid="route-total">
            {plural(counts.total, 'route')} · {counts.cloned} cloned · {counts.ours} ours
          </span>
        )}
        <span class="spacer" />
        <div class="export" role="group" aria-label="Export the table">
          <span class="small muted">Export</span>
          {EXPORTS.map((x) => (
            <button
              key={x.format}
              type="button"
              class="btn"
              disabled={!connected || exporting !== null}
              data-testid={`export-${x.format}`}
              aria-label={`Export the table as ${x.label}`}
              onClick={() => exportAs(x.format)}
            >
              {x.label}
            </button>
          ))}
        </div>
      </header>
      {problem && <ProblemPanel problem={problem} compact={!blocking && all !== null} />}
      {saved && (
        <p class="small" role="status" data-testid="export-saved">
          Saved {plural(saved.rows, 'route')} to <span class="mono">{saved.path}</span>
        </p>
      )}
      {(exportError || error) && (
        <p class="error small" role="alert">
          {errorLine((exportError ?? error)!)}
        </p>
      )}
      {!blocking && (
        <>
          <Lookup interfaces={interfaces} />
          <div class="tabs" role="tablist" aria-label="Views">
            {TABS.map((t) => (
              <button
                key={t.id}
                ref={(el) => {
                  tabRefs.current[t.id] = el;
                }}
                type="button"
                role="tab"
                id={`tab-${t.id}`}
                aria-selected={tab === t.id}
                aria-controls={`panel-${t.id}`}
                tabIndex={tab === t.id ? 0 : -1}
                data-testid={`tab-${t.id}`}
                onClick={() => setTab(t.id)}
                onKeyDown={onTabKey}
              >
                {t.label}
              </button>
            ))}
          </div>
          <section id="panel-table" role="tabpanel" aria-labelledby="tab-table" hidden={tab !== 'table'}>
            <Filters filter={filter} onChange={setFilter} interfaces={interfaces} clonedCount={counts.cloned} />
            {tableRows ? <RouteTable rows={tableRows} filter={filter} /> : <p class="muted">Reading the table…</p>}
          </section>
          <section id="panel-map" role="tabpanel" aria-labelledby="tab-map" hidden={tab !== 'map'}>
            {all ? (
              <RouteMap rows={all} status={h.status} showCloned={filter.showCloned} />
            ) : (
              <p class="muted">Reading the table…</p>
            )}
          </section>
        </>
      )}
    </main>
  );
}
