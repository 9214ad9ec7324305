import type { AddressInfo } from 'node:net';
import pino, { type Logger } from 'pino';
import { AuthService } from './auth/sessions.js';
import { type Bus, LocalBus } from './bus/bus.js';
import { NatsBus } from './bus/natsBus.js';
import { ChatService } from './chats/chats.js';
import { type Config, DEFAULT_METRICS_ALLOW, DEFAULT_ORGANIZATION } from './config.js';
import { DeviceService } from './devices/devices.js';
import { AddressList } from './http/addresses.js';
import { createApp } from './http/app.js';
import { HostCheck } from './http/hosts.js';
import type { RouteSummary } from './http/request.js';
import type { TlsIdentity } from './http/tls.js';
import { LicenseService } from './license/license.js';
import { readTrustedKeys } from './license/licenseFile.js';
import { createMetrics } from './metrics/metrics.js';
import { registerMetricsRoute } from './metrics/routes.js';
import { OperatorService } from './operators/operators.js';
import { PURGE_MS, RecordingManager } from './recording/recording.js';
import { ExportJobs, type ExportLimits } from './recordings/exportJobs.js';
import { RecordingService } from './recordings/recordings.js';
import { ACCESS_CACHE_MS, Policy } from './rights/policy.js';
import { RightsService } from './rights/rights.js';
import type { Services } from './services.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';
import { Backlog } from './ws/backlog.js';
import { Gateway } from './ws/gateway.js';

/** Every node renews its presence lease this often. */
export const PRESENCE_MS = 15_000;

export interface ParleyServer {
  /** http(s)://host:port of the listening server (its public URL when one is set). */
  url: string;
  port: number;
  services: Services;
  store: Store;
  /** Every HTTP route with the access it declares (the /api ones must: issue 7). */
  routeTable: readonly RouteSummary[];
  /** What `adminPassword` made of operator `admin` before the node listened (null when not asked). */
  admin: { created: boolean; generatedPassword: string | null } | null;
  close(): Promise<void>;
}

export type ServerConfig = Pick<Config, 'host' | 'port' | 'store' | 'nodeId' | 'loginAttemptsPerMinute'> &
  Partial<
    Pick<Config, 'allowedHosts' | 'trustedProxies' | 'metricsAllow' | 'metricsToken' | 'sessionIdleMinutes'>
  > & {
    /** NATS server(s) of the cluster; without, the bus is in-process (one node). */
    natsUrl?: string | null;
    publicUrl?: string | null;
    /** Serve HTTPS and WSS with this certificate and key (PEM); without, plain HTTP (or TLS ends at a proxy). */
    tls?: TlsIdentity | null;
    organization?: string;
    logger?: Logger;
    heartbeatMs?: number;
    /** Tests: the least time between two `devices.changed` to one console (LIST_HINT_MS, P-37). */
    listHintMs?: number;
    /** How often this node renews its presence lease (devices of a node silent for 3 times this go offline). */
    presenceMs?: number;
    /** How often this node ends chats whose operator lost access without news on the bus (ACCESS_CACHE_MS). */
    revocationSweepMs?: number;
    /** At most one logged-on-users device.updated per device per this many ms (DEVICE_UPDATE_MS). */
    deviceUpdateMs?: number;
    /** Tests: the backlog past which messages are refused as `overloaded` (P-36). */
    backlogFrames?: number;
    /** PEM files of the public keys whose licenses this server trusts (PARLEY_LICENSE_KEYS). */
    licenseKeyFiles?: readonly string[];
    /** Awaited after each conversation of a recordings export (tests hold it to see the progress). */
    exportStep?: () => Promise<unknown>;
    /** The size limits of recordings exports (tests make them small). */
    exportLimits?: ExportLimits;
    /** The clock license expiry is judged by (tests move it). */
    licenseClock?: () => Date;
    /** The clock recording retention is judged by (tests move it). */
    recordingClock?: () => Date;
    /** How often this node applies the recording retention rules (PURGE_MS). */
    purgeMs?: number;
    /**
     * Makes operator `admin` (with this password, or a generated one when null) before the node listens, when it
     * does not exist: `/healthz` never answers while a sign-in would still fail.
     */
    adminPassword?: string | null;
  };

/** How often a node removes expired exports and fails those whose node stopped. */
const EXPORT_SWEEP_MS = 60_000;

/** Runs `work` every `ms` for as long as the node runs (never keeping the process alive); failures are logged. */
function repeat(log: Logger, ms: number, what: string, work: () => Promise<unknown>): NodeJS.Timeout {
  const timer = setInterval(() => {
    work().catch((error: unknown) => log.error({ err: error }, `${what} failed`));
  }, ms);
  timer.unref();
  return timer;
}

/**
 * The kernel's queue of connections not accepted yet. Node's default (511) overflowed when a fleet reconnected at
 * once (bench/fleet.ts: each SYN dropped is sent again only 1 s, then 2 s, 4 s… later); the kernel caps it at
 * net.core.somaxconn.
 */
export const LISTEN_BACKLOG = 65_535;

/** Starts one server node: store, bus, features, HTTP and WebSocket, listening on `config.port` (0 = any). */
export async function startServer(config: ServerConfig): Promise<ParleyServer> {
  const log = config.logger ?? pino({ level: 'info' });
  const licenseKeys = readTrustedKeys(config.licenseKeyFiles ?? []);
  const store = await openStore(config.store, log);
  const bus: Bus = config.natsUrl ? await NatsBus.connect(config.natsUrl, log) : new LocalBus();
  const license = new LicenseService(store, bus, licenseKeys, config.licenseClock, log);
  await license.ensureEvaluation();
  const policy = new Policy(store, bus, license);
  const rights = new RightsService(store, bus, policy);
  const organization = config.organization ?? DEFAULT_ORGANIZATION;
  const recording = new RecordingManager(store, bus, policy, organization, config.recordingClock, log);
  // Read at scrape time, once the gateway below exists.
  const metrics = createMetrics(() => gateway.counts);
  const recordings = new RecordingService(store, policy);
  const services: Services = {
    recordings,
    recordingExports: new ExportJobs(store, recordings, log, config.nodeId, {
      ...(config.exportStep ? { step: config.exportStep } : {}),
      ...(config.exportLimits ? { limits: config.exportLimits } : {}),
    }),
    bus,
    store,
    backlog: new Backlog(config.backlogFrames),
    policy,
    license,
    recording,
    auth: new AuthService(store, {
      bus,
      ...(config.sessionIdleMinutes === undefined ? {} : { idleMinutes: config.sessionIdleMinutes }),
    }),
    operators: new OperatorService(store, bus),
    rights,
    devices: new DeviceService(store, bus, config.nodeId, undefined, {
      log,
      beforeAnnounce: (device) => rights.deviceChanged(device),
      afterCutOff: (deviceId, why) => services.chats.endChatsOfDevice(deviceId, why),
      seatAvailable: (tx) => license.seatAvailable(tx),
      ...(config.deviceUpdateMs === undefined ? {} : { updateMs: config.deviceUpdateMs }),
    }),
    chats: new ChatService(store, bus, policy, organization, log, undefined, {
      decideRecording: (operator, deviceId) => recording.decide(operator, deviceId),
      commitBatch: (size) => metrics.commitBatchSize.observe(size),
    }),
  };

  const publicOrigin = config.publicUrl ?? null;
  const hosts = new HostCheck([
    ...(config.allowedHosts ?? []),
    ...(publicOrigin ? [new URL(publicOrigin).hostname] : []),
  ]);
  const { app, routeTable } = await createApp({
    services,
    log,
    hosts,
    trustedProxies: config.trustedProxies ?? [],
    tls: config.tls ?? null,
    loginAttemptsPerMinute: config.loginAttemptsPerMinute,
    publicOrigin,
  });
  const gateway = new Gateway({
    services,
    log,
    parseCookies: (header) => app.parseCookie(header),
    publicOrigin,
    hosts,
    trustedProxies: new AddressList(config.trustedProxies ?? []),
    ...(config.heartbeatMs ? { heartbeatMs: config.heartbeatMs } : {}),
    ...(config.listHintMs === undefined ? {} : { listHintMs: config.listHintMs }),
  });
  registerMetricsRoute(app, metrics.registry, {
    allow: new AddressList(config.metricsAllow ?? DEFAULT_METRICS_ALLOW),
    token: config.metricsToken ?? null,
  });
  app.server.on('upgrade', (request, socket, head) => {
    gateway.handleUpgrade(request, socket, head).catch((error: unknown) => {
      log.error({ err: error }, 'upgrade failed');
      socket.destroy();
    });
  });
  const admin =
    config.adminPassword === undefined ? null : await services.auth.ensureAdmin(config.adminPassword);
  // Before the port is open: an export started on this node once it listens is never taken for a stopped one.
  await services.recordingExports.sweep(true);
  await app.listen({ host: config.host, port: config.port, backlog: LISTEN_BACKLOG });
  // Only once the port is ours: a second process started on the same node id by mistake must not touch presence.
  await services.devices.forgetStaleConnections();
  const presenceMs = config.presenceMs ?? PRESENCE_MS;
  const timers = [
    repeat(log, presenceMs, 'presence lease', () => services.devices.renewPresence(presenceMs)),
    // Changes no bus told this node of (made with `parley operator …` on the server, or lost in a NATS outage) end
    // the chats they revoke within this time too.
    repeat(log, config.revocationSweepMs ?? ACCESS_CACHE_MS, 'revocation sweep', () =>
      services.chats.closeRevoked('all'),
    ),
    repeat(log, config.purgeMs ?? PURGE_MS, 'recording purge', () => recording.purge()),
    repeat(log, EXPORT_SWEEP_MS, 'recordings export sweep', () => services.recordingExports.sweep()),
  ];
  const { port } = app.server.address() as AddressInfo;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  return {
    url: publicOrigin ?? `${config.tls ? 'https' : 'http'}://${shownHost}:${port}`,
    port,
    services,
    routeTable,
    store,
    admin,
    async close() {
      for (const timer of timers) clearInterval(timer);
      await services.recordingExports.stop();
      await gateway.close();
      services.devices.stop();
      await app.close();
      await bus.close();
      await store.close();
    },
  };
}
