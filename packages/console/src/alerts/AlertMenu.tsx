import { Bell, BellOff } from 'lucide-react';
import { useId, useState } from 'react';
import { Checkbox } from '../kit/Checkbox';
import { Disclosure } from '../kit/Disclosure';
import './alerts.css';
import type { AlertSettings } from './alertSettings';
import { type DesktopPermission, desktopPermission, primeSound, requestDesktopPermission } from './alerts';

function permissionNote(permission: DesktopPermission): string | null {
  if (permission === 'unsupported')
    return 'This browser cannot show notifications for this page (they need HTTPS).';
  if (permission === 'denied')
    return 'Notifications are blocked for this site. Allow them in the browser’s site settings.';
  return null;
}

/** The bell in the top bar: how the operator hears about new messages while the console is in the background. */
export function AlertMenu({
  settings,
  onChange,
}: {
  settings: AlertSettings;
  onChange(settings: AlertSettings): void;
}) {
  const [permission, setPermission] = useState<DesktopPermission>(() => desktopPermission());
  const noteId = useId();
  const desktopOn = settings.desktop && permission === 'granted';

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
  return (
    <Disclosure
      label="Alerts"
      icon={desktopOn || settings.sound ? Bell : BellOff}
      onOpen={() => setPermission(desktopPermission())}
    >
      <fieldset className="alert-menu__settings">
        <legend className="alert-menu__title">New messages while Parley is in the background</legend>
        <Checkbox
          label="Desktop notifications"
          checked={desktopOn}
          disabled={permission === 'unsupported'}
          aria-describedby={note ? noteId : undefined}
          onChange={(event) => void toggleDesktop(event.target.checked)}
        />
        <Checkbox
          label="Sound"
          checked={settings.sound}
          onChange={(event) => {
            if (event.target.checked) primeSound();
            onChange({ ...settings, sound: event.target.checked });
          }}
        />
        {note && (
          <p id={noteId} className="alert-menu__note">
            {note}
          </p>
        )}
      </fieldset>
    </Disclosure>
  );
}
