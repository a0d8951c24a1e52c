// The live view of the helper both windows share: the connection, the
// status (updated by events), a counter that ticks when the routes must be
// re-read, and the helper's mode-progress broadcasts.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

import * as api from '../api';
import type { AppError, Connection, HelperEvent, Status, TimelineEntry } from '../api';
import { toAppError } from '../lib/errors';

/** A burst of `routes_changed` (a 10,000-route mode switch) re-reads the table once, this long after the last. */
const ROUTES_SETTLE_MS = 250;

/** The newest entries the UI keeps. */
const TIMELINE_KEEP = 100;

/** Appends an entry unless the status already holds it (a status event may carry it first). */
export function appendTimeline(list: TimelineEntry[], entry: TimelineEntry): TimelineEntry[] {
  const seen = list
    .slice(-10)
    .some((e) => e.at === entry.at && e.trigger === entry.trigger && e.outcome === entry.outcome);
  return seen ? list : [...list, entry].slice(-TIMELINE_KEEP);
}

export interface HelperView {
  connection: Connection | null;
  /** Whether this window has been connected at least once. */
  wasConnected: boolean;
  status: Status | null;
  /** The last failure of reading the status (shown until the next success). */
  statusError: AppError | null;
  /** Ticks whenever the routes shown must be re-read (settled: a burst of changes ticks once). */
  routesVersion: number;
  /** The helper's last `mode_progress` broadcast. */
  helperProgress: Extract<HelperEvent, { event: 'mode_progress' }> | null;
  refreshStatus: () => Promise<void>;
  setStatus: (s: Status) => void;
}

export function useHelper(): HelperView {
  const [connection, setConnection] = useState<Connection | null>(null);
  const [status, setStatusState] = useState<Status | null>(null);
  const [statusError, setStatusError] = useState<AppError | null>(null);
  const [routesVersion, setRoutesVersion] = useState(0);
  const [helperProgress, setHelperProgress] = useState<HelperView['helperProgress']>(null);
  const wasConnected = useRef(false);
  const reading = useRef<Promise<void> | null>(null);

  const refreshStatus = useCallback(async () => {
    if (reading.current) return reading.current;
    reading.current = api
      .status()
      .then((s) => {
        setStatusState(s);
        setStatusError(null);
      })
      .catch((e) => setStatusError(toAppError(e)))
      .finally(() => {
        reading.current = null;
      });
    return reading.current;
  }, []);

  const onConnection = useCallback(
    (c: Connection) => {
      setConnection(c);
      if (c.state === 'connected') {
        // Routes are re-read by the pages' effects, which depend on being connected.
        wasConnected.current = true;
        void refreshStatus();
      }
    },
    [refreshStatus],
  );

  useEffect(() => {
    let alive = true;
    const unlisten: Array<() => void> = [];
    const keep = (p: Promise<() => void>) =>
      p.then((u) => (alive ? unlisten.push(u) : u())).catch(() => undefined);

    // Listen first, then read, so nothing between the two is missed.
    const ready = Promise.all([
      keep(api.onConnection((c) => alive && onConnection(c))),
      keep(
        api.onHelperEvent((ev) => {
          if (!alive) return;
          switch (ev.event) {
            case 'status':
              setStatusState(ev.status);
              setStatusError(null);
              break;
            case 'timeline':
              setStatusState((s) => (s ? { ...s, timeline: appendTimeline(s.timeline, ev.entry) } : s));
              break;
            case 'routes_changed':
              setRoutesVersion((v) => v + 1);
              break;
            case 'lagged':
              void refreshStatus();
              setRoutesVersion((v) => v + 1);
              break;
            case 'mode_progress':
              setHelperProgress(ev);
              break;
            default:
              break; // `stopping`: the connection event that follows says what to show.
          }
        }),
      ),
    ]);
    void ready.then(() =>
      api
        .connection()
        .then((c) => alive && onConnection(c))
        .catch((e) => {
          const err = toAppError(e);
          if (alive) setStatusError(err);
        }),
    );
    return () => {
      alive = false;
      unlisten.forEach((u) => u());
    };
  }, [onConnection, refreshStatus]);

  const settledRoutes = useSettled(routesVersion, ROUTES_SETTLE_MS);
  return {
    connection,
    wasConnected: wasConnected.current,
    status,
    statusError,
    routesVersion: settledRoutes,
    helperProgress,
    refreshStatus,
    setStatus: setStatusState,
  };
}

/** Calls `fn` every `ms` while `active`, and once at once. */
export function useInterval(fn: () => void, ms: number, active: boolean): void {
  const saved = useRef(fn);
  saved.current = fn;
  useEffect(() => {
    if (!active) return undefined;
    saved.current();
    const id = setInterval(() => saved.current(), ms);
    return () => clearInterval(id);
  }, [ms, active]);
}

/** The time now, re-rendered every `ms` while `active` (for "since" texts), and at once when it becomes active. */
export function useNow(ms = 15000, active = true): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return undefined;
    setNow(Date.now());
    const id = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(id);
  }, [ms, active]);
  return now;
}

/** `value`, but a change only shows once it has held for `ms` (the first value at once). */
export function useSettled<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    if (Object.is(value, settled)) return undefined;
    const id = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(id);
  }, [value, settled, ms]);
  return settled;
}
