// The popover in a real browser, the IPC mocked with the sim's data.

import assert from 'node:assert/strict';

import { artifactPath, callsOf, emit, hasText, open, plainFixtures, until, vpnFixtures } from './harness.mjs';

export function popoverTests(ctx) {
  const openPopover = (mock = vpnFixtures(), opts) => open(ctx.browser, ctx.base, 'index.html', mock, opts);

  return [
    [
      'popover: renders the simulated Mac (en0 Wi-Fi egress via 192.0.2.1, pins, scoped routes, timeline)',
      async () => {
        const mock = vpnFixtures();
        const p = await openPopover(mock);
        const v4 = p.locator('[data-family="v4"]');
        await hasText(v4, 'en0');
        await hasText(v4, 'Wi-Fi');
        await hasText(v4, '192.0.2.1');
        await hasText(v4, '192.0.2.23');
        await hasText(v4, 'reused');
        await hasText(p.locator('[data-family="v6"]'), 'fe80::1%en0');
        await hasText(p.locator('[data-testid="mode-pill"]'), 'Advanced');
        // Scoped routes: the fixture's interface-scoped rows without the cloned ones.
        const scoped = mock.fixtures.routes.filter((r) => r.scope !== null && !r.cloned).length;
        await hasText(p.locator('[data-testid="scoped-count"]'), `${scoped} routes, 0 ours`);
        assert.deepEqual((await callsOf(p, 'routes'))[0].args, { filter: { scoped: true } });
        // Timeline, newest first, and the re-pin count.
        const tl = p.locator('ol.timeline li');
        await hasText(tl.first(), 'simulated vpn-up');
        assert.equal(await tl.count(), mock.fixtures.status.timeline.length);
        await hasText(p.locator('[data-testid="repins"]'), '0 re-pins in the last 10 min');
        // Live throughput, polled every 2 s; the VPN's rate next to it.
        await hasText(v4, '1.28 MB/s');
        await hasText(p.locator('.tunnel-rates'), 'utun4');
        await until('a second throughput poll', async () => (await callsOf(p, 'throughput')).length >= 2, 4000);
        // Sim controls on the sim backend.
        await hasText(p.locator('#sim-heading'), 'Simulate');
        assert.deepEqual(p.errors, []);
        await p.done();
      },
    ],
    [
      'popover: the legacy toggle calls set_mode {mode:"legacy"}, shows progress, cannot be double-clicked',
      async () => {
        const p = await openPopover();
        const toggle = p.locator('[data-testid="legacy-toggle"]');
        await until('the toggle is enabled', () => toggle.isEnabled());
        assert.equal(await toggle.getAttribute('aria-checked'), 'false');
        await p.evaluate(() => window.__mock.hold('set_mode'));
        await toggle.dblclick();
        await until('set_mode is in flight', async () => (await callsOf(p, 'set_mode')).length === 1);
        assert.deepEqual((await callsOf(p, 'set_mode')).map((c) => c.args), [{ mode: 'legacy' }]);
        await until('the toggle is disabled while switching', async () => !(await toggle.isEnabled()));
        await toggle.click({ force: true });
        await emit(p, 'mode-progress', { done: 2500, total: 10000 });
        const progress = p.locator('[data-testid="mode-progress"]');
        await hasText(progress, '2,500 of 10,000');
        assert.equal(await p.locator('[role="progressbar"]').getAttribute('aria-valuenow'), '2500');
        await emit(p, 'mode-progress', { done: 1000, total: 10000 }); // late and out of order: ignored
        await emit(p, 'mode-progress', { done: 7500, total: 10000 });
        await hasText(progress, '7,500 of 10,000');
        await p.screenshot({ path: artifactPath('popover-switching-light.png'), fullPage: true });
        assert.equal((await callsOf(p, 'set_mode')).length, 1, 'a second click started a second switch');
        await p.evaluate(() => window.__mock.release('set_mode'));
        await hasText(p.locator('[data-testid="mode-pill"]'), 'Legacy');
        await until('the toggle is enabled again', () => toggle.isEnabled());
        assert.equal(await toggle.getAttribute('aria-checked'), 'true');
        assert.equal(await p.locator('[role="progressbar"]').count(), 0);
        await p.done();
      },
    ],
    [
      'popover: a failed switch says why; keyboard Space toggles',
      async () => {
        const p = await openPopover();
        const toggle = p.locator('[data-testid="legacy-toggle"]');
        await until('the toggle is enabled', () => toggle.isEnabled());
        await p.evaluate(() =>
          window.__mock.reject('set_mode', { code: 'permission_denied', message: 'changing the mode needs membership of the admin group' }),
        );
        await toggle.focus();
        await p.keyboard.press('Space');
        await hasText(p.locator('[data-testid="mode-progress"]'), 'admin group');
        assert.equal((await callsOf(p, 'set_mode')).length, 1);
        await p.done();
      },
    ],
    [
      'popover: the switch is disabled with the reason (forced mode; read-only user)',
      async () => {
        const forced = vpnFixtures();
        forced.fixtures.status = { ...forced.fixtures.status, mode_switchable: false, mode_note: 'forced by EGRESS_USE_LEGACY_ROUTING=1' };
        let p = await openPopover(forced);
        await hasText(p.locator('[data-testid="mode-blocked"]'), 'EGRESS_USE_LEGACY_ROUTING');
        assert.equal(await p.locator('[data-testid="legacy-toggle"]').isDisabled(), true);
        await p.done();

        const reader = vpnFixtures();
        reader.connection = { ...reader.connection, access: 'read', changeRequires: 'membership of the egress group' };
        p = await openPopover(reader);
        await hasText(p.locator('[data-testid="mode-blocked"]'), 'membership of the egress group');
        assert.equal(await p.locator('[data-testid="legacy-toggle"]').isDisabled(), true);
        await p.done();
      },
    ],
    [
      'popover: Verify probes each family and says it left outside the VPN',
      async () => {
        const p = await openPopover();
        await p.getByRole('button', { name: 'Verify', exact: true }).click();
        const results = p.locator('[data-testid="verify-results"]');
        await hasText(results, 'IPv6');
        assert.deepEqual((await callsOf(p, 'verify')).map((c) => c.args), [{ family: 'v4' }, { family: 'v6' }]);
        await hasText(results, 'left on en0 via 192.0.2.1');
        await hasText(results, 'outside the VPN');
        await p.done();
      },
    ],
    [
      'popover: Clean residual routes previews (dryRun) and acts only after confirming',
      async () => {
        const p = await openPopover();
        await p.locator('[data-testid="flush-preview"]').click();
        const box = p.locator('[data-testid="flush-state"]');
        await hasText(box, '203.0.113.7/32');
        assert.deepEqual((await callsOf(p, 'flush')).map((c) => c.args), [{ dryRun: true }]);
        await p.getByRole('button', { name: 'Cancel' }).click();
        assert.equal((await callsOf(p, 'flush')).length, 1);
        await p.locator('[data-testid="flush-preview"]').click();
        await p.locator('[data-testid="flush-confirm"]').click();
        await hasText(box, 'Removed 1 residual route');
        assert.deepEqual((await callsOf(p, 'flush')).map((c) => c.args), [{ dryRun: true }, { dryRun: true }, { dryRun: false }]);
        await p.done();
      },
    ],
    [
      'popover: live events (status, timeline, routes_changed, lagged, connection)',
      async () => {
        const mock = vpnFixtures();
        const p = await openPopover(mock);
        await hasText(p.locator('[data-testid="mode-pill"]'), 'Advanced');
        await emit(p, 'helper-event', { event: 'status', status: mock.fixtures.statusLegacy });
        await hasText(p.locator('[data-testid="mode-pill"]'), 'Legacy');
        await emit(p, 'helper-event', { event: 'timeline', entry: { at: Math.floor(Date.now() / 1000), trigger: 'network changed', outcome: 're-pinned v4 to en7' } });
        await hasText(p.locator('ol.timeline li').first(), 're-pinned v4 to en7');
        const before = (await callsOf(p, 'routes')).length;
        await emit(p, 'helper-event', { event: 'routes_changed' });
        await until('routes re-read', async () => (await callsOf(p, 'routes')).length > before);
        // A burst of changes (a big mode switch) re-reads the routes once.
        await until('settled', async () => (await callsOf(p, 'routes')).length === before + 1);
        for (let i = 0; i < 20; i++) await emit(p, 'helper-event', { event: 'routes_changed' });
        await p.waitForTimeout(700);
        assert.equal((await callsOf(p, 'routes')).length, before + 2, 'twenty routes_changed, one re-read');
        const statuses = (await callsOf(p, 'status')).length;
        await emit(p, 'helper-event', { event: 'lagged', missed: 12 });
        await until('status re-read after lagged', async () => (await callsOf(p, 'status')).length > statuses);
        await emit(p, 'connection', { ...mock.connection, state: 'connecting', message: 'the helper went away' });
        await hasText(p.locator('[data-problem="reconnecting"]'), 'Reconnecting');
        await emit(p, 'connection', mock.connection);
        await until('the banner goes', async () => (await p.locator('[data-problem]').count()) === 0);
        await p.done();
      },
    ],
    [
      'popover: failures are states with an action (not running, permission denied, incompatible, disconnected)',
      async () => {
        const base = vpnFixtures();
        const states = [
          ['not_running', 'nothing is listening at /run/egress/helper.sock', 'not running', 'systemctl start egress-helper'],
          ['not_permitted', "permission denied on the helper's socket /run/egress/helper.sock", 'Permission denied', 'egress'],
          ['incompatible', 'the helper speaks protocol 2.0, this app 1.0', 'Incompatible helper version', 'protocol 2.0, this app 1.0'],
        ];
        for (const [state, message, title, action] of states) {
          const mock = { ...base, connection: { ...base.connection, state, message, helper: null, access: null, socket: '/run/egress/helper.sock' } };
          const p = await openPopover(mock);
          const panel = p.locator(`[data-problem="${state}"]`);
          await hasText(panel, title);
          await hasText(panel, message[0].toUpperCase() + message.slice(1) + '.');
          await hasText(panel, action);
          assert.equal((await callsOf(p, 'status')).length, 0, 'status is not read while not connected');
          if (state === 'not_running') await p.screenshot({ path: artifactPath('popover-not-running-light.png') });
          await p.done();
        }
        const mock = vpnFixtures();
        const p = await openPopover(mock);
        await hasText(p.locator('[data-family="v4"]'), 'en0');
        await p.evaluate(() => window.__mock.reject('status', { code: 'disconnected', message: 'the connection to the helper closed' }));
        await emit(p, 'helper-event', { event: 'lagged', missed: 1 });
        await hasText(p.locator('[data-problem="disconnected"]'), 'reconnecting');
        await p.done();
      },
    ],
    [
      'popover: keyboard: Tab reaches every control in order, with a focus ring',
      async () => {
        const p = await openPopover();
        await until('the toggle is enabled', () => p.locator('[data-testid="legacy-toggle"]').isEnabled());
        const seen = [];
        for (let i = 0; i < 16; i++) {
          await p.keyboard.press('Tab');
          const here = await p.evaluate(() => {
            const el = document.activeElement;
            if (!el || el === document.body) return null;
            const ring = getComputedStyle(el).outlineStyle;
            const name = el.getAttribute('data-testid') ?? el.getAttribute('aria-label') ?? el.id ?? '';
            return `${name || el.textContent.trim().slice(0, 20)}|${ring}`;
          });
          if (here === null) break; // wrapped around
          seen.push(here);
        }
        const names = seen.map((s) => s.split('|')[0]);
        const at = (n) => names.indexOf(n);
        assert.ok(at('open-inspector') >= 0 && at('open-inspector') < at('legacy-toggle'), names.join(', '));
        assert.ok(at('legacy-toggle') >= 0, names.join(', '));
        assert.ok(at('legacy-toggle') < at('Scoped routes list'), names.join(', '));
        assert.ok(at('Scoped routes list') < at('Verify'), names.join(', '));
        assert.ok(at('Verify') < at('flush-preview'), names.join(', '));
        assert.ok(seen.every((s) => s.endsWith('|solid')), `focus rings: ${seen.join(', ')}`);
        await p.done();
      },
    ],
    [
      'popover: names the VPN holding the default, opens the Route Inspector, hides on Escape',
      async () => {
        const p = await openPopover();
        await hasText(p.locator('[data-testid="vpn-line"]'), 'VPN: utun4 (split default)');
        await p.locator('[data-testid="open-inspector"]').click();
        await until('open_inspector', async () => (await callsOf(p, 'open_inspector')).length === 1);
        await p.keyboard.press('Escape');
        await until('close_window', async () => (await callsOf(p, 'close_window')).length === 1);
        await p.done();
        const plain = await openPopover(plainFixtures());
        await hasText(plain.locator('[data-testid="vpn-line"]'), 'VPN: none holds the default route');
        await plain.done();
      },
    ],
    [
      'popover: nothing ticks while the app has it hidden; it resumes when shown',
      async () => {
        const p = await openPopover();
        await until('a throughput poll', async () => (await callsOf(p, 'throughput')).length >= 1);
        // Another window's event is not this one's.
        await emit(p, 'window-visibility', { window: 'inspector', visible: false });
        await emit(p, 'window-visibility', { window: 'popover', visible: false });
        await until('the page knows', async () => (await p.locator('main').getAttribute('data-visible')) === 'false');
        const before = (await callsOf(p, 'throughput')).length;
        await new Promise((r) => setTimeout(r, 4500));
        assert.equal((await callsOf(p, 'throughput')).length, before, 'polled while hidden');
        await emit(p, 'window-visibility', { window: 'popover', visible: true });
        await until('a poll at once on show', async () => (await callsOf(p, 'throughput')).length > before, 1000);
        assert.equal(await p.locator('main').getAttribute('data-visible'), 'true');
        await p.done();
      },
    ],
    [
      'popover: screenshots in light and dark',
      async () => {
        for (const scheme of ['light', 'dark']) {
          const p = await openPopover(vpnFixtures(), { colorScheme: scheme });
          await hasText(p.locator('[data-testid="scoped-count"]'), 'routes');
          await hasText(p.locator('[data-family="v4"]'), 'MB/s');
          await p.screenshot({ path: artifactPath(`popover-${scheme}.png`), fullPage: true });
          await p.done();
        }
        const p = await openPopover(plainFixtures(), { colorScheme: 'dark' });
        await hasText(p.locator('[data-family="v4"]'), 'en0');
        await p.screenshot({ path: artifactPath('popover-no-vpn-dark.png'), fullPage: true });
        await p.done();
      },
    ],
  ];
}
