import type { AuthService } from './auth/sessions.js';
import type { Bus } from './bus/bus.js';
import type { ChatService } from './chats/chats.js';
import type { DeviceService } from './devices/devices.js';

/** The features a socket or route calls into. */
export interface Services {
  auth: AuthService;
  devices: DeviceService;
  chats: ChatService;
  bus: Bus;
}
