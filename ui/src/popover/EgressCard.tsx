import type { Family, FamilyStatus, InterfaceRate } from '../api';
import { Badge } from '../components/ProblemPanel';
import { absoluteTime, formatRate, kindLabel, pinBadge, rateOf, relativeTime } from '../lib/format';

const FAMILY_NAME: Record<Family, string> = { v4: 'IPv4', v6: 'IPv6' };

/** Where one family leaves the machine, and how its pin stands. */
export function EgressCard({
  family,
  status,
  rates,
  now,
}: {
  family: Family;
  status: FamilyStatus;
  rates: InterfaceRate[];
  now: number;
}) {
  const egress = status.egress;
  const badge = pinBadge(status.pin);
  const rate = rateOf(rates, egress?.interface);
  const headingId = `egress-${family}`;
  return (
    <article class="card egress-card" aria-labelledby={headingId} data-family={family}>
      <header class="card-head">
        <h3 id={headingId}>{FAMILY_NAME[family]}</h3>
        <Badge tone={badge.tone} title={badge.title}>
          {badge.label}
        </Badge>
      </header>
      {egress ? (
        <>
          <p class="egress-main">
            <strong class="iface" data-testid={`iface-${family}`}>
              {egress.interface}
            </strong>{' '}
            <span class="kind">{kindLabel(egress.kind)}</span>
            <span class="via">
              {' '}
              via <span class="mono" data-testid={`gateway-${family}`}>{egress.gateway}</span>
            </span>
          </p>
          <dl class="facts">
            <dt>Address</dt>
            <dd class="mono">{egress.local_addresses.join(', ') || '—'}</dd>
            <dt>Since</dt>
            <dd title={status.since ? absoluteTime(status.since) : undefined}>
              {status.since ? relativeTime(status.since, now) : '—'}
            </dd>
            <dt>Traffic</dt>
            <dd class="rate" aria-label={rate ? `received ${formatRate(rate.rxBytesPerSec)}, sent ${formatRate(rate.txBytesPerSec)}` : 'no traffic figures'}>
              {rate ? (
                <>
                  <span aria-hidden="true">↓</span> {formatRate(rate.rxBytesPerSec)}{' '}
                  <span aria-hidden="true">↑</span> {formatRate(rate.txBytesPerSec)}
                </>
              ) : (
                '—'
              )}
            </dd>
          </dl>
        </>
      ) : (
        <p class="egress-none">No physical egress.</p>
      )}
      <p class="reason">{status.reason}</p>
      {(status.pin.state === 'stale' || status.pin.state === 'failed') && (
        <p class={`pin-detail tone-${badge.tone}`} role="status">
          {status.pin.detail}
        </p>
      )}
    </article>
  );
}

/** The VPN side of the meter: tunnel interfaces' rates, to compare with the egress card. */
export function TunnelRates({ rates, tunnels }: { rates: InterfaceRate[]; tunnels: string[] }) {
  const shown = rates.filter((r) => tunnels.includes(r.name));
  if (shown.length === 0) return null;
  return (
    <p class="tunnel-rates" aria-label="Traffic through VPN interfaces">
      {shown.map((r) => (
        <span key={r.name} class="tunnel-rate">
          <Badge tone="vpn">VPN</Badge> <span class="mono">{r.name}</span> ↓ {formatRate(r.rxBytesPerSec)} ↑{' '}
          {formatRate(r.txBytesPerSec)}
        </span>
      ))}
    </p>
  );
}
