/** What the browser allows for desktop notifications here ('unsupported': no API, e.g. a page not on HTTPS). */
export type DesktopPermission = NotificationPermission | 'unsupported';

export function desktopPermission(): DesktopPermission {
  if (typeof window === 'undefined' || !('Notification' in window)) return 'unsupported';
  return window.Notification.permission;
}

/** Asks the browser (call from a click: browsers only ask on a user gesture). */
export async function requestDesktopPermission(): Promise<DesktopPermission> {
  if (desktopPermission() === 'unsupported') return 'unsupported';
  try {
    return await window.Notification.requestPermission();
  } catch {
    return desktopPermission();
  }
}

let audio: AudioContext | null = null;

/** The page's one audio context (made at the first need; null where the browser has none). */
export function audioContext(): AudioContext | null {
  if (audio) return audio;
  const Ctor =
    typeof window === 'undefined'
      ? undefined
      : (window.AudioContext ??
        (window as Window & { webkitAudioContext?: typeof AudioContext }).webkitAudioContext);
  if (!Ctor) return null;
  try {
    audio = new Ctor();
  } catch {
    return null;
  }
  return audio;
}

/**
 * Makes the chime playable later: browsers only let a page make sound after the person interacted with it, so this
 * runs on a click (e.g. switching the sound on, or any click in the console).
 */
export function primeSound(): void {
  const context = audioContext();
  if (context?.state === 'suspended') void context.resume().catch(() => {});
}
