// The helper's availability (the app's `Setup`) as what the user reads and
// can do: a title, a sentence, both versions when they matter, commands for
// a terminal when the app cannot act itself, and a button per action the
// app offers. Pure.

import type { Connection, Setup, SetupAction } from '../api/types';
import type { Platform } from './errors';

/** A button for one of the app's setup actions. */
export interface SetupButton {
  action: SetupAction;
  label: string;
  /** Asked before acting (removing the helper). */
  confirm: string | null;
  primary: boolean;
}

/** What the setup panel shows. */
export interface SetupView {
  /** The state, for styling and tests. */
  kind: Setup['state'];
  tone: 'bad' | 'warn' | 'info';
  title: string;
  body: string;
  /** Both programs' versions, when they are the point. */
  versions: { app: string; helper: string } | null;
  /** Commands to run in a terminal (when the app cannot act itself). */
  commands: string[];
  /** A sentence after the commands (log out and in, say). */
  after: string | null;
  buttons: SetupButton[];
  /** Whether the normal view is replaced (else the panel tops it). */
  blocking: boolean;
}

const LEGACY_INSTALL = 'sudo /Applications/Egress.app/Contents/MacOS/egress-helper install';
const SIM_RUN = './scripts/run   # the simulated Mac, from the Egress source tree';
const REMOVE_CONFIRM =
  'Remove the helper? It stops and removes every route it installed; Egress cannot show or change routing until you install it again.';

/** The button words of `action` in `setup`. */
export function buttonLabel(action: SetupAction, setup: Setup): string {
  switch (action) {
    case 'register':
      return setup.manager === 'systemd' ? 'Start helper' : 'Install helper';
    case 'unregister':
      return 'Remove helper…';
    case 'restart':
      return 'Restart helper';
    case 'open_approval_settings':
      return 'Open Login Items';
    case 'update':
      return setup.state === 'not_found' ? 'Re-register helper' : 'Update helper';
  }
}

function buttons(setup: Setup): SetupButton[] {
  return setup.actions.map((action, i) => ({
    action,
    label: buttonLabel(action, setup),
    confirm: action === 'unregister' ? REMOVE_CONFIRM : null,
    primary: i === 0 && action !== 'unregister',
  }));
}

function versions(setup: Setup) {
  return { app: setup.app, helper: setup.helper ?? 'unknown (it refused before naming itself)' };
}

function isMac(setup: Setup, platform: Platform): boolean {
  if (setup.manager === 'app_service' || setup.manager === 'legacy_launchd') return true;
  if (setup.manager === 'systemd') return false;
  return platform === 'macos';
}

/** The panel for `setup`, or null when there is nothing to say (connected and current, or connecting). */
export function setupView(setup: Setup, platform: Platform): SetupView | null {
  const base = {
    kind: setup.state,
    versions: null,
    commands: [] as string[],
    after: null,
    buttons: buttons(setup),
    blocking: true,
    tone: 'bad' as const,
  };
  const unmanaged = setup.manager === 'unmanaged';
  switch (setup.state) {
    case 'ok':
    case 'connecting':
      return null;
    case 'update_available':
      return {
        ...base,
        tone: 'info',
        blocking: false,
        title: 'A helper update is available',
        body: `The running helper is older than this app. ${
          setup.manager === 'app_service'
            ? 'Updating registers the helper again, so macOS runs the one inside this Egress.app.'
            : setup.manager === 'systemd'
              ? 'Updating restarts the helper, so the one the package installed runs.'
              : 'Restart it from where it was installed to run the new one.'
        }`,
        versions: versions(setup),
        commands: setup.manager === 'legacy_launchd' ? [LEGACY_INSTALL] : [],
      };
    case 'not_installed':
      switch (setup.manager) {
        case 'app_service':
          return {
            ...base,
            title: 'The Egress helper is not installed',
            body: 'Egress changes routes through a small helper that runs in the background as root. Install it; macOS then asks you to allow it in Login Items.',
          };
        case 'legacy_launchd':
          return {
            ...base,
            title: 'The Egress helper is not installed',
            body: 'This macOS is older than 13, so the app cannot install its helper itself: an administrator installs it once in Terminal.',
            commands: [LEGACY_INSTALL],
          };
        case 'systemd':
          return {
            ...base,
            title: 'The Egress helper is not installed',
            body: 'Its systemd unit, egress-helper.service, is missing. Install the Egress package: it installs the helper and starts it.',
            commands: ['sudo apt install ./egress_*.deb'],
          };
        case 'unmanaged':
          return {
            ...base,
            title: 'The Egress helper is not running',
            body: `Nothing is listening at ${setup.socket}. This app talks to a helper started by hand (EGRESS_SOCKET); start it there.`,
            commands: [SIM_RUN],
          };
      }
      return null;
    case 'needs_approval':
      return {
        ...base,
        tone: 'warn',
        title: 'Allow the Egress helper',
        body: 'The helper is registered, but macOS waits for your approval: turn Egress on in System Settings › General › Login Items, under “Allow in the Background”.',
      };
    case 'not_found':
      return {
        ...base,
        title: 'The helper’s program is missing',
        body: 'The helper is registered, but its program is missing from Egress.app (the app was moved, or the copy is damaged). Register it again; if that fails, reinstall Egress.',
      };
    case 'not_running': {
      let body = `It is installed, but nothing answers at ${setup.socket}. Egress keeps trying.`;
      let commands: string[] = [];
      if (unmanaged) {
        body = `Nothing is listening at ${setup.socket}. This app talks to a helper started by hand (EGRESS_SOCKET); start it there.`;
        commands = [SIM_RUN];
      } else if (setup.manager === 'systemd') {
        switch (setup.service) {
          case 'disabled':
            body = 'The helper is installed but not enabled. Start it (your password is asked for); it then starts at every boot.';
            break;
          case 'failed':
            body = 'systemd says the helper failed (it crashed or could not start). Restart it; your password is asked for. The journal says why it stopped.';
            commands = ['journalctl -u egress-helper.service -n 50   # why it stopped'];
            break;
          case 'masked':
            body = 'The helper’s unit is masked, so systemd will not start it. Unmask it in a terminal, then start it.';
            commands = ['sudo systemctl unmask egress-helper.service', 'sudo systemctl enable --now egress-helper.service'];
            break;
          case 'unknown':
            body = 'systemd is not running here, so Egress cannot start the helper; start it by hand.';
            commands = ['sudo egress-helper run'];
            break;
          default:
            body = `systemd has the helper enabled, but nothing answers at ${setup.socket} (it may have failed). Restart it; your password is asked for.`;
            commands = ['journalctl -u egress-helper.service -n 50   # why it stopped'];
        }
      } else if (setup.manager === 'legacy_launchd') {
        commands = ['sudo launchctl kickstart -k system/dev.egress.helper'];
      } else {
        body = `It is installed and allowed, but nothing answers at ${setup.socket}. Restart it; Egress keeps trying meanwhile.`;
      }
      return { ...base, title: 'The Egress helper is not running', body, commands };
    }
    case 'permission_denied': {
      const group = setup.group ?? (isMac(setup, platform) ? 'admin' : 'egress');
      const mac = isMac(setup, platform);
      return {
        ...base,
        tone: 'warn',
        title: 'Permission denied',
        body: `The helper’s socket ${setup.socket} only lets members of the ${group} group in${
          mac ? '' : ' (or users named in /etc/egress/policy.toml)'
        }.`,
        commands: mac
          ? [`sudo dseditgroup -o edit -a "$USER" -t user ${group}`]
          : [`sudo usermod -aG ${group} $USER`],
        after: 'Then log out and back in, so the new group applies.',
      };
    }
    case 'incompatible':
      return {
        ...base,
        title: 'Incompatible helper version',
        body: `This app and the running helper speak different protocol versions.${
          setup.actions.includes('update')
            ? ' Update the helper to the one that came with this app.'
            : ' Install the helper of the same release as this app.'
        }`,
        versions: versions(setup),
        commands:
          setup.actions.length > 0
            ? []
            : setup.manager === 'legacy_launchd'
              ? [LEGACY_INSTALL]
              : unmanaged
                ? [SIM_RUN]
                : [],
      };
  }
}

/** Whether `setup` shows a panel that replaces the normal view. */
export function setupBlocks(setup: Setup | null, platform: Platform): boolean {
  return setup !== null && (setupView(setup, platform)?.blocking ?? false);
}

/**
 * Whether `setup` describes `connection` (read after its last change): a
 * connected helper is "ok" or "update available", anything else is not.
 */
export function setupMatches(setup: Setup | null, connection: Connection | null): setup is Setup {
  if (!setup || !connection) return false;
  const up = setup.state === 'ok' || setup.state === 'update_available';
  return up === (connection.state === 'connected');
}
