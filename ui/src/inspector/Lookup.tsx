import { useState } from 'preact/hooks';

import * as api from '../api';
import type { AppError, LookupAnswer } from '../api';
import { Badge } from '../components/ProblemPanel';
import { errorLine, toAppError } from '../lib/errors';
import { kindLabel } from '../lib/format';

/** Whether text looks like an IPv4 or IPv6 address (the helper has the last word). */
export function looksLikeAddress(text: string): boolean {
  const t = text.trim();
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(t)) return t.split('.').every((o) => Number(o) <= 255);
  return /^[0-9a-f:.]+(%[\w.]+)?$/i.test(t) && t.includes(':');
}

/** "Which interface would X use?", unscoped or as a socket bound to an interface. */
export function Lookup({ interfaces }: { interfaces: string[] }) {
  const [destination, setDestination] = useState('');
  const [scopedTo, setScopedTo] = useState('');
  const [busy, setBusy] = useState(false);
  const [answer, setAnswer] = useState<LookupAnswer | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  async function ask(e: Event) {
    e.preventDefault();
    const dest = destination.trim();
    if (!looksLikeAddress(dest)) {
      setAnswer(null);
      setError({ code: 'invalid_argument', message: `“${dest}” is not an IPv4 or IPv6 address.` });
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setAnswer(await api.lookup(dest, scopedTo || undefined));
    } catch (err) {
      setAnswer(null);
      setError(toAppError(err));
    }
    setBusy(false);
  }

  return (
    <section class="lookup" aria-labelledby="lookup-heading">
      <form class="row" onSubmit={ask}>
        <h2 id="lookup-heading" class="inline-heading">
          Which interface would
        </h2>
        <label class="sr-only" for="lookup-dest">
          Destination address
        </label>
        <input
          id="lookup-dest"
          class="mono"
          type="text"
          inputMode="url"
          spellcheck={false}
          autoComplete="off"
          placeholder="203.0.113.9 or 2001:db8::1"
          value={destination}
          data-testid="lookup-dest"
          onInput={(e) => setDestination((e.target as HTMLInputElement).value)}
        />
        <span>use,</span>
        <label for="lookup-scope">scoped to</label>
        <select
          id="lookup-scope"
          value={scopedTo}
          data-testid="lookup-scope"
          onChange={(e) => setScopedTo((e.target as HTMLSelectElement).value)}
        >
          <option value="">no interface (unbound)</option>
          {interfaces.map((i) => (
            <option key={i} value={i}>
              {i}
            </option>
          ))}
        </select>
        <button type="submit" class="btn primary" disabled={busy || !destination.trim()} data-testid="lookup-go">
          {busy ? 'Looking…' : 'Look up'}
        </button>
      </form>
      <div aria-live="polite" data-testid="lookup-answer">
        {answer && (
          <div class="answer">
            <p>
              {answer.interface ? (
                <>
                  <strong class="mono">{answer.interface}</strong> ({kindLabel(answer.interface_kind)})
                  {answer.gateway && (
                    <>
                      {' '}
                      via <span class="mono">{answer.gateway}</span>
                    </>
                  )}{' '}
                  {answer.via_vpn ? (
                    <Badge tone="vpn">via VPN</Badge>
                  ) : (
                    <Badge tone="ok">outside the VPN</Badge>
                  )}
                  {answer.route && (
                    <>
                      {' '}
                      · route <span class="mono">{answer.route.destination}</span>{' '}
                      <span class="mono muted">{answer.route.flags}</span>
                      {answer.route.scope && <span class="muted"> (scoped to {answer.route.scope})</span>}
                    </>
                  )}
                </>
              ) : (
                <strong>Unreachable: no route.</strong>
              )}
            </p>
            <p class="small muted">{answer.summary}</p>
          </div>
        )}
        {error && (
          <p class="error small" role="alert">
            {errorLine(error)}
          </p>
        )}
      </div>
    </section>
  );
}
