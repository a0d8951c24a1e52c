import { useState } from 'preact/hooks';

import * as api from '../api';
import type { AppError, Family, FlushReport, ProbeAnswer, SimEvent, Status } from '../api';
import { Badge } from '../components/ProblemPanel';
import { errorLine, toAppError } from '../lib/errors';
import { plural } from '../lib/format';

const FAMILY_NAME: Record<Family, string> = { v4: 'IPv4', v6: 'IPv6' };

type VerifyResult = { family: Family; answer?: ProbeAnswer; error?: AppError };

/** "Verify": a probe from a socket the helper bound, per family with an egress. */
export function Verify({ status }: { status: Status | null }) {
  const [busy, setBusy] = useState(false);
  const [results, setResults] = useState<VerifyResult[]>([]);
  const families = (['v4', 'v6'] as const).filter((f) => status?.families[f].egress);

  async function run() {
    setBusy(true);
    const out: VerifyResult[] = [];
    for (const family of families) {
      try {
        out.push({ family, answer: await api.verify(family) });
      } catch (e) {
        out.push({ family, error: toAppError(e) });
      }
    }
    setResults(out);
    setBusy(false);
  }

  return (
    <section class="card" aria-labelledby="verify-heading">
      <header class="card-head">
        <h2 id="verify-heading">Verify</h2>
        <button type="button" class="btn" onClick={run} disabled={busy || families.length === 0} aria-busy={busy}>
          {busy ? 'Probing…' : 'Verify'}
        </button>
      </header>
      <p class="muted small">Sends a probe from a socket bound the way a VPN's is, and shows where it left.</p>
      <ul class="results" aria-live="polite" data-testid="verify-results">
        {results.map((r) => (
          <li key={r.family}>
            <strong>{FAMILY_NAME[r.family]}</strong>{' '}
            {r.answer ? (
              <>
                left on <span class="mono">{r.answer.interface ?? '—'}</span>
                {r.answer.gateway && (
                  <>
                    {' '}
                    via <span class="mono">{r.answer.gateway}</span>
                  </>
                )}{' '}
                {r.answer.via_vpn ? (
                  <Badge tone="bad" title={r.answer.summary}>
                    via VPN
                  </Badge>
                ) : (
                  <Badge tone="ok" title={r.answer.summary}>
                    outside the VPN
                  </Badge>
                )}
                <span class="small muted block">{r.answer.summary}</span>
              </>
            ) : (
              <span class="error">{r.error ? errorLine(r.error) : ''}</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

type FlushState =
  | { step: 'idle' }
  | { step: 'previewing' }
  | { step: 'preview'; report: FlushReport }
  | { step: 'flushing'; report: FlushReport }
  | { step: 'done'; report: FlushReport }
  | { step: 'error'; error: AppError };

/** "Clean residual routes": the preview first, then only on confirmation. */
export function Flush({ mayChange, changeRequires }: { mayChange: boolean; changeRequires: string | null }) {
  const [state, setState] = useState<FlushState>({ step: 'idle' });

  async function preview() {
    setState({ step: 'previewing' });
    try {
      setState({ step: 'preview', report: await api.flush(true) });
    } catch (e) {
      setState({ step: 'error', error: toAppError(e) });
    }
  }

  async function confirm(report: FlushReport) {
    setState({ step: 'flushing', report });
    try {
      setState({ step: 'done', report: await api.flush(false) });
    } catch (e) {
      setState({ step: 'error', error: toAppError(e) });
    }
  }

  const busy = state.step === 'previewing' || state.step === 'flushing';
  return (
    <section class="card" aria-labelledby="flush-heading">
      <header class="card-head">
        <h2 id="flush-heading">Residual routes</h2>
        <button type="button" class="btn" onClick={preview} disabled={busy} data-testid="flush-preview">
          Clean residual routes…
        </button>
      </header>
      <div aria-live="polite" data-testid="flush-state">
        {state.step === 'previewing' && <p class="small muted">Looking for routes Egress left behind…</p>}
        {(state.step === 'preview' || state.step === 'flushing') &&
          (state.report.routes.length === 0 ? (
            <p class="small">Nothing to clean: no residual routes of Egress's.</p>
          ) : (
            <div class="confirm" role="group" aria-labelledby="flush-confirm-text">
              <p id="flush-confirm-text" class="small">
                These {plural(state.report.routes.length, 'route')} would be removed:
              </p>
              <ul class="route-lines">
                {state.report.routes.map((r) => (
                  <li key={r} class="mono small">
                    {r}
                  </li>
                ))}
              </ul>
              {!mayChange && (
                <p class="blocked small">
                  Read-only: {changeRequires ?? 'this user may not remove routes.'}
                </p>
              )}
              <div class="buttons">
                <button type="button" class="btn" onClick={() => setState({ step: 'idle' })} disabled={busy}>
                  Cancel
                </button>
                <button
                  type="button"
                  class="btn danger"
                  onClick={() => confirm(state.report)}
                  disabled={busy || !mayChange}
                  data-testid="flush-confirm"
                >
                  {state.step === 'flushing' ? 'Removing…' : `Remove ${plural(state.report.routes.length, 'route')}`}
                </button>
              </div>
            </div>
          ))}
        {state.step === 'done' && (
          <p class="small" role="status">
            Removed {plural(state.report.routes.length, 'residual route')}.
          </p>
        )}
        {state.step === 'error' && (
          <p class="error small" role="alert">
            {errorLine(state.error)}
          </p>
        )}
      </div>
    </section>
  );
}

/** The simulated Mac's controls (sim backend only). */
export function Simulate({ events, mayChange }: { events: SimEvent[]; mayChange: boolean }) {
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<AppError | null>(null);
  const chosen = name || events[0]?.name || '';
  const description = events.find((e) => e.name === chosen)?.description;

  async function run() {
    setBusy(true);
    setError(null);
    try {
      await api.sim({ action: 'event', name: chosen });
    } catch (e) {
      setError(toAppError(e));
    }
    setBusy(false);
  }

  return (
    <section class="card" aria-labelledby="sim-heading">
      <header class="card-head">
        <h2 id="sim-heading">Simulate</h2>
      </header>
      <div class="row">
        <label class="sr-only" for="sim-event">
          Scenario event
        </label>
        <select id="sim-event" value={chosen} onChange={(e) => setName((e.target as HTMLSelectElement).value)}>
          {events.map((e) => (
            <option key={e.name} value={e.name}>
              {e.name}
            </option>
          ))}
        </select>
        <button type="button" class="btn" onClick={run} disabled={busy || !mayChange || !chosen}>
          Run
        </button>
      </div>
      {description && <p class="small muted">{description}</p>}
      {error && (
        <p class="error small" role="alert">
          {errorLine(error)}
        </p>
      )}
    </section>
  );
}
