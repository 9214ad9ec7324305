import type { AuthService } from './auth/sessions.js';
import type { Bus } from './bus/bus.js';
import type { ChatService } from './chats/chats.js';
import type { DeviceService } from './devices/devices.js';
import type { LicenseService } from './license/license.js';
import type { OperatorService } from './operators/operators.js';
import type { RecordingManager } from './recording/recording.js';
import type { ExportJobs } from './recordings/exportJobs.js';
import type { RecordingService } from './recordings/recordings.js';
import type { Policy } from './rights/policy.js';
import type { RightsService } from './rights/rights.js';
import type { Store } from './store/store.js';
import type { Backlog } from './ws/backlog.js';

/** The features a socket or route calls into. */
export interface Services {
  auth: AuthService;
  operators: OperatorService;
  rights: RightsService;
  policy: Policy;
  devices: DeviceService;
  chats: ChatService;
  license: LicenseService;
  recording: RecordingManager;
  recordings: RecordingService;
  recordingExports: ExportJobs;
  bus: Bus;
  store: Store;
  /** How far behind this node's sockets are (P-36). */
  backlog: Backlog;
}
