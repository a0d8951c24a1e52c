import { useEffect, useReducer, useRef, useState } from 'preact/hooks';

import * as api from '../api';
import type { AppError, InterfaceRate, Mode, RouteRow, SimEvent } from '../api';
import { HelperManage, HelperSetup, useSetup } from '../components/HelperSetup';
import { ProblemPanel } from '../components/ProblemPanel';
import { useHelper, useInterval, useNow } from '../components/useHelper';
import { useVisible } from '../components/useVisible';
import { connectionProblem, errorLine, errorProblem, platformOf, toAppError } from '../lib/errors';
import { shownRates, vpnPhrases } from '../lib/format';
import { IDLE, canStart, reduceSwitch } from '../lib/progress';
import { setupMatches, setupView } from '../lib/setup';
import { Flush, Simulate, Verify } from './Actions';
import { EgressCard, TunnelRates } from './EgressCard';
import { ScopedRoutes, Timeline } from './Lists';
import { ModeSwitch } from './ModeSwitch';

export function PopoverApp() {
  const h = useHelper();
  // Nothing ticks while the popover is hidden: no clock, no throughput poll.
  const visible = useVisible('popover');
  const now = useNow(10_000, visible);
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


  // Escape hides the popover (as losing focus does), unless a field or a dialog took it.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && !e.defaultPrevented) void api.closeWindow().catch(() => undefined);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Scoped routes, re-read whenever the routes change.
  const [scoped, setScoped] = useState<RouteRow[] | null>(null);
  const [scopedError, setScopedError] = useState<AppError | null>(null);
  useEffect(() => {
    if (!connected) return;
    let alive = true;
    api.routes({ scoped: true }).then(
      (rows) => alive && (setScoped(rows), setScopedError(null)),
      (e) => alive && setScopedError(toAppError(e)),
    );
    return () => {
      alive = false;
    };
  }, [connected, h.routesVersion]);

  // The Route Inspector, opened by the app.
  const [inspectorError, setInspectorError] = useState<AppError | null>(null);
  function openInspector() {
    setInspectorError(null);
    api.openInspector().catch((e) => setInspectorError(toAppError(e)));
  }

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
  // The tunnels that own a default route, as the helper sees them.
  const vpnIfaces = [...new Set((status?.vpn ?? []).map((v) => v.interface))];

  // Live throughput of the interfaces shown, every 2 s while connected and shown.
  const [rates, setRates] = useState<InterfaceRate[]>([]);
  const shown = [status?.families.v4.egress?.interface, status?.families.v6.egress?.interface, ...vpnIfaces].filter(
    (n): n is string => !!n,
  );
  const shownKey = shown.join(' ');
  useInterval(
    () => {
      api.throughput().then((next) => setRates((prev) => shownRates(prev, next, shownKey.split(' '))), () => undefined);
    },
    2000,
    connected && visible,
  );
  const blocking =
    (setupPanel?.blocking ?? false) ||
    (problem !== null && !['reconnecting', 'disconnected', 'connecting'].includes(problem.kind));
  return (
    <main class="popover" aria-busy={!status && !blocking} data-visible={visible ? 'true' : 'false'}>
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
        <span class="spacer" />
        <button
          type="button"
          class="btn small"
          data-testid="open-inspector"
          aria-label="Open the Route Inspector"
          onClick={openInspector}
        >
          Route Inspector…
        </button>
      </header>
      {setup && (setupPanel || setup.notice) && (
        <HelperSetup setup={setup} platform={platform} onChanged={setSetup} compact={!blocking && status !== null} />
      )}
      {inspectorError && (
        <p class="error small" role="alert">
          {errorLine(inspectorError)}
        </p>
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
          {status.vpn && (
            <p class="vpn-line small" data-testid="vpn-line">
              {status.vpn.length > 0
                ? `VPN: ${vpnPhrases(status.vpn).join('; ')}`
                : 'VPN: none holds the default route'}
            </p>
          )}
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
