import { registerAuthRoutes } from '../auth/routes.js';
import { registerChatRoutes } from '../chats/routes.js';
import { registerDeviceRoutes } from '../devices/routes.js';
import type { Services } from '../services.js';
import type { App, RouteOptions } from './request.js';

/** Every REST route, feature by feature. */
export function registerRoutes(app: App, services: Services, options: RouteOptions): void {
  registerAuthRoutes(app, services, options);
  registerDeviceRoutes(app, services);
  registerChatRoutes(app, services);
}
