import type { LucideIcon } from 'lucide-react';
import { type ComponentProps, type ReactNode, useId } from 'react';

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
  /**
   * Why the operator cannot do this (the server would refuse it): the button is dimmed but stays focusable, does
   * nothing, and the reason is shown beside it and read as its description.
   */
  disabledReason?: string | undefined;
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
  disabledReason,
  ...rest
}: ButtonProps) {
  const whyId = useId();
  const classes =
    variant === 'link'
      ? ['link-button']
      : ['button', `button--${variant}`, small && 'button--small', block && 'button--block'];
  const button = (
    <button
      type={type}
      className={[...classes, className].filter(Boolean).join(' ')}
      aria-busy={busy || undefined}
      {...rest}
      {...(disabledReason
        ? {
            'aria-disabled': true,
            'aria-describedby': [rest['aria-describedby'], whyId].filter(Boolean).join(' '),
            onClick: (event) => event.preventDefault(),
          }
        : {})}
    >
      {Icon && <Icon size={variant === 'link' ? 12 : 16} aria-hidden="true" />}
      {Icon ? <span>{children}</span> : children}
    </button>
  );
  if (!disabledReason) return button;
  return (
    <span className="button-with-reason">
      {button}
      <span id={whyId} className="button-with-reason__why">
        {disabledReason}
      </span>
    </span>
  );
}
