import { useEffect, useReducer, useRef, useState } from 'preact/hooks';

import * as api from '../api';
import type { AppError, InterfaceRate, Mode, RouteRow, SimEvent } from '../api';
import { HelperManage, HelperSetup, useSetup } from '../components/HelperSetup';
import { ProblemPanel } from '../components/ProblemPanel';
import { useHelper, useInterval, useNow } from '../components/useHelper';
import { connectionProblem, errorLine, errorProblem, platformOf, toAppError } from '../lib/errors';
import { IDLE, canStart, reduceSwitch } from '../lib/progress';
import { setupMatches, setupView } from '../lib/setup';
import { Flush, Simulate, Verify } from './Actions';
import { EgressCard, TunnelRates } from './EgressCard';
import { ScopedRoutes, Timeline } from './Lists';
import { ModeSwitch } from './ModeSwitch';

/** Addresses outside every local network, to ask where unbound traffic goes. */
const PROBE_V4 = '203.0.113.1';
const PROBE_V6 = '2001:db8::1';

export function PopoverApp() {
  const h = useHelper();
  const now = useNow(10_000);
  const platform = platformOf(navigator.userAgent);
  const connected = h.connection?.state === 'connected';
  const mayChange = connected && h.connection?.access === 'change';
  // The helper's setup (not installed, approval, update…) when it describes
  // the connection as it is; the generic problem otherwise (connecting).
  const { setup: setupNow, setSetup } = useSetup(h.connection);
  const setup = setupMatches(setupNow, h.connection) ? setupNow : null;
  const setupPanel = setup ? setupView(setup, platform) : null;
  const problem = setupPanel?.blocking
    ? null
    : (connectionProblem(h.connection, h.wasConnected, platform) ??
      (h.statusError ? errorProblem(h.statusError, h.connection, platform) : null));

  // Live throughput, every 2 s while connected.
  const [rates, setRates] = useState<InterfaceRate[]>([]);
  useInterval(
    () => {
      api.throughput().then(setRates, () => undefined);
    },
    2000,
    connected,
  );

  // Scoped routes and the VPN's interfaces, re-read whenever the routes change.
  const [scoped, setScoped] = useState<RouteRow[] | null>(null);
  const [scopedError, setScopedError] = useState<AppError | null>(null);
  const [vpnIfaces, setVpnIfaces] = useState<string[]>([]);
  useEffect(() => {
    if (!connected) return;
    let alive = true;
    api.routes({ scoped: true }).then(
      (rows) => alive && (setScoped(rows), setScopedError(null)),
      (e) => alive && setScopedError(toAppError(e)),
    );
    Promise.allSettled([api.lookup(PROBE_V4), api.lookup(PROBE_V6)]).then((answers) => {
      if (!alive) return;
      const names = answers.flatMap((a) =>
        a.status === 'fulfilled' && a.value.via_vpn && a.value.interface ? [a.value.interface] : [],
      );
      setVpnIfaces([...new Set(names)]);
    });
    return () => {
      alive = false;
    };
  }, [connected, h.routesVersion]);

  // The simulated Mac's events, on the sim backend.
  const [simEvents, setSimEvents] = useState<SimEvent[]>([]);
  const isSim = (h.status?.backend ?? h.connection?.backend) === 'sim';
  useEffect(() => {
    if (connected && isSim) api.simEvents().then(setSimEvents, () => setSimEvents([]));
  }, [connected, isSim]);

  // The mode switch: one at a time, progress from `mode-progress`.
  const [sw, dispatch] = useReducer(reduceSwitch, IDLE);
  const inFlight = useRef(false);
  useEffect(() => {
    let off: (() => void) | undefined;
    let alive = true;
    api
      .onModeProgress((p) => dispatch({ type: 'progress', done: p.done, total: p.total }))
      .then((u) => (alive ? (off = u) : u()), () => undefined);
    return () => {
      alive = false;
      off?.();
    };
  }, []);
  useEffect(() => {
    const p = h.helperProgress;
    if (p) dispatch({ type: 'helper_progress', mode: p.mode, done: p.done, total: p.total });
  }, [h.helperProgress]);

  async function toggle(to: Mode) {
    // A ref, not the rendered state: a double click lands before the re-render.
    if (inFlight.current || !canStart(sw)) return;
    inFlight.current = true;
    dispatch({ type: 'start', target: to });
    try {
      h.setStatus(await api.setMode(to));
      dispatch({ type: 'finished' });
    } catch (e) {
      dispatch({ type: 'failed', message: errorLine(toAppError(e)) });
    } finally {
      inFlight.current = false;
    }
  }

  const status = h.status;
  const blocking =
    (setupPanel?.blocking ?? false) ||
    (problem !== null && !['reconnecting', 'disconnected', 'connecting'].includes(problem.kind));
  return (
    <main class="popover" aria-busy={!status && !blocking}>
      <header class="top">
        <h1>Egress</h1>
        {status && (
          <span class={`mode-pill mode-${status.mode}`} data-testid="mode-pill">
            {status.mode === 'legacy' ? 'Legacy' : 'Advanced'}
          </span>
        )}
        <span
          class={`conn-dot conn-${h.connection?.state ?? 'connecting'}`}
          role="img"
          aria-label={`Helper: ${h.connection?.state.replace('_', ' ') ?? 'connecting'}`}
          title={h.connection?.helper ?? h.connection?.state ?? ''}
        />
      </header>
      {setup && (setupPanel || setup.notice) && (
        <HelperSetup setup={setup} platform={platform} onChanged={setSetup} compact={!blocking && status !== null} />
      )}
      {problem && <ProblemPanel problem={problem} compact={!blocking && status !== null} />}
      {!blocking && status && (
        <div class={problem ? 'stale' : ''}>
          {status.warnings.length > 0 && (
            <div class="warning" role="status" data-testid="warnings">
              {status.warnings.map((w) => (
                <p key={w}>⚠︎ {w}</p>
              ))}
            </div>
          )}
          <div class="cards">
            <EgressCard family="v4" status={status.families.v4} rates={rates} now={now} />
            <EgressCard family="v6" status={status.families.v6} rates={rates} now={now} />
          </div>
          <TunnelRates rates={rates} tunnels={vpnIfaces} />
          <ModeSwitch
            status={status}
            connection={h.connection}
            state={sw}
            onToggle={toggle}
            onDismiss={() => dispatch({ type: 'dismiss' })}
          />
          <ScopedRoutes rows={scoped} error={scopedError} />
          <Timeline entries={status.timeline} repins={status.repins_last_10_min} now={now} />
          <Verify status={status} />
          <Flush mayChange={mayChange} changeRequires={h.connection?.changeRequires ?? null} />
          {isSim && simEvents.length > 0 && <Simulate events={simEvents} mayChange={mayChange} />}
        </div>
      )}
      {h.statusError && !problem && (
        <p class="error small" role="alert">
          {errorLine(h.statusError)}
        </p>
      )}
      <footer class="foot small muted">
        {h.connection?.helper ?? 'egress-helper'} · {h.connection?.backend ?? '—'} ·{' '}
        <span class="mono">{h.connection?.socket ?? ''}</span>
        {setup && <HelperManage setup={setup} onChanged={setSetup} />}
      </footer>
    </main>
  );
}
