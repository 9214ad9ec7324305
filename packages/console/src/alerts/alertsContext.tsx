import { createContext, use, useEffect, useState } from 'react';
import { type AlertSettings, DEFAULT_ALERTS, loadAlertSettings, saveAlertSettings } from './alertSettings';
import { primeSound } from './alerts';

function localStore(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** The signed-in operator's alert settings (the shell provides them; chat windows and pages read them). */
export const AlertsContext = createContext<AlertSettings>(DEFAULT_ALERTS);

export function useAlertSettings(): AlertSettings {
  return use(AlertsContext);
}

/** The operator's settings, kept in this browser, and the function that changes them. */
export function useOperatorAlerts(operatorId: string): [AlertSettings, (next: AlertSettings) => void] {
  const [alerts, setAlerts] = useState<AlertSettings>(() => loadAlertSettings(localStore(), operatorId));
  const change = (next: AlertSettings) => {
    setAlerts(next);
    saveAlertSettings(localStore(), operatorId, next);
  };
  // Browsers let a page make sound only after a click or key press in it: get the chime ready at the first one.
  useEffect(() => {
    if (!alerts.sound) return;
    const prime = () => primeSound();
    window.addEventListener('pointerdown', prime, { once: true });
    window.addEventListener('keydown', prime, { once: true });
    return () => {
      window.removeEventListener('pointerdown', prime);
      window.removeEventListener('keydown', prime);
    };
  }, [alerts.sound]);
  return [alerts, change];
}
