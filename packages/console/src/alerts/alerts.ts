import { pageLooking } from '../chat/attention';
import type { AlertSettings } from './alertSettings';

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

function audioContext(): AudioContext | null {
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

/** A short, soft two-note chime (synthesised: no audio file to load). */
export function playChime(): void {
  const context = audioContext();
  if (!context) return;
  if (context.state === 'suspended') void context.resume().catch(() => {});
  const start = context.currentTime + 0.01;
  [880, 1318.5].forEach((frequency, i) => {
    const at = start + i * 0.13;
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = 'sine';
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.18, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.32);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(at);
    oscillator.stop(at + 0.35);
  });
}

export interface MessageAlert {
  /** One notification per chat: a newer one replaces it. */
  chatId: string;
  title: string;
  body: string;
  /** The operator clicked the notification: show the chat. */
  onClick(): void;
}

/**
 * Tells the operator about new messages while the console is in the background (tab hidden or window not focused):
 * a desktop notification if they switched those on and the browser allows them, and a chime if sound is on.
 */
export function alertNewMessages(settings: AlertSettings, alert: MessageAlert): void {
  if (pageLooking()) return;
  if (settings.desktop && desktopPermission() === 'granted') {
    try {
      const notification = new window.Notification(alert.title, {
        body: alert.body,
        tag: `parley-chat-${alert.chatId}`,
        icon: '/favicon.svg',
      });
      notification.onclick = () => {
        window.focus();
        alert.onClick();
        notification.close();
      };
    } catch {
      // Some browsers only notify from a service worker; the dot, the title and the sound still tell.
    }
  }
  if (settings.sound) playChime();
}
