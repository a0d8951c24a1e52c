// The only module that talks to Tauri: every command and event of
// docs/APP.md, typed. A rejected command always rejects with an `AppError`
// (Tauri's own failures — a command the window's capability does not allow,
// say — arrive as bare strings and are turned into one here).

import { invoke } from '@tauri-apps/api/core';
import { listen, type UnlistenFn } from '@tauri-apps/api/event';

import { toAppError } from '../lib/errors';
import type {
  Connection,
  Exclusion,
  ExportFormat,
  Family,
  FlushReport,
  HelperEvent,
  InterfaceRate,
  LookupAnswer,
  Mode,
  ModeProgress,
  ProbeAnswer,
  RouteFilter,
  RouteRow,
  SavedExport,
  SimAction,
  Setup,
  SetupAction,
  SimEvent,
  Status,
  WindowVisibility,
} from './types';

export type * from './types';

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (e) {
    throw toAppError(e);
  }
}

/** Where the connection to the helper stands. */
export const connection = (): Promise<Connection> => call('connection');

/** Mode, egress per family, pins, history. */
export const status = (): Promise<Status> => call('status');

/** The routing table (every page, in dump order), optionally filtered by the helper. */
export const routes = (filter?: RouteFilter): Promise<RouteRow[]> =>
  call('routes', filter ? { filter } : {});

/** "Which interface would traffic to `destination` take?", optionally as a socket bound to `scopedTo`. */
export const lookup = (destination: string, scopedTo?: string): Promise<LookupAnswer> =>
  call('lookup', scopedTo ? { destination, scopedTo } : { destination });

/** Switches the mode; progress arrives as `mode-progress` events. */
export const setMode = (mode: Mode): Promise<Status> => call('set_mode', { mode });

/** The registered exclusions. */
export const exclusions = (): Promise<Exclusion[]> => call('exclusions');

/** Residual routes of ours: listed (`dryRun`) or removed. */
export const flush = (dryRun: boolean): Promise<FlushReport> => call('flush', { dryRun });

/** A probe through a socket the helper bound to the physical interface. */
export const verify = (family: Family): Promise<ProbeAnswer> => call('verify', { family });

/** The simulated Mac's scenario events (sim backend only). */
export const simEvents = (): Promise<SimEvent[]> => call('sim_events');

/** Drives the simulated Mac (sim backend only). */
export const sim = (action: SimAction): Promise<Status> => call('sim', { action });

/** Live per-interface rates. */
export const throughput = (): Promise<InterfaceRate[]> => call('throughput');

/** Saves the whole table to a new file in the Downloads folder; where it went. */
export const exportTable = (format: ExportFormat): Promise<SavedExport> =>
  call('export_table', { format });

/** The helper's availability, its versions and what the app can do about it. */
export const helperSetup = (): Promise<Setup> => call('helper_setup');

/** The command of each setup action. */
export const SETUP_COMMANDS: Record<SetupAction, string> = {
  register: 'register_helper',
  unregister: 'unregister_helper',
  restart: 'restart_helper',
  update: 'update_helper',
  open_approval_settings: 'open_approval_settings',
};

/** Takes a setup action; resolves to the state after (with a notice of what happened). */
export const setupAction = (action: SetupAction): Promise<Setup> => call(SETUP_COMMANDS[action]);

/** Opens the Route Inspector (or brings it forward). */
export const openInspector = (): Promise<void> => call('open_inspector');

/** Dismisses this window: the popover hides, the Route Inspector closes. */
export const closeWindow = (): Promise<void> => call('close_window');

/** Every helper event, forwarded by the app. */
export const onHelperEvent = (handler: (event: HelperEvent) => void): Promise<UnlistenFn> =>
  listen<HelperEvent>('helper-event', (e) => handler(e.payload));

/** Every change of the connection's state. */
export const onConnection = (handler: (c: Connection) => void): Promise<UnlistenFn> =>
  listen<Connection>('connection', (e) => handler(e.payload));

/** Progress of a mode switch this app started. */
export const onModeProgress = (handler: (p: ModeProgress) => void): Promise<UnlistenFn> =>
  listen<ModeProgress>('mode-progress', (e) => handler(e.payload));

/**
 * The app showed (`true`) or hid (`false`) the window labelled `label`
 * (`popover`, `inspector`). The payload names the window, so a page never
 * acts on another window's event.
 */
export const onVisibility = (label: string, handler: (visible: boolean) => void): Promise<UnlistenFn> =>
  listen<WindowVisibility>('window-visibility', (e) => {
    if (e.payload.window === label) handler(e.payload.visible);
  });
