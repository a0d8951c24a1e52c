// Whether this window is on screen, so that nothing ticks while it is not:
// the app tells the page when it shows or hides its window (the
// `window-visibility` event), and the page's own `visibilitychange` covers
// minimising and engines that do report it. Either one saying hidden wins.

import { useEffect, useState } from 'preact/hooks';

import * as api from '../api';

/** Whether a document says it is hidden. */
const docHidden = (): boolean => typeof document !== 'undefined' && document.visibilityState === 'hidden';

/**
 * Whether the window labelled `label` is shown. Starts shown: the app
 * builds a window when it is first asked to show it.
 */
export function useVisible(label: string): boolean {
  const [shown, setShown] = useState(true);
  const [hidden, setHidden] = useState(docHidden);
  useEffect(() => {
    let alive = true;
    let off: (() => void) | undefined;
    const onChange = () => setHidden(docHidden());
    document.addEventListener('visibilitychange', onChange);
    api
      .onVisibility(label, (visible) => alive && setShown(visible))
      .then((u) => (alive ? (off = u) : u()), () => undefined);
    return () => {
      alive = false;
      document.removeEventListener('visibilitychange', onChange);
      off?.();
    };
  }, [label]);
  return shown && !hidden;
}
