import { Bell, BellOff } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import type { AlertSettings } from './alertSettings';
import { type DesktopPermission, desktopPermission, primeSound, requestDesktopPermission } from './alerts';

function permissionNote(permission: DesktopPermission): string | null {
  if (permission === 'unsupported')
    return 'This browser cannot show notifications for this page (they need HTTPS).';
  if (permission === 'denied')
    return 'Notifications are blocked for this site. Allow them in the browser’s site settings.';
  return null;
}

/**
 * The bell in the top bar: how the operator hears about new messages while the console is in the background.
 * A disclosure (button + panel); Esc or a click elsewhere closes it.
 */
export function AlertMenu({
  settings,
  onChange,
}: {
  settings: AlertSettings;
  onChange(settings: AlertSettings): void;
}) {
  const [open, setOpen] = useState(false);
  const [permission, setPermission] = useState<DesktopPermission>(() => desktopPermission());
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const panelId = useId();
  const noteId = useId();
  const desktopOn = settings.desktop && permission === 'granted';

  useEffect(() => {
    if (!open) return;
    setPermission(desktopPermission());
    const onPointerDown = (event: PointerEvent) => {
      if (event.target instanceof Node && rootRef.current?.contains(event.target)) return;
      setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    return () => document.removeEventListener('pointerdown', onPointerDown);
  }, [open]);

  const toggleDesktop = async (on: boolean) => {
    if (!on) {
      onChange({ ...settings, desktop: false });
      return;
    }
    const answer = permission === 'granted' ? 'granted' : await requestDesktopPermission();
    setPermission(answer);
    onChange({ ...settings, desktop: answer === 'granted' });
  };

  const note = permissionNote(permission);
  const anyOn = desktopOn || settings.sound;
  const Icon = anyOn ? Bell : BellOff;

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: Esc anywhere in the disclosure closes it.
    <div
      className="alert-menu"
      ref={rootRef}
      onKeyDown={(event) => {
        if (event.key === 'Escape' && open) {
          event.preventDefault();
          setOpen(false);
          buttonRef.current?.focus();
        }
      }}
    >
      <button
        ref={buttonRef}
        type="button"
        className="button button--ghost button--small"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => setOpen((value) => !value)}
      >
        <Icon size={16} aria-hidden="true" />
        <span>Alerts</span>
      </button>
      <fieldset id={panelId} className="alert-menu__panel" hidden={!open}>
        <legend className="alert-menu__title">New messages while Parley is in the background</legend>
        <label className="check">
          <input
            type="checkbox"
            checked={desktopOn}
            disabled={permission === 'unsupported'}
            aria-describedby={note ? noteId : undefined}
            onChange={(event) => void toggleDesktop(event.target.checked)}
          />
          <span>Desktop notifications</span>
        </label>
        <label className="check">
          <input
            type="checkbox"
            checked={settings.sound}
            onChange={(event) => {
              if (event.target.checked) primeSound();
              onChange({ ...settings, sound: event.target.checked });
            }}
          />
          <span>Sound</span>
        </label>
        {note && (
          <p id={noteId} className="alert-menu__note">
            {note}
          </p>
        )}
      </fieldset>
    </div>
  );
}
