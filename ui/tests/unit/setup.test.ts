// The helper's setup states → what the user reads and the buttons offered.
import { describe, expect, it } from 'vitest';

import type { Connection, Setup } from '../../src/api/types';
import { buttonLabel, setupBlocks, setupMatches, setupView } from '../../src/lib/setup';

const base: Setup = {
  state: 'ok',
  manager: 'app_service',
  service: 'enabled',
  actions: [],
  app: 'egress-app 0.2.0',
  helper: 'egress-helper 0.2.0',
  group: null,
  socket: '/var/run/egress/helper.sock',
  message: null,
  notice: null,
};
const s = (over: Partial<Setup>): Setup => ({ ...base, ...over });

describe('setupView', () => {
  it('says nothing when connected and current, or still connecting', () => {
    expect(setupView(s({ actions: ['unregister'] }), 'macos')).toBeNull();
    expect(setupView(s({ state: 'connecting' }), 'macos')).toBeNull();
  });

  it('not installed: the app installs on macOS 13+, a terminal does it elsewhere', () => {
    const mac = setupView(s({ state: 'not_installed', service: 'not_registered', actions: ['register'] }), 'macos')!;
    expect(mac.title).toBe('The Egress helper is not installed');
    expect(mac.buttons).toEqual([{ action: 'register', label: 'Install helper', confirm: null, primary: true }]);
    expect(mac.commands).toEqual([]);
    expect(mac.blocking).toBe(true);

    const legacy = setupView(s({ state: 'not_installed', manager: 'legacy_launchd', service: 'not_installed' }), 'macos')!;
    expect(legacy.body).toContain('older than 13');
    expect(legacy.commands).toEqual(['sudo /Applications/Egress.app/Contents/MacOS/egress-helper install']);
    expect(legacy.buttons).toEqual([]);

    const linux = setupView(s({ state: 'not_installed', manager: 'systemd', service: 'not_installed' }), 'linux')!;
    expect(linux.body).toContain('egress-helper.service');
    expect(linux.commands).toEqual(['sudo apt install ./egress_*.deb']);

    const dev = setupView(s({ state: 'not_installed', manager: 'unmanaged', socket: '/tmp/egress-sim/helper.sock' }), 'linux')!;
    expect(dev.body).toContain('/tmp/egress-sim/helper.sock');
    expect(dev.commands[0]).toContain('./scripts/run');
  });

  it('needs approval: Open Login Items first, Remove asks', () => {
    const v = setupView(s({ state: 'needs_approval', service: 'requires_approval', actions: ['open_approval_settings', 'unregister'] }), 'macos')!;
    expect(v.tone).toBe('warn');
    expect(v.body).toContain('System Settings › General › Login Items');
    expect(v.buttons.map((b) => [b.label, b.primary, b.confirm !== null])).toEqual([
      ['Open Login Items', true, false],
      ['Remove helper…', false, true],
    ]);
  });

  it('not found: the program is missing; re-register', () => {
    const v = setupView(s({ state: 'not_found', service: 'not_found', actions: ['update', 'unregister'] }), 'macos')!;
    expect(v.title).toBe('The helper’s program is missing');
    expect(v.body).toContain('reinstall Egress');
    expect(v.buttons[0].label).toBe('Re-register helper');
  });

  it('not running: per manager and per systemd status', () => {
    const enabled = setupView(s({ state: 'not_running', manager: 'systemd', actions: ['restart'], socket: '/run/egress/helper.sock' }), 'linux')!;
    expect(enabled.body).toContain('nothing answers at /run/egress/helper.sock');
    expect(enabled.buttons[0].label).toBe('Restart helper');
    const disabled = setupView(s({ state: 'not_running', manager: 'systemd', service: 'disabled', actions: ['register'] }), 'linux')!;
    expect(disabled.body).toContain('not enabled');
    expect(disabled.buttons[0].label).toBe('Start helper');
    const failed = setupView(s({ state: 'not_running', manager: 'systemd', service: 'failed', actions: ['restart'] }), 'linux')!;
    expect(failed.body).toContain('systemd says the helper failed');
    expect(failed.buttons[0].label).toBe('Restart helper');
    const masked = setupView(s({ state: 'not_running', manager: 'systemd', service: 'masked' }), 'linux')!;
    expect(masked.commands[0]).toBe('sudo systemctl unmask egress-helper.service');
    const noSystemd = setupView(s({ state: 'not_running', manager: 'systemd', service: 'unknown' }), 'linux')!;
    expect(noSystemd.body).toContain('systemd is not running');
    const legacy = setupView(s({ state: 'not_running', manager: 'legacy_launchd' }), 'macos')!;
    expect(legacy.commands).toEqual(['sudo launchctl kickstart -k system/dev.egress.helper']);
    const mac = setupView(s({ state: 'not_running', actions: ['restart', 'unregister'] }), 'macos')!;
    expect(mac.body).toContain('installed and allowed');
  });

  it('permission denied: the group and the command, then log out and in', () => {
    const linux = setupView(s({ state: 'permission_denied', manager: 'systemd', group: 'egress' }), 'linux')!;
    expect(linux.body).toContain('members of the egress group');
    expect(linux.commands).toEqual(['sudo usermod -aG egress $USER']);
    expect(linux.after).toContain('log out and back in');
    expect(linux.buttons).toEqual([]);
    const mac = setupView(s({ state: 'permission_denied', group: null }), 'macos')!;
    expect(mac.commands).toEqual(['sudo dseditgroup -o edit -a "$USER" -t user admin']);
    const dev = setupView(s({ state: 'permission_denied', manager: 'unmanaged', group: null }), 'linux')!;
    expect(dev.commands).toEqual(['sudo usermod -aG egress $USER']);
  });

  it('incompatible and update available show both versions', () => {
    const inc = setupView(s({ state: 'incompatible', helper: 'egress-helper 0.0.3', actions: ['update', 'unregister'] }), 'macos')!;
    expect(inc.versions).toEqual({ app: 'egress-app 0.2.0', helper: 'egress-helper 0.0.3' });
    expect(inc.buttons[0].label).toBe('Update helper');
    const unknown = setupView(s({ state: 'incompatible', helper: null, manager: 'legacy_launchd' }), 'macos')!;
    expect(unknown.versions!.helper).toContain('unknown');
    expect(unknown.commands).toEqual(['sudo /Applications/Egress.app/Contents/MacOS/egress-helper install']);
    const upd = setupView(s({ state: 'update_available', helper: 'egress-helper 0.1.0', manager: 'systemd', actions: ['update'] }), 'linux')!;
    expect(upd.blocking).toBe(false);
    expect(upd.tone).toBe('info');
    expect(upd.body).toContain('restarts the helper');
    expect(upd.versions).toEqual({ app: 'egress-app 0.2.0', helper: 'egress-helper 0.1.0' });
    expect(setupBlocks(s({ state: 'update_available' }), 'linux')).toBe(false);
    expect(setupBlocks(s({ state: 'not_found' }), 'macos')).toBe(true);
    expect(setupBlocks(null, 'macos')).toBe(false);
  });

  it('labels every action', () => {
    for (const action of ['register', 'unregister', 'restart', 'open_approval_settings', 'update'] as const) {
      expect(buttonLabel(action, base)).toMatch(/\w/);
    }
  });
});

describe('setupMatches', () => {
  const conn = (state: Connection['state']): Connection => ({
    state, message: null, helper: null, backend: null, access: null, changeRequires: null, socket: '/s',
  });
  it('uses a setup only while it describes the connection', () => {
    expect(setupMatches(s({ state: 'ok' }), conn('connected'))).toBe(true);
    expect(setupMatches(s({ state: 'update_available' }), conn('connected'))).toBe(true);
    expect(setupMatches(s({ state: 'not_running' }), conn('connected'))).toBe(false);
    expect(setupMatches(s({ state: 'ok' }), conn('not_running'))).toBe(false);
    expect(setupMatches(s({ state: 'not_installed' }), conn('not_installed'))).toBe(true);
    expect(setupMatches(null, conn('connected'))).toBe(false);
    expect(setupMatches(s({}), null)).toBe(false);
  });
});
