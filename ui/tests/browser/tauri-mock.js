// A stand-in for Tauri's IPC, injected before the page's scripts
// (page.addInitScript). It implements what @tauri-apps/api uses —
// `__TAURI_INTERNALS__.invoke`, `transformCallback`, the event plugin's
// `plugin:event|listen` / `unlisten` — and answers the app's commands
// (docs/APP.md) from fixture data recorded from the real helper on the sim.
//
// The test drives it through `window.__mock`: every call is recorded
// (`calls`), events are fired with `emit(name, payload)`, a command can be
// overridden (`answer(cmd, value)`, `reject(cmd, appError)`) or held until
// the test releases it (`hold(cmd)`, `release(cmd, value?)`).
//
// Expects `window.__EGRESS_MOCK__ = { fixtures, connection }` to be set by an
// earlier init script.
(() => {
  const cfg = window.__EGRESS_MOCK__;
  const fx = cfg.fixtures;
  const calls = [];
  const callbacks = new Map();
  const listeners = new Map(); // event name -> [callback id]
  const overrides = new Map(); // cmd -> { value } | { error }
  const held = new Map(); // cmd -> [{ resolve, reject, args }]
  const holding = new Set();
  let nextId = 1;
  const state = {
    connection: cfg.connection,
    status: fx.status,
    routes: fx.routes,
    flushPreview: cfg.flushPreview ?? fx.flushPreview,
    // The app's `Setup`: given by the test, else "ok" for a connected
    // hand-started helper; without one, helper_setup fails as an app
    // without the command would (the UI then shows the connection's problem).
    setup: cfg.setup ?? null,
  };

  const clone = (v) => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

  function transformCallback(cb, once = false) {
    const id = nextId++;
    callbacks.set(id, (data) => {
      if (once) callbacks.delete(id);
      return cb && cb(data);
    });
    return id;
  }

  function emit(event, payload) {
    for (const id of listeners.get(event) ?? []) {
      const cb = callbacks.get(id);
      if (cb) cb({ event, id, payload: clone(payload) });
    }
  }

  function filterRoutes(rows, f) {
    if (!f) return rows;
    return rows.filter(
      (r) =>
        (!f.family || r.family === f.family) &&
        (!f.scoped || r.scope !== null) &&
        (!f.ours || r.ours) &&
        (!f.interface || r.netif === f.interface),
    );
  }

  function lookup(args) {
    const v6 = args.destination.includes(':');
    const key = `${v6 ? 'v6' : 'v4'}${args.scopedTo ? `|${args.scopedTo}` : ''}`;
    const base = fx.lookups[key] ?? fx.lookups[v6 ? 'v6' : 'v4'];
    return { ...base, destination: args.destination, scoped_to: args.scopedTo ?? null };
  }

  function exportTable(format) {
    const rows = state.routes;
    if (format === 'json') return JSON.stringify(rows, null, 2);
    if (format === 'csv') {
      const head = 'family,destination,gateway,flags,netif,expire,scope,ours';
      return [head, ...rows.map((r) => [r.family, r.destination, r.gateway, r.flags, r.netif, r.expire, r.scope ?? '', r.ours].join(','))].join('\n');
    }
    return ['Routing tables', '', ...rows.map((r) => `${r.destination}\t${r.gateway}\t${r.flags}\t${r.netif}`)].join('\n');
  }

  function answer(cmd, args) {
    switch (cmd) {
      case 'connection':
        return state.connection;
      case 'status':
        return state.status;
      case 'routes':
        return filterRoutes(state.routes, args.filter);
      case 'lookup':
        return lookup(args);
      case 'set_mode':
        return args.mode === 'legacy' ? fx.statusLegacy : fx.status;
      case 'exclusions':
        return fx.exclusions;
      case 'flush':
        return args.dryRun ? state.flushPreview : { ...state.flushPreview, dry_run: false };
      case 'verify':
        return fx.verify[args.family];
      case 'sim_events':
        return fx.simEvents;
      case 'sim':
        return state.status;
      case 'throughput':
        return cfg.rates ?? [];
      case 'export_table': {
        // The app saves the file and says where (a WebView cannot download a Blob).
        const ext = { json: 'json', csv: 'csv', netstat: 'txt' }[args.format];
        const text = exportTable(args.format);
        return { path: `/home/user/Downloads/egress-routes.${ext}`, rows: state.routes.length, bytes: text.length };
      }
      case 'open_inspector':
      case 'close_window':
        return null;
      case 'helper_setup':
        if (state.setup) return state.setup;
        if (state.connection.state === 'connected') {
          return {
            state: 'ok', manager: 'unmanaged', service: 'unknown', actions: [], app: 'egress-app 0.1.0',
            helper: state.connection.helper, group: null, socket: state.connection.socket, message: null, notice: null,
          };
        }
        throw { code: 'not_supported', message: 'no setup in this mock' };
      case 'register_helper':
      case 'unregister_helper':
      case 'restart_helper':
      case 'update_helper':
      case 'open_approval_settings':
        if (cfg.setupAfter?.[cmd]) {
          const after = cfg.setupAfter[cmd];
          state.setup = after.setup;
          if (after.connection) {
            state.connection = after.connection;
            emit('connection', after.connection);
          }
          return after.setup;
        }
        throw { code: 'not_available', message: `${cmd} is not set up in this mock` };
      default:
        throw { code: 'bad_request', message: `unknown command ${cmd}` };
    }
  }

  async function invoke(cmd, args = {}) {
    if (cmd === 'plugin:event|listen') {
      const list = listeners.get(args.event) ?? [];
      list.push(args.handler);
      listeners.set(args.event, list);
      return args.handler;
    }
    if (cmd === 'plugin:event|unlisten') {
      const list = listeners.get(args.event) ?? [];
      listeners.set(args.event, list.filter((id) => id !== args.eventId));
      return null;
    }
    if (cmd === 'plugin:event|emit') {
      emit(args.event, args.payload);
      return null;
    }
    calls.push({ cmd, args: clone(args), at: Date.now() });
    if (holding.has(cmd)) {
      return new Promise((resolve, reject) => {
        const list = held.get(cmd) ?? [];
        list.push({ resolve, reject, args });
        held.set(cmd, list);
      });
    }
    const o = overrides.get(cmd);
    if (o && 'error' in o) throw clone(o.error);
    if (o) return clone(typeof o.value === 'function' ? o.value(args) : o.value);
    return clone(answer(cmd, args));
  }

  window.__TAURI_INTERNALS__ = {
    invoke,
    transformCallback,
    unregisterCallback: (id) => callbacks.delete(id),
    runCallback: (id, data) => callbacks.get(id)?.(data),
    callbacks,
    convertFileSrc: (p) => p,
    metadata: { currentWindow: { label: cfg.label ?? 'popover' }, currentWebview: { windowLabel: cfg.label ?? 'popover', label: cfg.label ?? 'popover' } },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = {
    unregisterListener: (event, id) => {
      callbacks.delete(id);
      listeners.set(event, (listeners.get(event) ?? []).filter((x) => x !== id));
    },
  };

  window.__mock = {
    calls,
    state,
    emit,
    callsOf: (cmd) => calls.filter((c) => c.cmd === cmd),
    listening: (event) => (listeners.get(event) ?? []).length,
    answer: (cmd, value) => overrides.set(cmd, { value }),
    reject: (cmd, error) => overrides.set(cmd, { error }),
    clear: (cmd) => overrides.delete(cmd),
    hold: (cmd) => holding.add(cmd),
    heldCount: (cmd) => (held.get(cmd) ?? []).length,
    release: (cmd, value) => {
      holding.delete(cmd);
      for (const h of held.get(cmd) ?? []) h.resolve(clone(value ?? answer(cmd, h.args)));
      held.delete(cmd);
    },
    fail: (cmd, error) => {
      holding.delete(cmd);
      for (const h of held.get(cmd) ?? []) h.reject(clone(error));
      held.delete(cmd);
    },
  };
})();
