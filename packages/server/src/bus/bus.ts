import type { AgentServerFrame, ConsoleServerFrame, DeviceSummary } from '@parley/protocol';

/**
 * What crosses between server nodes. Subjects:
 * - `device.<deviceId>`: frames for the agent of that device (the node holding its connection sends them);
 * - `chat.<chatId>`: frames for the consoles watching that chat;
 * - `devices`: a device's summary changed (presence, logged-on users), a chat opened or ended on it, or it was removed;
 * - `access`: operators' capabilities, rights, groups or sessions changed: every node reads them again;
 * - `license`: a license was installed: every node reads it again;
 * - `recording`: the recording settings changed: every node reads them again.
 */
export type BusMessage =
  | { type: 'to_agent'; frame: AgentServerFrame }
  | { type: 'to_consoles'; frame: ConsoleServerFrame }
  | { type: 'device_changed'; device: DeviceSummary }
  | { type: 'device_removed'; deviceId: string }
  /** The device's open chats after one opened or ended (P-35); each console marks its operator's own. */
  | { type: 'device_chats'; deviceId: string; chats: readonly DeviceChatOf[] }
  /** On `device.<id>`: the node holding the agent closes its connection with this code (P-29). */
  | { type: 'cut_off'; code: number; reason: string }
  | { type: 'access_changed'; operatorIds: readonly string[] | 'all' }
  /** Some of the operator's sessions ended (sign-out, a session ended from the list): their sockets check theirs. */
  | { type: 'sessions_ended'; operatorId: string }
  | { type: 'license_changed' }
  | { type: 'recording_changed' };

/** A chat open on a device, with whose it is. */
export interface DeviceChatOf {
  chatId: string;
  operatorId: string;
  operatorName: string;
}

export type BusHandler = (message: BusMessage) => void;

export interface Bus {
  publish(subject: string, message: BusMessage): void;
  /** Returns the function that ends the subscription. */
  subscribe(subject: string, handler: BusHandler): () => void;
  close(): Promise<void>;
}

export const subjects = {
  device: (deviceId: string) => `device.${deviceId}`,
  chat: (chatId: string) => `chat.${chatId}`,
  devices: 'devices',
  access: 'access',
  license: 'license',
  recording: 'recording',
} as const;

/** The single-node bus: a subject → handlers map, delivered on a microtask like a network bus would. */
export class LocalBus implements Bus {
  private readonly handlers = new Map<string, Set<BusHandler>>();

  publish(subject: string, message: BusMessage): void {
    const handlers = this.handlers.get(subject);
    if (!handlers || handlers.size === 0) return;
    const copy = [...handlers];
    queueMicrotask(() => {
      for (const handler of copy) handler(message);
    });
  }

  subscribe(subject: string, handler: BusHandler): () => void {
    let set = this.handlers.get(subject);
    if (!set) {
      set = new Set();
      this.handlers.set(subject, set);
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0) this.handlers.delete(subject);
    };
  }

  async close(): Promise<void> {
    this.handlers.clear();
  }
}
