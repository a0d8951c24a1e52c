// The helper's setup states in a real browser (issue 6 §2, issue 7): each
// state shows what happened and its action; the action calls its command;
// removing asks first. The IPC is mocked; screenshots go to test-artifacts.

import assert from 'node:assert/strict';

import { artifactPath, callsOf, hasText, open, until, vpnFixtures } from './harness.mjs';

const MAC_SOCKET = '/var/run/egress/helper.sock';
const LINUX_SOCKET = '/run/egress/helper.sock';
const APP = 'egress-app 0.1.0';

function setup(over) {
  return {
    state: 'ok', manager: 'app_service', service: 'enabled', actions: [], app: APP, helper: null,
    group: null, socket: MAC_SOCKET, message: null, notice: null, ...over,
  };
}

/** The mock with the connection in `state` and the app's `Setup` as given. */
function mockWith(connectionOver, setupOver, setupAfter) {
  const base = vpnFixtures();
  const connection = {
    ...base.connection, helper: null, backend: null, access: null, socket: setupOver.socket ?? MAC_SOCKET,
    message: 'the Egress helper is not running: nothing is listening at ' + (setupOver.socket ?? MAC_SOCKET),
    ...connectionOver,
  };
  return { ...base, connection, setup: setup(setupOver), setupAfter };
}

const connectedAs = (helper, socket = MAC_SOCKET) => ({ ...vpnFixtures().connection, helper, socket });

export function setupTests(ctx) {
  const openPopover = (mock, opts) => open(ctx.browser, ctx.base, 'index.html', mock, opts);
  const panel = (p, state) => p.locator(`[data-setup="${state}"]`);

  return [
    [
      'setup: not installed (macOS 13+) → Install helper registers it, then it answers',
      async () => {
        const after = setup({ state: 'ok', actions: ['unregister'], helper: 'egress-helper 0.1.0', notice: 'egress-helper 0.1.0 is running.' });
        const mock = mockWith(
          { state: 'not_installed' },
          { state: 'not_installed', service: 'not_registered', actions: ['register'] },
          { register_helper: { setup: after, connection: connectedAs('egress-helper 0.1.0') } },
        );
        const p = await openPopover(mock);
        const s = panel(p, 'not_installed');
        await hasText(s, 'The Egress helper is not installed');
        await hasText(s, 'allow it in Login Items');
        assert.equal((await callsOf(p, 'status')).length, 0, 'no status read while not installed');
        await p.screenshot({ path: artifactPath('setup-not-installed-light.png'), fullPage: true });
        // Keyboard: Tab reaches the button, Enter presses it.
        const button = s.locator('[data-action="register"]');
        await hasText(button, 'Install helper');
        await button.focus();
        await p.keyboard.press('Enter');
        await until('register_helper called', async () => (await callsOf(p, 'register_helper')).length === 1);
        await hasText(p.locator('[data-testid="setup-notice"]'), 'egress-helper 0.1.0 is running.');
        await hasText(p.locator('[data-family="v4"]'), 'en0');
        assert.deepEqual(p.errors, []);
        await p.done();
      },
    ],
    [
      'setup: needs approval → Open Login Items',
      async () => {
        const after = setup({ state: 'needs_approval', service: 'requires_approval', actions: ['open_approval_settings', 'unregister'],
          notice: 'System Settings is open at Login Items: turn Egress on under “Allow in the Background”.' });
        const mock = mockWith({ state: 'not_running' }, { state: 'needs_approval', service: 'requires_approval', actions: ['open_approval_settings', 'unregister'] },
          { open_approval_settings: { setup: after } });
        for (const scheme of ['light', 'dark']) {
          const p = await openPopover(mock, { colorScheme: scheme });
          const s = panel(p, 'needs_approval');
          await hasText(s, 'Allow the Egress helper');
          await hasText(s, 'System Settings › General › Login Items');
          await p.screenshot({ path: artifactPath(`setup-needs-approval-${scheme}.png`), fullPage: true });
          if (scheme === 'light') {
            await s.locator('[data-action="open_approval_settings"]').click();
            await until('open_approval_settings called', async () => (await callsOf(p, 'open_approval_settings')).length === 1);
            await hasText(p.locator('[data-testid="setup-notice"]'), 'System Settings is open at Login Items');
          }
          await p.done();
        }
      },
    ],
    [
      'setup: registered but the program is missing → Re-register helper; a refusal is shown',
      async () => {
        const mock = mockWith({ state: 'not_running' }, { state: 'not_found', service: 'not_found', actions: ['update', 'unregister'] });
        const p = await openPopover(mock);
        const s = panel(p, 'not_found');
        await hasText(s, 'The helper’s program is missing');
        await hasText(s, 'reinstall Egress');
        await p.evaluate(() => window.__mock.reject('update_helper', {
          code: 'not_found',
          message: 'Registering the helper failed: the helper\'s plist is missing from Egress.app (Contents/Library/LaunchDaemons); reinstall Egress (macOS: not found, code 8)',
        }));
        await s.locator('[data-action="update"]').click();
        await hasText(p.locator('[data-testid="setup-error"]'), 'plist is missing from Egress.app');
        await p.screenshot({ path: artifactPath('setup-not-found-light.png'), fullPage: true });
        await p.done();
      },
    ],
    [
      'setup: installed but not running (systemd) → Restart helper; disabled → Start helper',
      async () => {
        const after = setup({ state: 'ok', manager: 'systemd', socket: LINUX_SOCKET, actions: ['unregister'], helper: 'egress-helper 0.1.0', notice: 'egress-helper 0.1.0 is running.' });
        const mock = mockWith({ state: 'not_running' }, { state: 'not_running', manager: 'systemd', socket: LINUX_SOCKET, actions: ['restart'] },
          { restart_helper: { setup: after, connection: connectedAs('egress-helper 0.1.0', LINUX_SOCKET) } });
        const p = await openPopover(mock);
        const s = panel(p, 'not_running');
        await hasText(s, 'The Egress helper is not running');
        await hasText(s, 'systemd has the helper enabled');
        await hasText(s, 'journalctl -u egress-helper.service');
        await p.screenshot({ path: artifactPath('setup-not-running-light.png'), fullPage: true });
        await s.locator('[data-action="restart"]').click();
        await until('restart_helper called', async () => (await callsOf(p, 'restart_helper')).length === 1);
        await hasText(p.locator('[data-family="v4"]'), 'en0');
        await p.done();
        const disabled = mockWith({ state: 'not_running' }, { state: 'not_running', manager: 'systemd', service: 'disabled', socket: LINUX_SOCKET, actions: ['register'] });
        const q = await openPopover(disabled);
        await hasText(panel(q, 'not_running').locator('[data-action="register"]'), 'Start helper');
        await q.done();
      },
    ],
    [
      'setup: permission denied names the group and the command (Linux)',
      async () => {
        const mock = mockWith(
          { state: 'not_permitted', message: `you may not connect to the Egress helper at ${LINUX_SOCKET}` },
          { state: 'permission_denied', manager: 'systemd', socket: LINUX_SOCKET, group: 'egress' },
        );
        const p = await openPopover(mock, { colorScheme: 'dark' });
        const s = panel(p, 'permission_denied');
        await hasText(s, 'Permission denied');
        await hasText(s, 'members of the egress group');
        await hasText(s, 'sudo usermod -aG egress $USER');
        await hasText(s, 'log out and back in');
        assert.equal(await s.locator('button').count(), 0, 'no button: a terminal does it');
        await p.screenshot({ path: artifactPath('setup-permission-denied-dark.png'), fullPage: true });
        await p.done();
      },
    ],
    [
      'setup: incompatible shows both versions and offers the update',
      async () => {
        const mock = mockWith(
          { state: 'incompatible', helper: 'egress-helper 0.0.3', message: 'egress-app 0.1.0 speaks protocol 1.0 but egress-helper 0.0.3 speaks protocol 0.4; update the helper (reinstall Egress)' },
          { state: 'incompatible', helper: 'egress-helper 0.0.3', actions: ['update', 'unregister'] },
        );
        const p = await openPopover(mock);
        const s = panel(p, 'incompatible');
        await hasText(s, 'Incompatible helper version');
        await hasText(s.locator('[data-testid="app-version"]'), APP);
        await hasText(s.locator('[data-testid="helper-version"]'), 'egress-helper 0.0.3');
        await hasText(s.locator('[data-action="update"]'), 'Update helper');
        await p.screenshot({ path: artifactPath('setup-incompatible-light.png'), fullPage: true });
        await p.done();
      },
    ],
    [
      'setup: an older helper offers an update above the normal view',
      async () => {
        const base = vpnFixtures();
        const after = setup({ state: 'ok', actions: ['unregister'], helper: 'egress-helper 0.1.0', notice: 'egress-helper 0.1.0 is running.' });
        const mock = {
          ...base,
          connection: { ...base.connection, helper: 'egress-helper 0.0.9' },
          setup: setup({ state: 'update_available', helper: 'egress-helper 0.0.9', actions: ['update', 'unregister'], socket: base.connection.socket }),
          setupAfter: { update_helper: { setup: after, connection: connectedAs('egress-helper 0.1.0', base.connection.socket) } },
        };
        const p = await openPopover(mock);
        const s = panel(p, 'update_available');
        await hasText(s, 'A helper update is available');
        await hasText(s.locator('[data-testid="helper-version"]'), 'egress-helper 0.0.9');
        await hasText(p.locator('[data-family="v4"]'), 'en0'); // not blocking
        await p.screenshot({ path: artifactPath('setup-update-available-light.png'), fullPage: true });
        await s.locator('[data-action="update"]').click();
        await until('update_helper called', async () => (await callsOf(p, 'update_helper')).length === 1);
        await hasText(p.locator('[data-testid="setup-notice"]'), 'egress-helper 0.1.0 is running.');
        await until('the update panel goes', async () => (await p.locator('[data-setup="update_available"]').count()) === 0);
        await p.done();
      },
    ],
    [
      'setup: Remove helper asks first (Escape cancels), then says the helper and its socket are gone',
      async () => {
        const base = vpnFixtures();
        const gone = setup({
          state: 'not_installed', service: 'not_registered', actions: ['register'], socket: base.connection.socket,
          notice: 'The helper is removed: it stopped, removed its routes, and its socket is gone.',
        });
        const mock = {
          ...base,
          setup: setup({ state: 'ok', actions: ['unregister'], helper: 'egress-helper 0.1.0', socket: base.connection.socket }),
          setupAfter: {
            unregister_helper: {
              setup: gone,
              connection: { ...base.connection, state: 'not_installed', helper: null, backend: null, access: null, message: 'the Egress helper is not installed' },
            },
          },
        };
        const p = await openPopover(mock);
        const remove = p.locator('[data-testid="helper-manage"] [data-action="unregister"]');
        await hasText(remove, 'Remove helper…');
        await remove.click();
        await hasText(p.locator('.confirm'), 'removes every route it installed');
        await p.keyboard.press('Escape');
        await until('the question goes', async () => (await p.locator('.confirm').count()) === 0);
        assert.equal((await callsOf(p, 'unregister_helper')).length, 0, 'nothing removed without a yes');
        await remove.click();
        await p.screenshot({ path: artifactPath('setup-remove-confirm-light.png'), fullPage: true });
        await p.locator('[data-testid="confirm-yes"]').click();
        await until('unregister_helper called', async () => (await callsOf(p, 'unregister_helper')).length === 1);
        const s = panel(p, 'not_installed');
        await hasText(s.locator('[data-testid="setup-notice"]'), 'its socket is gone');
        await hasText(s.locator('[data-action="register"]'), 'Install helper');
        await p.screenshot({ path: artifactPath('setup-removed-light.png'), fullPage: true });
        assert.deepEqual(p.errors, []);
        await p.done();
      },
    ],
  ];
}
