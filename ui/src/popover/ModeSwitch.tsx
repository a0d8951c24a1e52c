import type { Connection, Mode, Status } from '../api';
import { fraction, isBusy, progressText, type SwitchState } from '../lib/progress';

export const MODE_EXPLANATIONS: Record<Mode, string> = {
  advanced: 'one scoped default per family pinned to the physical interface; VPN sockets bound to it',
  legacy: 'a host route per VPN peer via the physical gateway',
};

/** Why the switch cannot be used now, or null when it can. */
export function switchBlockedReason(
  status: Status | null,
  connection: Connection | null,
  state: SwitchState,
): string | null {
  if (!status || connection?.state !== 'connected') return 'Not connected to the helper.';
  if (isBusy(state)) return null; // busy is shown as progress, not as a reason
  if (!status.mode_switchable) return status.mode_note ?? 'The helper does not let the mode be switched.';
  if (connection.access !== 'change') {
    return connection.changeRequires
      ? `Read-only: ${connection.changeRequires}`
      : 'Read-only: this user may not change the mode.';
  }
  return null;
}

/** The legacy-routing switch, the two modes explained, and a switch's progress. */
export function ModeSwitch({
  status,
  connection,
  state,
  onToggle,
  onDismiss,
}: {
  status: Status | null;
  connection: Connection | null;
  state: SwitchState;
  onToggle: (to: Mode) => void;
  onDismiss: () => void;
}) {
  const mode = status?.mode ?? 'advanced';
  const busy = isBusy(state);
  const blocked = switchBlockedReason(status, connection, state);
  const disabled = busy || blocked !== null;
  const legacyOn =
    state.phase === 'switching' || state.phase === 'external' ? state.target === 'legacy' : mode === 'legacy';
  const frac = fraction(state);
  const text = progressText(state);
  return (
    <section class="card mode" aria-labelledby="mode-heading">
      <header class="card-head">
        <h2 id="mode-heading">Routing mode</h2>
        <label class="switch-label">
          <span id="legacy-label">Legacy routing</span>
          <button
            type="button"
            role="switch"
            class="switch"
            aria-checked={legacyOn}
            aria-labelledby="legacy-label"
            aria-describedby={blocked ? 'mode-blocked' : undefined}
            aria-busy={busy}
            disabled={disabled}
            data-testid="legacy-toggle"
            onClick={() => {
              if (!disabled) onToggle(mode === 'legacy' ? 'advanced' : 'legacy');
            }}
          >
            <span class="knob" aria-hidden="true" />
          </button>
        </label>
      </header>
      <ul class="modes">
        {(['advanced', 'legacy'] as const).map((m) => (
          <li key={m} class={m === mode ? 'current' : ''} aria-current={m === mode ? 'true' : undefined}>
            <span class="mode-name">{m === 'advanced' ? 'Advanced' : 'Legacy'}</span>
            <span class="mode-why">{MODE_EXPLANATIONS[m]}</span>
          </li>
        ))}
      </ul>
      {status?.mode === 'legacy' && (
        <p class="muted small">
          {status.exclusions.toLocaleString('en-US')} excluded prefixes,{' '}
          {status.held_exclusion_routes.toLocaleString('en-US')} host routes held
        </p>
      )}
      {blocked && (
        <p id="mode-blocked" class="blocked small" data-testid="mode-blocked">
          {blocked}
        </p>
      )}
      <div class="progress-area" aria-live="polite" data-testid="mode-progress">
        {busy && (
          <>
            <div
              class="progress"
              role="progressbar"
              aria-label="Mode switch progress"
              aria-valuemin={0}
              aria-valuemax={(state.phase === 'switching' || state.phase === 'external') && state.total !== null ? state.total : undefined}
              aria-valuenow={state.phase === 'switching' || state.phase === 'external' ? state.done : undefined}
              aria-valuetext={text}
            >
              <div class={`bar${frac === null ? ' indeterminate' : ''}`} style={{ width: `${Math.round((frac ?? 0.3) * 100)}%` }} />
            </div>
            <p class="small">{text}</p>
          </>
        )}
        {state.phase === 'failed' && (
          <p class="error small" role="alert">
            {text}{' '}
            <button type="button" class="link" onClick={onDismiss}>
              Dismiss
            </button>
          </p>
        )}
      </div>
    </section>
  );
}
