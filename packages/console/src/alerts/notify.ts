import { pageLooking } from '../chat/attention';
import type { AlertSettings } from './alertSettings';
import { audioContext, desktopPermission } from './alerts';

/* Telling the operator about new messages: what chat windows and chat pages call (the settings and the browser's
   permission are alerts.ts and alertSettings.ts, which the top bar needs before any chat is open). */

/** A notification's words for new messages of one chat. */
export function notificationContent(
  endUserName: string,
  deviceName: string,
  texts: readonly string[],
): { title: string; body: string } {
  const last = texts.at(-1) ?? '';
  const body = last.length > 160 ? `${last.slice(0, 159)}…` : last;
  const title =
    texts.length > 1
      ? `${texts.length} new messages from ${endUserName} (${deviceName})`
      : `${endUserName} (${deviceName})`;
  return { title, body };
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
