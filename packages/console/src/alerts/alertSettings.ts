/** How an operator wants to hear about new messages while the console is in the background. */
export interface AlertSettings {
  /** Desktop notifications (the browser's Notification API, once the operator allowed it). */
  desktop: boolean;
  /** A short chime. */
  sound: boolean;
}

/** Desktop notifications need the operator to switch them on (the browser asks for permission then); sound is on. */
export const DEFAULT_ALERTS: AlertSettings = { desktop: false, sound: true };

type Store = Pick<Storage, 'getItem' | 'setItem'>;

export function alertSettingsKey(operatorId: string): string {
  return `parley.alerts.${operatorId}`;
}

/** The operator's settings in this browser (localStorage, per operator), or the defaults. */
export function loadAlertSettings(storage: Store | null, operatorId: string): AlertSettings {
  try {
    const raw = storage?.getItem(alertSettingsKey(operatorId));
    if (!raw) return DEFAULT_ALERTS;
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return DEFAULT_ALERTS;
    const { desktop, sound } = value as Record<string, unknown>;
    return {
      desktop: typeof desktop === 'boolean' ? desktop : DEFAULT_ALERTS.desktop,
      sound: typeof sound === 'boolean' ? sound : DEFAULT_ALERTS.sound,
    };
  } catch {
    return DEFAULT_ALERTS;
  }
}

export function saveAlertSettings(storage: Store | null, operatorId: string, settings: AlertSettings): void {
  try {
    storage?.setItem(alertSettingsKey(operatorId), JSON.stringify(settings));
  } catch {
    // Not remembered in this browser; the setting still holds for this page.
  }
}
