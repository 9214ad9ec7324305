import { registerAuditRoutes } from '../audit/routes.js';
import { registerAuthRoutes } from '../auth/routes.js';
import { registerChatRoutes } from '../chats/routes.js';
import { registerAgentPackageRoutes } from '../devices/agentPackage.js';
import { registerDeviceRoutes } from '../devices/routes.js';
import { registerLicenseRoutes } from '../license/routes.js';
import { registerOperatorRoutes } from '../operators/routes.js';
import { registerRecordingSettingsRoutes } from '../recording/routes.js';
import { registerRecordingRoutes } from '../recordings/routes.js';
import { registerRightsRoutes } from '../rights/routes.js';
import type { Services } from '../services.js';
import type { App, RouteOptions } from './request.js';

/** Every REST route, feature by feature. */
export function registerRoutes(app: App, services: Services, options: RouteOptions): void {
  registerAuthRoutes(app, services, options);
  registerDeviceRoutes(app, services);
  registerAgentPackageRoutes(app);
  registerChatRoutes(app, services);
  registerOperatorRoutes(app, services);
  registerRightsRoutes(app, services);
  registerAuditRoutes(app, services);
  registerLicenseRoutes(app, services);
  registerRecordingSettingsRoutes(app, services);
  registerRecordingRoutes(app, services);
}
