// The Route Inspector in a real browser, the IPC mocked with the sim's data.

import assert from 'node:assert/strict';

import { artifactPath, callsOf, emit, hasText, open, until, vpnFixtures } from './harness.mjs';

const rowsShown = (p) => p.locator('[data-testid="route-table"] tbody tr');
const column = (p, n) =>
  p.$$eval(`[data-testid="route-table"] tbody tr td:nth-child(${n})`, (tds) => tds.map((td) => td.textContent));

export function inspectorTests(ctx) {
  const openInspector = (mock = vpnFixtures(), opts) => open(ctx.browser, ctx.base, 'inspector.html', mock, opts);

  return [
    [
      'inspector: the whole table, cloned rows hidden by default and shown in one click',
      async () => {
        const mock = vpnFixtures();
        const rows = mock.fixtures.routes;
        const cloned = rows.filter((r) => r.cloned).length;
        const p = await openInspector(mock);
        await hasText(p.locator('[data-testid="route-total"]'), `${rows.length} routes · ${cloned} cloned`);
        await until('rows', async () => (await rowsShown(p).count()) === rows.length - cloned);
        await hasText(p.locator('[data-testid="table-count"]'), `Showing ${rows.length - cloned} routes`);
        assert.deepEqual((await callsOf(p, 'routes'))[0].args, {});
        await p.locator('[data-testid="toggle-cloned"]').click();
        await until('cloned rows shown', async () => (await rowsShown(p).count()) === rows.length);
        assert.equal(await p.locator('[data-testid="toggle-cloned"]').getAttribute('aria-pressed'), 'true');
        // Dump order, as the helper gave it (the VPN's 0/1 sorts before default: more specific first).
        assert.deepEqual(await column(p, 2), rows.map((r) => r.destination));
        assert.equal((await column(p, 2))[0], '0/1');
        assert.deepEqual(p.errors, []);
        await p.done();
      },
    ],
    [
      'inspector: sorting by column (aria-sort follows)',
      async () => {
        const p = await openInspector();
        await until('rows', async () => (await rowsShown(p).count()) > 10);
        const th = p.locator('th', { has: p.locator('[data-testid="sort-netif"]') });
        await p.locator('[data-testid="sort-netif"]').click();
        assert.equal(await th.getAttribute('aria-sort'), 'ascending');
        let netifs = await column(p, 5);
        assert.deepEqual(netifs, [...netifs].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })));
        await p.locator('[data-testid="sort-netif"]').click();
        assert.equal(await th.getAttribute('aria-sort'), 'descending');
        netifs = await column(p, 5);
        assert.equal(netifs[0], 'utun4');
        await p.locator('[data-testid="sort-destination"]').press('Enter');
        const dests = await column(p, 2);
        assert.equal(dests[0], 'default', 'IPv4 default sorts first');
        assert.ok(dests.indexOf('0/1') < dests.indexOf('127'), '0/1 before 127');
        assert.ok(dests.indexOf('127') < dests.indexOf('128.0/1'), '127 before 128.0/1');
        await p.done();
      },
    ],
    [
      'inspector: filters (family, scoped, ours, interface go to the helper; text filters here)',
      async () => {
        const mock = vpnFixtures();
        const p = await openInspector(mock);
        await until('rows', async () => (await rowsShown(p).count()) > 10);
        await p.locator('[data-testid="filter-family"]').selectOption('v6');
        await until('a v6 routes call', async () =>
          (await callsOf(p, 'routes')).some((c) => JSON.stringify(c.args) === JSON.stringify({ filter: { family: 'v6' } })),
        );
        const v6 = mock.fixtures.routes.filter((r) => r.family === 'v6' && !r.cloned).length;
        await until('only v6 rows', async () => (await rowsShown(p).count()) === v6);
        assert.ok((await column(p, 1)).every((f) => f === '6'));
        await p.locator('[data-testid="filter-scoped"]').check();
        await p.locator('[data-testid="filter-iface"]').selectOption('utun4');
        await until('family+scoped+interface call', async () =>
          (await callsOf(p, 'routes')).some(
            (c) => JSON.stringify(c.args) === JSON.stringify({ filter: { family: 'v6', scoped: true, interface: 'utun4' } }),
          ),
        );
        await until('one row: fe80::%utun4/64', async () => (await rowsShown(p).count()) === 1);
        assert.deepEqual(await column(p, 2), ['fe80::%utun4/64']);
        // Back to everything, then the free text (client side: no new call).
        await p.locator('[data-testid="filter-scoped"]').uncheck();
        await p.locator('[data-testid="filter-iface"]').selectOption('');
        await p.locator('[data-testid="filter-family"]').selectOption('all');
        await until('all rows back', async () => (await rowsShown(p).count()) > 50);
        const calls = (await callsOf(p, 'routes')).length;
        await p.locator('[data-testid="filter-text"]').fill('utun4');
        await until('text filter', async () => (await rowsShown(p).count()) === mock.fixtures.routes.filter((r) => !r.cloned && JSON.stringify(r).includes('utun4')).length);
        assert.equal((await callsOf(p, 'routes')).length, calls, 'text filtering calls nothing');
        await p.locator('[data-testid="filter-text"]').fill('');
        await p.locator('[data-testid="filter-ours"]').check();
        await until('ours call', async () => (await callsOf(p, 'routes')).some((c) => JSON.stringify(c.args) === '{"filter":{"ours":true}}'));
        await until('no rows of ours (advanced mode, pins reused)', async () => (await rowsShown(p).count()) === 0);
        await p.done();
      },
    ],
    [
      'inspector: flag letters explained on hover and in the legend',
      async () => {
        const p = await openInspector();
        await until('rows', async () => (await rowsShown(p).count()) > 10);
        // en0's scoped IPv4 default.
        const cell = p.locator('[data-testid="route-table"] tbody td.flags', { hasText: /^UGScIg$/ }).first();
        const title = await cell.getAttribute('title');
        for (const words of ['U  route usable', 'G  destination requires forwarding', 'I  route is associated with an interface scope', 'g  route to a destination of the global internet', 'c  protocol-specified generate new routes on use']) {
          assert.ok(title.includes(words), `${words} in ${title}`);
        }
        await p.locator('details.legend summary').click();
        await hasText(p.locator('[data-testid="flag-legend"]'), 'route generated through cloning');
        await p.done();
      },
    ],
    [
      'inspector: "which interface would X use?" unscoped (via VPN) and scoped to en0 (outside it)',
      async () => {
        const p = await openInspector();
        await until('rows', async () => (await rowsShown(p).count()) > 10);
        await p.locator('[data-testid="lookup-dest"]').fill('203.0.113.9');
        await p.locator('[data-testid="lookup-dest"]').press('Enter');
        const answer = p.locator('[data-testid="lookup-answer"]');
        await hasText(answer, 'utun4');
        await hasText(answer, 'via VPN');
        await hasText(answer, '128.0/1');
        await p.locator('[data-testid="lookup-scope"]').selectOption('en0');
        await p.locator('[data-testid="lookup-go"]').click();
        await hasText(answer, 'outside the VPN');
        await hasText(answer, '192.0.2.1');
        assert.deepEqual((await callsOf(p, 'lookup')).map((c) => c.args), [
          { destination: '203.0.113.9' },
          { destination: '203.0.113.9', scopedTo: 'en0' },
        ]);
        await p.locator('[data-testid="lookup-dest"]').fill('not-an-address');
        await p.locator('[data-testid="lookup-go"]').click();
        await hasText(answer, 'not an IPv4 or IPv6 address');
        assert.equal((await callsOf(p, 'lookup')).length, 2);
        await p.done();
      },
    ],
    [
      'inspector: the route map (lanes, pinned default on en0, split defaults on the VPN lane)',
      async () => {
        const p = await openInspector();
        await p.locator('[data-testid="tab-table"]').focus();
        await p.keyboard.press('ArrowRight');
        assert.equal(await p.locator('[data-testid="tab-map"]').getAttribute('aria-selected'), 'true');
        const svg = p.locator('[data-testid="route-map-svg"]');
        await until('lanes', async () => (await svg.locator('[data-lane]').count()) > 5);
        const lanes = await svg.locator('[data-lane]').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-lane')));
        assert.equal(lanes[0], 'en0', 'the egress lane comes first');
        assert.equal(lanes[1], 'utun4', 'then the VPN');
        assert.equal(lanes[lanes.length - 1], 'lo0');
        const vpn = svg.locator('[data-lane="utun4"]');
        assert.match(await vpn.getAttribute('class'), /role-vpn/);
        for (const prefix of ['0/1', '128.0/1', '::/1', '8000::/1']) {
          assert.match(await vpn.locator(`[data-prefix="${prefix}"]`).getAttribute('class'), /mark-split/, prefix);
        }
        const pinned = svg.locator('[data-lane="en0"] .mark-pinned');
        assert.equal(await pinned.count(), 2, 'one pinned scoped default per family');
        await hasText(p.locator('[data-testid="route-map"] figcaption'), 'VPN carrying the default: utun4');
        await p.done();
      },
    ],
    [
      'inspector: export as JSON / CSV / netstat text: the app saves the file and the page says where',
      async () => {
        const p = await openInspector();
        await until('rows', async () => (await rowsShown(p).count()) > 10);
        for (const [format, file] of [['json', 'egress-routes.json'], ['csv', 'egress-routes.csv'], ['netstat', 'egress-routes.txt']]) {
          await p.locator(`[data-testid="export-${format}"]`).click();
          await hasText(p.locator('[data-testid="export-saved"]'), `/home/user/Downloads/${file}`);
        }
        await hasText(p.locator('[data-testid="export-saved"]'), 'Saved');
        assert.deepEqual((await callsOf(p, 'export_table')).map((c) => c.args), [{ format: 'json' }, { format: 'csv' }, { format: 'netstat' }]);
        await p.done();
      },
    ],
    [
      'inspector: routes_changed re-reads the table; not_permitted is a clear state',
      async () => {
        const mock = vpnFixtures();
        const p = await openInspector(mock);
        await until('rows', async () => (await rowsShown(p).count()) > 10);
        await p.evaluate((rows) => (window.__mock.state.routes = rows), mock.fixtures.routesLegacy);
        await emit(p, 'helper-event', { event: 'routes_changed' });
        await hasText(p.locator('[data-testid="route-total"]'), `${mock.fixtures.routesLegacy.length} routes`);
        await hasText(p.locator('[data-testid="route-total"]'), '1 ours');
        await p.done();

        const denied = { ...mock, connection: { ...mock.connection, state: 'not_permitted', message: "permission denied on the helper's socket", helper: null, access: null } };
        const q = await openInspector(denied);
        await hasText(q.locator('[data-problem="not_permitted"]'), 'Permission denied');
        assert.equal((await callsOf(q, 'routes')).length, 0);
        await q.done();
      },
    ],
    [
      'inspector: screenshots of the table and the route map in light and dark',
      async () => {
        for (const scheme of ['light', 'dark']) {
          const p = await openInspector(vpnFixtures(), { colorScheme: scheme });
          await until('rows', async () => (await rowsShown(p).count()) > 10);
          await p.locator('[data-testid="lookup-dest"]').fill('203.0.113.9');
          await p.locator('[data-testid="lookup-go"]').click();
          await hasText(p.locator('[data-testid="lookup-answer"]'), 'utun4');
          await p.screenshot({ path: artifactPath(`inspector-${scheme}.png`) });
          await p.locator('[data-testid="tab-map"]').click();
          await until('lanes', async () => (await p.locator('[data-lane]').count()) > 5);
          await p.locator('[data-testid="route-map"]').screenshot({ path: artifactPath(`route-map-${scheme}.png`) });
          await p.screenshot({ path: artifactPath(`inspector-map-${scheme}.png`), fullPage: true });
          await p.done();
        }
      },
    ],
  ];
}
