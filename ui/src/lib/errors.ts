// Failures as states the user can act on: what the connection's state (or a
// command's error) means, and what to do about it. Pure.

import type { AppError, Connection } from '../api/types';

/** Where the app runs, for the commands it suggests. */
export type Platform = 'macos' | 'linux' | 'other';

/** A problem that replaces (or tops) the normal view. */
export interface Problem {
  kind:
    | 'connecting'
    | 'reconnecting'
    | 'not_running'
    | 'not_installed'
    | 'not_permitted'
    | 'incompatible'
    | 'disconnected';
  title: string;
  /** The sentence from the app (or ours when it sent none). */
  message: string;
  /** What to do, in one sentence. */
  action: string;
  /** Commands to run, in order of likelihood. */
  commands: string[];
  /** Whether the app is already retrying (show a spinner, not a button). */
  retrying: boolean;
}

/** The app's name and version, as the incompatible state names it. */
export const APP_NAME = 'Egress app 0.1.0';

/** The sockets a packaged helper serves; any other is a hand-started one (the sim). */
const SYSTEM_SOCKETS = ['/run/egress/helper.sock', '/var/run/egress/helper.sock'];

/** Guesses the platform from a user agent string. */
export function platformOf(userAgent: string): Platform {
  if (/Mac OS X|Macintosh/.test(userAgent)) return 'macos';
  if (/Linux|X11/.test(userAgent)) return 'linux';
  return 'other';
}

/** Any rejection as an `AppError` (Tauri's own failures are bare strings). */
export function toAppError(e: unknown): AppError {
  if (e && typeof e === 'object' && 'code' in e && 'message' in e) {
    const { code, message } = e as { code: unknown; message: unknown };
    if (typeof code === 'string' && typeof message === 'string') {
      return { code: code as AppError['code'], message };
    }
  }
  if (e instanceof Error) return { code: 'internal', message: e.message };
  if (typeof e === 'string') return { code: 'internal', message: e };
  return { code: 'internal', message: 'Something went wrong talking to the app.' };
}

function startCommands(socket: string, platform: Platform): string[] {
  if (socket && !SYSTEM_SOCKETS.includes(socket)) {
    return [
      './scripts/run   # the simulated Mac, from the Egress source tree',
      `egress-helper run --backend sim --socket ${socket}`,
    ];
  }
  if (platform === 'macos') {
    return [
      'sudo launchctl kickstart -k system/dev.egress.helper',
      'sudo /Applications/Egress.app/Contents/MacOS/egress-helper install',
    ];
  }
  return ['sudo systemctl start egress-helper', 'sudo apt install ./egress_*.deb'];
}

function joinCommands(platform: Platform): string[] {
  if (platform === 'macos') return ['sudo dseditgroup -o edit -a "$USER" -t user admin'];
  return ['sudo adduser "$USER" egress   # then log out and in again'];
}

/**
 * The problem the connection's state is, or null when connected.
 * `wasConnected`: whether this window has been connected before (then
 * "connecting" is a reconnect).
 */
export function connectionProblem(
  c: Connection | null,
  wasConnected: boolean,
  platform: Platform,
): Problem | null {
  if (c === null) {
    return {
      kind: 'connecting',
      title: 'Connecting…',
      message: 'Asking the app for the helper connection.',
      action: 'This takes a moment.',
      commands: [],
      retrying: true,
    };
  }
  const message = c.message ?? '';
  switch (c.state) {
    case 'connected':
      return null;
    case 'connecting':
      return wasConnected
        ? {
            kind: 'reconnecting',
            title: 'Reconnecting to the helper…',
            message: message || 'The connection to the Egress helper was lost.',
            action: 'Egress reconnects by itself; the data shown may be out of date.',
            commands: [],
            retrying: true,
          }
        : {
            kind: 'connecting',
            title: 'Connecting to the helper…',
            message: message || 'Connecting to the Egress helper.',
            action: 'This takes a moment.',
            commands: [],
            retrying: true,
          };
    case 'not_running':
      return {
        kind: 'not_running',
        title: 'The Egress helper is not running',
        message: message || `Nothing is listening at ${c.socket}.`,
        action:
          'Start the helper (or install it if it is not installed); Egress keeps trying and connects as soon as it answers.',
        commands: startCommands(c.socket, platform),
        retrying: true,
      };
    case 'not_installed':
      return {
        kind: 'not_installed',
        title: 'The Egress helper is not installed',
        message: message || `Nothing is listening at ${c.socket}, and no helper is installed.`,
        action: 'Install the helper; Egress connects as soon as it answers.',
        commands: startCommands(c.socket, platform).slice(1),
        retrying: true,
      };
    case 'not_permitted':
      return {
        kind: 'not_permitted',
        title: 'Permission denied',
        message: message || `The helper's socket ${c.socket} does not let this user in.`,
        action:
          c.changeRequires ??
          (platform === 'macos'
            ? 'Membership of the admin group is needed (or an entry in the helper’s policy.toml).'
            : 'Membership of the egress group is needed (or an entry in /etc/egress/policy.toml).'),
        commands: joinCommands(platform),
        retrying: false,
      };
    case 'incompatible':
      return {
        kind: 'incompatible',
        title: 'Incompatible helper version',
        message: message || 'The helper speaks another protocol version than this app.',
        action: `Install the helper of the same release as this app (${APP_NAME})${
          c.helper ? `; the helper is ${c.helper}` : ''
        }.`,
        commands: startCommands(c.socket, platform).slice(1),
        retrying: false,
      };
  }
}

/** A command's error as a problem, when it is about the connection; else null. */
export function errorProblem(e: AppError, c: Connection | null, platform: Platform): Problem | null {
  const socket = c?.socket ?? '';
  switch (e.code) {
    case 'disconnected':
      return {
        kind: 'disconnected',
        title: 'Disconnected — reconnecting…',
        message: e.message,
        action: 'Egress reconnects by itself; try again in a moment.',
        commands: [],
        retrying: true,
      };
    case 'not_running':
    case 'not_installed':
    case 'not_permitted':
    case 'incompatible':
      return connectionProblem(
        {
          state: e.code,
          message: e.message,
          helper: c?.helper ?? null,
          backend: null,
          access: null,
          changeRequires: c?.changeRequires ?? null,
          socket,
        },
        false,
        platform,
      );
    default:
      return null;
  }
}

/** One line for a failed command shown next to the control that failed. */
export function errorLine(e: AppError): string {
  switch (e.code) {
    case 'permission_denied':
      return `Permission denied: ${e.message}`;
    case 'mode_forced':
      return `The mode is fixed: ${e.message}`;
    case 'busy':
    case 'too_many_requests':
      return `The helper is busy; try again. (${e.message})`;
    default:
      return e.message;
  }
}

/** A message as a sentence: a capital first letter and a full stop. */
export function sentence(text: string): string {
  const t = text.trim();
  if (!t) return t;
  const first = t[0].toUpperCase() + t.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}
