import type { LucideIcon } from 'lucide-react';
import type { ComponentProps, ReactNode } from 'react';

export type NativeButton = Omit<ComponentProps<'button'>, 'type' | 'children'>;

export interface ButtonProps extends NativeButton {
  /** primary: the one main action; ghost: the others; link: an action inside text (Retry, Reload). */
  variant?: 'primary' | 'ghost' | 'link';
  small?: boolean;
  /** As wide as its container. */
  block?: boolean;
  /** The action is under way (`aria-busy`; the button stays focusable). */
  busy?: boolean;
  icon?: LucideIcon;
  type?: 'button' | 'submit';
  children: ReactNode;
}

/** A button with the console's look. Its name is its text; an icon is decoration. */
export function Button({
  variant = 'ghost',
  small = false,
  block = false,
  busy = false,
  icon: Icon,
  type = 'button',
  className,
  children,
  ...rest
}: ButtonProps) {
  const classes =
    variant === 'link'
      ? ['link-button']
      : ['button', `button--${variant}`, small && 'button--small', block && 'button--block'];
  return (
    <button
      type={type}
      className={[...classes, className].filter(Boolean).join(' ')}
      aria-busy={busy || undefined}
      {...rest}
    >
      {Icon && <Icon size={variant === 'link' ? 12 : 16} aria-hidden="true" />}
      {Icon ? <span>{children}</span> : children}
    </button>
  );
}
