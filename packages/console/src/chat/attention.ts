import { useSyncExternalStore } from 'react';

/**
 * Whether the person is looking at this page now: the tab is visible and the window has the focus. What arrives
 * while they are not is unread (a dot, the tab title, a notification); when they come back it is read.
 */
export function pageLooking(doc: Pick<Document, 'visibilityState' | 'hasFocus'> = document): boolean {
  return doc.visibilityState === 'visible' && doc.hasFocus();
}

function subscribe(onChange: () => void): () => void {
  document.addEventListener('visibilitychange', onChange);
  window.addEventListener('focus', onChange);
  window.addEventListener('blur', onChange);
  return () => {
    document.removeEventListener('visibilitychange', onChange);
    window.removeEventListener('focus', onChange);
    window.removeEventListener('blur', onChange);
  };
}

/** `pageLooking()` as React state. */
export function usePageLooking(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => pageLooking(),
    () => true,
  );
}
