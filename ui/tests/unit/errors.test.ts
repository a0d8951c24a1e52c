import { describe, expect, it } from 'vitest';

import type { Connection } from '../../src/api/types';
import { connectionProblem, errorLine, errorProblem, platformOf, sentence, toAppError } from '../../src/lib/errors';

const connected: Connection = {
  state: 'connected',
  message: null,
  helper: 'egress-helper 0.1.0',
  backend: 'sim',
  access: 'change',
  changeRequires: null,
  socket: '/run/egress/helper.sock',
};
const down = (state: Connection['state'], message: string | null = null, socket = '/run/egress/helper.sock'): Connection => ({
  ...connected,
  state,
  message,
  helper: null,
  backend: null,
  access: null,
  socket,
});

describe('connection states as problems', () => {
  it('is no problem when connected', () => {
    expect(connectionProblem(connected, true, 'linux')).toBeNull();
  });

  it('connecting first, reconnecting after a loss', () => {
    expect(connectionProblem(null, false, 'linux')?.kind).toBe('connecting');
    expect(connectionProblem(down('connecting'), false, 'linux')?.kind).toBe('connecting');
    const re = connectionProblem(down('connecting', 'the helper went away'), true, 'linux')!;
    expect(re.kind).toBe('reconnecting');
    expect(re.retrying).toBe(true);
    expect(re.message).toBe('the helper went away');
  });

  it('not running: says how to start (or install) it, per platform and socket', () => {
    const linux = connectionProblem(down('not_running', 'nothing is listening'), true, 'linux')!;
    expect(linux).toMatchObject({ kind: 'not_running', title: 'The Egress helper is not running', message: 'nothing is listening' });
    expect(linux.commands[0]).toBe('sudo systemctl start egress-helper');
    const mac = connectionProblem(down('not_running', null, '/var/run/egress/helper.sock'), false, 'macos')!;
    expect(mac.commands[0]).toContain('launchctl kickstart');
    expect(mac.commands[1]).toContain('egress-helper install');
    expect(mac.message).toContain('/var/run/egress/helper.sock');
    const sim = connectionProblem(down('not_running', null, '/tmp/egress-sim/helper.sock'), false, 'linux')!;
    expect(sim.commands[0]).toContain('./scripts/run');
    expect(sim.commands[1]).toContain('--socket /tmp/egress-sim/helper.sock');
  });

  it('not installed: says how to install it', () => {
    const linux = connectionProblem(down('not_installed', 'the Egress helper is not installed'), false, 'linux')!;
    expect(linux).toMatchObject({ kind: 'not_installed', title: 'The Egress helper is not installed' });
    expect(linux.commands).toEqual(['sudo apt install ./egress_*.deb']);
    const mac = connectionProblem(down('not_installed', null, '/var/run/egress/helper.sock'), false, 'macos')!;
    expect(mac.commands[0]).toContain('egress-helper install');
  });

  it('not permitted: names the group that is needed', () => {
    const linux = connectionProblem(down('not_permitted', 'permission denied'), false, 'linux')!;
    expect(linux.kind).toBe('not_permitted');
    expect(linux.action).toContain('egress group');
    expect(linux.commands[0]).toContain('adduser');
    expect(connectionProblem(down('not_permitted'), false, 'macos')!.action).toContain('admin group');
    const told = connectionProblem({ ...down('not_permitted'), changeRequires: 'membership of the staff group' }, false, 'linux')!;
    expect(told.action).toBe('membership of the staff group');
    expect(told.retrying).toBe(false);
  });

  it('incompatible: shows the message naming both versions, and the app’s', () => {
    const p = connectionProblem(down('incompatible', 'the helper speaks protocol 2.0, this app 1.0'), false, 'linux')!;
    expect(p.title).toBe('Incompatible helper version');
    expect(p.message).toContain('2.0');
    expect(p.action).toContain('Egress app 0.1.0');
    expect(connectionProblem({ ...down('incompatible'), helper: 'egress-helper 2.1.0' }, false, 'linux')!.action).toContain(
      'egress-helper 2.1.0',
    );
  });
});

describe('command errors', () => {
  it('turns connection codes into problems and leaves the rest to the control', () => {
    expect(errorProblem({ code: 'disconnected', message: 'closed' }, connected, 'linux')?.kind).toBe('disconnected');
    expect(errorProblem({ code: 'not_running', message: 'gone' }, connected, 'linux')?.kind).toBe('not_running');
    expect(errorProblem({ code: 'not_permitted', message: 'no' }, null, 'linux')?.kind).toBe('not_permitted');
    expect(errorProblem({ code: 'incompatible', message: 'v2' }, connected, 'linux')?.kind).toBe('incompatible');
    expect(errorProblem({ code: 'permission_denied', message: 'admin group' }, connected, 'linux')).toBeNull();
  });

  it('writes one line per error code family', () => {
    expect(errorLine({ code: 'permission_denied', message: 'needs the admin group' })).toBe('Permission denied: needs the admin group');
    expect(errorLine({ code: 'mode_forced', message: 'EGRESS_USE_LEGACY_ROUTING=1' })).toContain('fixed');
    expect(errorLine({ code: 'busy', message: 'full' })).toContain('busy');
    expect(errorLine({ code: 'no_egress', message: 'no IPv6 network' })).toBe('no IPv6 network');
  });

  it('normalises whatever a rejection carries', () => {
    expect(toAppError({ code: 'refused', message: 'covers a local network' })).toEqual({ code: 'refused', message: 'covers a local network' });
    expect(toAppError('Command set_mode not allowed by ACL')).toEqual({ code: 'internal', message: 'Command set_mode not allowed by ACL' });
    expect(toAppError(new Error('boom'))).toEqual({ code: 'internal', message: 'boom' });
    expect(toAppError(undefined).code).toBe('internal');
    expect(toAppError({ code: 3, message: 'x' }).code).toBe('internal');
  });

  it('guesses the platform and writes sentences', () => {
    expect(platformOf('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15')).toBe('macos');
    expect(platformOf('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15')).toBe('linux');
    expect(platformOf('Mozilla/5.0 (Windows NT 10.0)')).toBe('other');
    expect(sentence('nothing is listening at /run/x')).toBe('Nothing is listening at /run/x.');
    expect(sentence('Done!')).toBe('Done!');
    expect(sentence('')).toBe('');
  });
});
