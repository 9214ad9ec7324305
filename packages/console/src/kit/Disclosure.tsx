import type { LucideIcon } from 'lucide-react';
import { type ReactNode, useId, useRef, useState } from 'react';
import { Button } from './Button';
import { useDismiss } from './useDismiss';

/**
 * A button that shows and hides a panel below it (WAI-ARIA disclosure), for settings in the top bar: Esc in it, or
 * a click elsewhere, closes it; Esc gives the focus back to the button.
 */
export function Disclosure({
  label,
  icon,
  className,
  onOpen,
  children,
}: {
  label: string;
  icon?: LucideIcon;
  className?: string;
  /** Called each time the panel opens (e.g. to read a browser permission again). */
  onOpen?(): void;
  children: ReactNode;
}) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  useDismiss(open, rootRef, () => setOpen(false));

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Esc anywhere in the disclosure closes it.
    <div
      className={['disclosure', className].filter(Boolean).join(' ')}
      ref={rootRef}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.preventDefault();
          setOpen(false);
          buttonRef.current?.focus();
        }
      }}
    >
      <Button
        ref={buttonRef}
        small
        icon={icon}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          if (!open) onOpen?.();
          setOpen(!open);
        }}
      >
        {label}
      </Button>
      <div id={panelId} className="disclosure__panel" hidden={!open}>
        {children}
      </div>
    </div>
  );
}
