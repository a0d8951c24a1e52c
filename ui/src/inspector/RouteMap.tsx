import { useMemo } from 'preact/hooks';

import type { RouteRow, Status } from '../api';
import { plural } from '../lib/format';
import { CHIP_HEIGHT, layoutRouteMap, moreX, type MapChip, type MapLane } from '../lib/routemap';

const WIDTH = 1040;

function chipClass(chip: MapChip): string {
  return ['chip', `fam-${chip.family}`, ...chip.marks.map((m) => `mark-${m}`)].join(' ');
}

function Lane({ lane, labelWidth, width }: { lane: MapLane; labelWidth: number; width: number }) {
  const more = moreX(lane, labelWidth);
  return (
    <g class={`lane role-${lane.role}`} data-lane={lane.name} role="listitem" aria-label={`${lane.caption}: ${lane.total} routes`}>
      <rect class="lane-bg" x={4} y={lane.y} width={width - 8} height={lane.height} rx={8} />
      <text class="lane-name" x={16} y={lane.y + 22}>
        {lane.name}
      </text>
      <text class="lane-caption" x={16} y={lane.y + 38}>
        {lane.caption.split(' · ').slice(1).join(' · ') || plural(lane.total, 'route')}
      </text>
      <line class="lane-rule" x1={labelWidth} y1={lane.y + 8} x2={labelWidth} y2={lane.y + lane.height - 8} />
      {lane.chips.map((c, i) => (
        <g key={i} class={chipClass(c)} data-prefix={c.prefix}>
          <title>{c.title}</title>
          <rect x={c.x} y={c.y} width={c.width} height={CHIP_HEIGHT} rx={CHIP_HEIGHT / 2} />
          {c.marks.includes('pinned') && (
            <circle class="pin" cx={c.x + c.width - 3} cy={c.y + 3} r={4.5}>
              <title>pinned scoped default</title>
            </circle>
          )}
          <text x={c.x + c.width / 2} y={c.y + CHIP_HEIGHT / 2 + 4} text-anchor="middle">
            {c.text}
          </text>
        </g>
      ))}
      {lane.hidden > 0 && (
        <text class="more" x={more.x + 4} y={more.y + CHIP_HEIGHT / 2 + 4}>
          +{lane.hidden} more
        </text>
      )}
    </g>
  );
}

/** The route map: interfaces as lanes, the prefixes each carries, pins and the VPN's split defaults marked. */
export function RouteMap({ rows, status, showCloned }: { rows: RouteRow[]; status: Status | null; showCloned: boolean }) {
  const layout = useMemo(() => layoutRouteMap(rows, status, { width: WIDTH, showCloned }), [rows, status, showCloned]);
  const vpn = layout.lanes.filter((l) => l.role === 'vpn').map((l) => l.name);
  const egress = layout.lanes.filter((l) => l.role === 'egress').map((l) => l.name);
  const description =
    `${layout.lanes.length} interfaces. Physical egress: ${egress.join(', ') || 'none'}.` +
    (vpn.length ? ` VPN carrying the default: ${vpn.join(', ')}.` : ' No VPN carries the default.');
  return (
    <figure class="route-map" data-testid="route-map">
      <ul class="map-legend small" aria-label="Route map legend">
        <li><span class="key key-pinned" aria-hidden="true"><span class="key-dot" /></span> pinned scoped default</li>
        <li><span class="key key-split" aria-hidden="true" /> VPN split default (0/1, 128.0/1, ::/1, 8000::/1)</li>
        <li><span class="key key-default" aria-hidden="true" /> unscoped default</li>
        <li><span class="key key-scoped" aria-hidden="true" /> interface-scoped (I)</li>
        <li><span class="key key-ours" aria-hidden="true" /> installed by Egress</li>
        <li><span class="key key-v6" aria-hidden="true" /> IPv6</li>
      </ul>
      <svg
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width="100%"
        role="img"
        aria-labelledby="map-title map-desc"
        data-testid="route-map-svg"
      >
        <title id="map-title">Route map</title>
        <desc id="map-desc">{description}</desc>
        <g role="list">
          {layout.lanes.map((lane) => (
            <Lane key={lane.name} lane={lane} labelWidth={layout.labelWidth} width={layout.width} />
          ))}
        </g>
      </svg>
      <figcaption class="small muted">{description} Hover a prefix for its route.</figcaption>
    </figure>
  );
}
