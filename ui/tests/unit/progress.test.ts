import { describe, expect, it } from 'vitest';

import { IDLE, canStart, fraction, isBusy, progressText, reduceSwitch, type SwitchAction, type SwitchState } from '../../src/lib/progress';

const run = (actions: SwitchAction[], from: SwitchState = IDLE) => actions.reduce(reduceSwitch, from);

describe('the mode switch state machine', () => {
  it('starts, counts up, and ends', () => {
    const s = run([{ type: 'start', target: 'legacy' }]);
    expect(s).toEqual({ phase: 'switching', target: 'legacy', done: 0, total: null });
    expect(isBusy(s)).toBe(true);
    expect(fraction(s)).toBeNull();
    expect(progressText(s)).toBe('Switching to legacy routing…');
    const half = reduceSwitch(s, { type: 'progress', done: 5000, total: 10000 });
    expect(fraction(half)).toBe(0.5);
    expect(progressText(half)).toBe('Switching to legacy routing: 5,000 of 10,000 routes');
    const done = reduceSwitch(half, { type: 'finished' });
    expect(done).toEqual(IDLE);
    expect(canStart(done)).toBe(true);
  });

  it('ignores a second start while a switch runs (no double click into a mess)', () => {
    const s = run([{ type: 'start', target: 'legacy' }, { type: 'progress', done: 10, total: 100 }]);
    expect(reduceSwitch(s, { type: 'start', target: 'advanced' })).toBe(s);
    expect(canStart(s)).toBe(false);
  });

  it('only moves forward and never past the total', () => {
    const s = run([
      { type: 'start', target: 'legacy' },
      { type: 'progress', done: 700, total: 1000 },
      { type: 'progress', done: 300, total: 1000 },
    ]);
    expect(s).toMatchObject({ done: 700, total: 1000 });
    expect(reduceSwitch(s, { type: 'progress', done: 5000, total: 1000 })).toMatchObject({ done: 1000 });
    expect(fraction(run([{ type: 'start', target: 'legacy' }, { type: 'progress', done: 0, total: 0 }]))).toBe(1);
  });

  it('ignores progress when nothing is switching', () => {
    expect(reduceSwitch(IDLE, { type: 'progress', done: 1, total: 2 })).toBe(IDLE);
    expect(reduceSwitch(IDLE, { type: 'finished' })).toBe(IDLE);
    expect(reduceSwitch(IDLE, { type: 'failed', message: 'x' })).toBe(IDLE);
  });

  it('fails with the reason, allows a retry, and can be dismissed', () => {
    const failed = run([{ type: 'start', target: 'legacy' }, { type: 'failed', message: 'permission denied' }]);
    expect(failed).toEqual({ phase: 'failed', target: 'legacy', message: 'permission denied' });
    expect(isBusy(failed)).toBe(false);
    expect(progressText(failed)).toContain('permission denied');
    expect(canStart(failed)).toBe(true);
    expect(reduceSwitch(failed, { type: 'dismiss' })).toEqual(IDLE);
    expect(reduceSwitch(failed, { type: 'start', target: 'legacy' })).toMatchObject({ phase: 'switching' });
  });

  it("follows another client's switch from the helper's broadcasts, and blocks ours meanwhile", () => {
    const s = run([{ type: 'helper_progress', mode: 'legacy', done: 100, total: 10000 }]);
    expect(s).toEqual({ phase: 'external', target: 'legacy', done: 100, total: 10000 });
    expect(isBusy(s)).toBe(true);
    expect(progressText(s)).toContain('Another client');
    expect(reduceSwitch(s, { type: 'start', target: 'advanced' })).toBe(s);
    const on = reduceSwitch(s, { type: 'helper_progress', mode: 'legacy', done: 9000, total: 10000 });
    expect(on).toMatchObject({ done: 9000 });
    expect(reduceSwitch(on, { type: 'helper_progress', mode: 'legacy', done: 10000, total: 10000 })).toEqual(IDLE);
  });

  it("counts our own switch from the helper's broadcasts too, for its mode only", () => {
    const s = run([{ type: 'start', target: 'legacy' }, { type: 'helper_progress', mode: 'legacy', done: 40, total: 80 }]);
    expect(s).toMatchObject({ phase: 'switching', done: 40, total: 80 });
    expect(reduceSwitch(s, { type: 'helper_progress', mode: 'advanced', done: 79, total: 80 })).toBe(s);
  });
});
