import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import * as api from '../api';
import type { AppError, Connection, Setup, SetupAction } from '../api';
import { errorLine, sentence, toAppError, type Platform } from '../lib/errors';
import { setupView, type SetupButton } from '../lib/setup';

/** The helper's setup, re-read whenever the connection changes. */
export function useSetup(connection: Connection | null): {
  setup: Setup | null;
  setSetup: (s: Setup) => void;
} {
  const [setup, setSetup] = useState<Setup | null>(null);
  const key = connection ? `${connection.state}|${connection.helper ?? ''}|${connection.message ?? ''}` : null;
  useEffect(() => {
    if (key === null) return undefined;
    let alive = true;
    api.helperSetup().then(
      // A notice (what the last action did) stays while the state it led to holds.
      (s) => alive && setSetup((old) => (old?.notice && !s.notice && old.state === s.state ? { ...s, notice: old.notice } : s)),
      () => alive && setSetup(null),
    );
    return () => {
      alive = false;
    };
  }, [key]);
  return { setup, setSetup };
}

/**
 * The helper's availability as a state with its actions: not installed,
 * waiting for approval, its program missing, not running, permission
 * denied, incompatible, an update available. Nothing when all is well.
 */
export function HelperSetup({
  setup,
  platform,
  onChanged,
  compact = false,
}: {
  setup: Setup;
  platform: Platform;
  onChanged: (s: Setup) => void;
  compact?: boolean;
}) {
  const view = setupView(setup, platform);
  const { busy, error, confirming, press, cancel } = useActions(onChanged);
  if (!view) return setup.notice ? <Notice text={setup.notice} /> : null;
  return (
    <section
      class={`problem setup setup-${view.tone}${compact ? ' compact' : ''}`}
      role={view.tone === 'info' ? 'status' : 'alert'}
      aria-labelledby="setup-title"
      aria-busy={busy !== null}
      data-setup={view.kind}
    >
      <h2 id="setup-title">{view.title}</h2>
      <p class="problem-message">{view.body}</p>
      {view.versions && (
        <dl class="versions" aria-label="Versions">
          <dt>This app</dt>
          <dd class="mono" data-testid="app-version">
            {view.versions.app}
          </dd>
          <dt>Running helper</dt>
          <dd class="mono" data-testid="helper-version">
            {view.versions.helper}
          </dd>
        </dl>
      )}
      {setup.message && view.kind !== 'update_available' && (
        <p class="small muted" data-testid="setup-detail">
          {sentence(setup.message)}
        </p>
      )}
      {view.commands.length > 0 && (
        <ul class="commands" aria-label="Commands to run in a terminal">
          {view.commands.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
      )}
      {view.after && <p class="problem-action">{view.after}</p>}
      <Buttons buttons={view.buttons} busy={busy} confirming={confirming} press={press} cancel={cancel} />
      {error && (
        <p class="error small" role="alert" data-testid="setup-error">
          {errorLine(error)}
        </p>
      )}
      {setup.notice && <Notice text={setup.notice} />}
    </section>
  );
}

/** "Remove helper…" (asked first) while the helper is fine; for the footer. */
export function HelperManage({
  setup,
  onChanged,
}: {
  setup: Setup;
  onChanged: (s: Setup) => void;
}) {
  const { busy, error, confirming, press, cancel } = useActions(onChanged);
  const remove: SetupButton = {
    action: 'unregister',
    label: 'Remove helper…',
    confirm:
      'Remove the helper? It stops and removes every route it installed; Egress cannot show or change routing until you install it again.',
    primary: false,
  };
  if (setup.state !== 'ok' || !setup.actions.includes('unregister')) return null;
  return (
    <div class="helper-manage" data-testid="helper-manage">
      <Buttons buttons={[remove]} busy={busy} confirming={confirming} press={press} cancel={cancel} />
      {error && (
        <p class="error small" role="alert">
          {errorLine(error)}
        </p>
      )}
    </div>
  );
}

function Notice({ text }: { text: string }) {
  return (
    <p class="notice small" role="status" data-testid="setup-notice">
      {text}
    </p>
  );
}

/** Running an action: one at a time, the confirmation first when it has one. */
function useActions(onChanged: (s: Setup) => void) {
  const [busy, setBusy] = useState<SetupAction | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [confirming, setConfirming] = useState<SetupButton | null>(null);
  const running = useRef(false);
  const run = useCallback(
    async (action: SetupAction) => {
      if (running.current) return;
      running.current = true;
      setBusy(action);
      setError(null);
      setConfirming(null);
      try {
        onChanged(await api.setupAction(action));
      } catch (e) {
        setError(toAppError(e));
      } finally {
        running.current = false;
        setBusy(null);
      }
    },
    [onChanged],
  );
  const press = useCallback(
    (b: SetupButton) => {
      if (b.confirm) setConfirming(b);
      else void run(b.action);
    },
    [run],
  );
  const cancel = useCallback(() => setConfirming(null), []);
  return { busy, error, confirming, press, cancel, run };
}

function Buttons({
  buttons,
  busy,
  confirming,
  press,
  cancel,
}: {
  buttons: SetupButton[];
  busy: SetupAction | null;
  confirming: SetupButton | null;
  press: (b: SetupButton) => void;
  cancel: () => void;
}) {
  if (confirming) {
    return (
      <div class="confirm" role="group" aria-labelledby="confirm-text">
        <p id="confirm-text">{confirming.confirm}</p>
        <div class="buttons">
          <button
            type="button"
            class="btn danger"
            data-testid="confirm-yes"
            // Focus moves here so Enter confirms and Escape cancels.
            ref={(el) => el?.focus()}
            onClick={() => press({ ...confirming, confirm: null })}
            onKeyDown={(e) => e.key === 'Escape' && cancel()}
          >
            Remove
          </button>
          <button type="button" class="btn" data-testid="confirm-no" onClick={cancel}>
            Cancel
          </button>
        </div>
      </div>
    );
  }
  if (buttons.length === 0) return null;
  return (
    <div class="buttons">
      {buttons.map((b) => (
        <button
          key={b.action}
          type="button"
          class={b.primary ? 'btn primary' : 'btn'}
          data-action={b.action}
          disabled={busy !== null}
          aria-busy={busy === b.action}
          onClick={() => press(b)}
        >
          {busy === b.action ? `${b.label.replace('…', '')}…` : b.label}
        </button>
      ))}
    </div>
  );
}
