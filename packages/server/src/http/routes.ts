import { registerAuthRoutes } from '../auth/routes.js';
import { registerChatRoutes } from '../chats/routes.js';
import { registerDeviceRoutes } from '../devices/routes.js';
import type { Services } from '../ws/services.js';
import type { App } from './app.js';

export interface RouteOptions {
  /** The public origin behind a TLS proxy (PARLEY_PUBLIC_URL); an https one makes cookies Secure. */
  publicOrigin: string | null;
  /** Sign-in attempts allowed per client address and minute. */
  loginAttemptsPerMinute: number;
}

/** Every REST route, feature by feature. */
export function registerRoutes(app: App, services: Services, options: RouteOptions): void {
  registerAuthRoutes(app, services, options);
  registerDeviceRoutes(app, services);
  registerChatRoutes(app, services);
}
