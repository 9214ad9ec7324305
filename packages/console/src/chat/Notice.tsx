import { CircleAlert, Info, LoaderCircle, Lock, WifiOff } from 'lucide-react';
import type { ReactNode } from 'react';

const icons = {
  info: Info,
  waiting: LoaderCircle,
  offline: WifiOff,
  alert: CircleAlert,
  lock: Lock,
} as const;

export type NoticeTone = 'neutral' | 'warning' | 'danger';

/** A one-line banner above the conversation. `role` makes it a live region (status or alert) when it should be. */
export function Notice({
  icon,
  tone = 'neutral',
  role,
  children,
}: {
  icon: keyof typeof icons;
  tone?: NoticeTone;
  role?: 'status' | 'alert';
  children: ReactNode;
}) {
  const Icon = icons[icon];
  return (
    <div className={`notice notice--${tone}`} role={role}>
      <Icon
        className={icon === 'waiting' ? 'notice__icon spin' : 'notice__icon'}
        size={16}
        aria-hidden="true"
      />
      <span>{children}</span>
    </div>
  );
}
