import { type RefObject, useEffect, useRef } from 'react';

/**
 * Closes an open popup (a menu, a disclosure's panel) when the pointer goes down outside `root`, and, with
 * `onFocusOut`, when the focus moves to something outside it (Tab, or a click on something focusable elsewhere).
 */
export function useDismiss(
  open: boolean,
  root: RefObject<HTMLElement | null>,
  dismiss: () => void,
  { onFocusOut = false }: { onFocusOut?: boolean } = {},
): void {
  const latest = useRef(dismiss);
  latest.current = dismiss;
  useEffect(() => {
    const element = root.current;
    if (!open || !element) return;
    const outside = (target: EventTarget | null) => target instanceof Node && !element.contains(target);
    const pointerDown = (event: PointerEvent) => {
      if (outside(event.target)) latest.current();
    };
    const focusOut = (event: FocusEvent) => {
      if (outside(event.relatedTarget)) latest.current();
    };
    document.addEventListener('pointerdown', pointerDown);
    if (onFocusOut) element.addEventListener('focusout', focusOut);
    return () => {
      document.removeEventListener('pointerdown', pointerDown);
      element.removeEventListener('focusout', focusOut);
    };
  }, [open, root, onFocusOut]);
}
