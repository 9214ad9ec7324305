import type { LucideIcon } from 'lucide-react';
import type { NativeButton } from './Button';

export interface IconButtonProps extends NativeButton {
  /** The button's accessible name, also shown as its tooltip. */
  label: string;
  icon: LucideIcon;
  /** A toggle's state (`aria-pressed`). */
  pressed?: boolean;
}

/** A button that shows only an icon: named by `label` (aria-label and title). */
export function IconButton({ label, icon: Icon, pressed, className, ...rest }: IconButtonProps) {
  return (
    <button
      type="button"
      className={className ?? 'icon-button'}
      aria-label={label}
      title={label}
      aria-pressed={pressed}
      {...rest}
    >
      <Icon size={16} aria-hidden="true" />
    </button>
  );
}
