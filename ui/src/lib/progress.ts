// The mode switch as a state machine: one switch at a time, progress that
// only moves forward, and a clear end (done or failed). Pure: the component
// feeds it actions and renders the state.

import type { Mode } from '../api/types';

export type SwitchState =
  | { phase: 'idle' }
  /** This app's `set_mode` is in flight. */
  | { phase: 'switching'; target: Mode; done: number; total: number | null }
  /** Another client's switch, seen through the helper's `mode_progress` events. */
  | { phase: 'external'; target: Mode; done: number; total: number }
  | { phase: 'failed'; target: Mode; message: string };

export type SwitchAction =
  | { type: 'start'; target: Mode }
  /** The app's `mode-progress` event. */
  | { type: 'progress'; done: number; total: number }
  /** The helper's `mode_progress` event (any client's switch). */
  | { type: 'helper_progress'; mode: Mode; done: number; total: number }
  | { type: 'finished' }
  | { type: 'failed'; message: string }
  | { type: 'dismiss' };

export const IDLE: SwitchState = { phase: 'idle' };

/** Whether a new switch may start now. */
export function canStart(s: SwitchState): boolean {
  return s.phase === 'idle' || s.phase === 'failed';
}

/** The next state. Actions that make no sense in a state leave it as it is. */
export function reduceSwitch(s: SwitchState, a: SwitchAction): SwitchState {
  switch (a.type) {
    case 'start':
      // A second click while a switch runs (ours or another's) is ignored.
      return canStart(s) ? { phase: 'switching', target: a.target, done: 0, total: null } : s;
    case 'progress': {
      if (s.phase !== 'switching') return s;
      const total = Math.max(0, a.total);
      const done = Math.min(Math.max(s.done, a.done), total);
      return { ...s, done, total };
    }
    case 'helper_progress': {
      if (s.phase === 'switching') {
        // Our own switch, as the helper broadcasts it: same numbers.
        if (a.mode !== s.target) return s;
        return reduceSwitch(s, { type: 'progress', done: a.done, total: a.total });
      }
      if (a.total > 0 && a.done >= a.total) return s.phase === 'external' ? IDLE : s;
      if (s.phase === 'external' && s.target === a.mode) {
        return { ...s, done: Math.max(s.done, a.done), total: a.total };
      }
      return { phase: 'external', target: a.mode, done: a.done, total: a.total };
    }
    case 'finished':
      return s.phase === 'switching' || s.phase === 'external' ? IDLE : s;
    case 'failed':
      return s.phase === 'switching' ? { phase: 'failed', target: s.target, message: a.message } : s;
    case 'dismiss':
      return s.phase === 'failed' ? IDLE : s;
  }
}

/** Whether the switch is busy (controls disabled). */
export function isBusy(s: SwitchState): boolean {
  return s.phase === 'switching' || s.phase === 'external';
}

/** Progress as a fraction 0..1, or null while the total is unknown. */
export function fraction(s: SwitchState): number | null {
  if ((s.phase === 'switching' || s.phase === 'external') && s.total !== null) {
    return s.total === 0 ? 1 : s.done / s.total;
  }
  return null;
}

/** The line a live region announces. */
export function progressText(s: SwitchState): string {
  switch (s.phase) {
    case 'idle':
      return '';
    case 'switching':
      return s.total === null
        ? `Switching to ${s.target} routing…`
        : `Switching to ${s.target} routing: ${s.done.toLocaleString('en-US')} of ${s.total.toLocaleString('en-US')} routes`;
    case 'external':
      return `Another client is switching to ${s.target} routing: ${s.done.toLocaleString('en-US')} of ${s.total.toLocaleString('en-US')}`;
    case 'failed':
      return `Switching to ${s.target} routing failed: ${s.message}`;
  }
}
