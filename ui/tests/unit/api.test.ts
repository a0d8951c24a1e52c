// The api module calls Tauri exactly as docs/APP.md says: command names,
// camelCase argument names, events; and every rejection becomes an AppError.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';

type Call = { cmd: string; args: unknown };
const calls: Call[] = [];
const handlers = new Map<number, (e: unknown) => void>();
let reply: (cmd: string, args: unknown) => unknown = () => null;

beforeAll(() => {
  let next = 1;
  (globalThis as unknown as { window: unknown }).window = {
    __TAURI_INTERNALS__: {
      invoke: async (cmd: string, args: unknown) => {
        calls.push({ cmd, args });
        return reply(cmd, args);
      },
      transformCallback: (cb: (e: unknown) => void) => {
        const id = next++;
        handlers.set(id, cb);
        return id;
      },
    },
    __TAURI_EVENT_PLUGIN_INTERNALS__: { unregisterListener: () => undefined },
  };
});

beforeEach(() => {
  calls.length = 0;
  reply = () => null;
});

const api = () => import('../../src/api');

describe('commands', () => {
  it('are named and shaped as docs/APP.md lists them', async () => {
    const a = await api();
    await a.connection();
    await a.status();
    await a.routes();
    await a.routes({ family: 'v6', scoped: true, interface: 'utun4' });
    await a.lookup('203.0.113.9');
    await a.lookup('203.0.113.9', 'en0');
    await a.setMode('legacy');
    await a.exclusions();
    await a.flush(true);
    await a.flush(false);
    await a.verify('v6');
    await a.simEvents();
    await a.sim({ action: 'event', name: 'vpn-up' });
    await a.throughput();
    await a.exportTable('netstat');
    await a.helperSetup();
    for (const action of ['register', 'unregister', 'restart', 'update', 'open_approval_settings'] as const) {
      await a.setupAction(action);
    }
    await a.openInspector();
    await a.closeWindow();
    expect(calls).toEqual([
      { cmd: 'connection', args: {} },
      { cmd: 'status', args: {} },
      { cmd: 'routes', args: {} },
      { cmd: 'routes', args: { filter: { family: 'v6', scoped: true, interface: 'utun4' } } },
      { cmd: 'lookup', args: { destination: '203.0.113.9' } },
      { cmd: 'lookup', args: { destination: '203.0.113.9', scopedTo: 'en0' } },
      { cmd: 'set_mode', args: { mode: 'legacy' } },
      { cmd: 'exclusions', args: {} },
      { cmd: 'flush', args: { dryRun: true } },
      { cmd: 'flush', args: { dryRun: false } },
      { cmd: 'verify', args: { family: 'v6' } },
      { cmd: 'sim_events', args: {} },
      { cmd: 'sim', args: { action: { action: 'event', name: 'vpn-up' } } },
      { cmd: 'throughput', args: {} },
      { cmd: 'export_table', args: { format: 'netstat' } },
      { cmd: 'helper_setup', args: {} },
      { cmd: 'register_helper', args: {} },
      { cmd: 'unregister_helper', args: {} },
      { cmd: 'restart_helper', args: {} },
      { cmd: 'update_helper', args: {} },
      { cmd: 'open_approval_settings', args: {} },
      { cmd: 'open_inspector', args: {} },
      { cmd: 'close_window', args: {} },
    ]);
  });

  it('reject with an AppError, whatever Tauri threw', async () => {
    const a = await api();
    reply = () => {
      throw { code: 'permission_denied', message: 'changing the mode needs membership of the admin group' };
    };
    await expect(a.setMode('legacy')).rejects.toEqual({
      code: 'permission_denied',
      message: 'changing the mode needs membership of the admin group',
    });
    reply = () => {
      throw 'Command flush not allowed by ACL';
    };
    await expect(a.flush(false)).rejects.toEqual({ code: 'internal', message: 'Command flush not allowed by ACL' });
  });
});

describe('events', () => {
  it('listen to helper-event, connection and mode-progress and hand over the payload', async () => {
    const a = await api();
    const got: unknown[] = [];
    reply = (cmd, args) => (cmd === 'plugin:event|listen' ? (args as { handler: number }).handler : null);
    await a.onHelperEvent((e) => got.push(e));
    await a.onConnection((c) => got.push(c));
    await a.onModeProgress((p) => got.push(p));
    const listens = calls.filter((c) => c.cmd === 'plugin:event|listen').map((c) => c.args as { event: string; handler: number });
    expect(listens.map((l) => l.event)).toEqual(['helper-event', 'connection', 'mode-progress']);
    handlers.get(listens[0].handler)!({ event: 'helper-event', id: 1, payload: { event: 'routes_changed' } });
    handlers.get(listens[2].handler)!({ event: 'mode-progress', id: 3, payload: { done: 1, total: 2 } });
    expect(got).toEqual([{ event: 'routes_changed' }, { done: 1, total: 2 }]);
  });

  it('hear window-visibility only for their own window', async () => {
    const a = await api();
    const got: boolean[] = [];
    reply = (cmd, args) => (cmd === 'plugin:event|listen' ? (args as { handler: number }).handler : null);
    await a.onVisibility('popover', (v) => got.push(v));
    const listen = calls.find((c) => c.cmd === 'plugin:event|listen')!.args as { event: string; handler: number };
    expect(listen.event).toBe('window-visibility');
    const fire = (payload: unknown) => handlers.get(listen.handler)!({ event: 'window-visibility', id: 1, payload });
    fire({ window: 'popover', visible: false });
    fire({ window: 'inspector', visible: true });
    fire({ window: 'popover', visible: true });
    expect(got).toEqual([false, true]);
  });
});
