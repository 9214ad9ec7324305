import { z } from 'zod/mini';
import { DeviceChat, DeviceSummary } from './protocol.js';

/**
 * Managing devices (the `devices.manage` capability): enrollment tokens, renaming, removal, credentials; and what the
 * console's device page shows. REST bodies and answers shared by the server's routes, the console and the agent.
 */

const recordId = z.string().check(z.minLength(1), z.maxLength(64));

/** POST /api/enrollment-tokens: every field optional; no body at all gives a one-time token valid 24 h. */
export const CreateEnrollmentTokenBody = z.object({
  /** What the token is for ("Floor 3 rollout"), shown in the token list. */
  label: z.optional(z.string().check(z.trim(), z.maxLength(128))),
  expiresInHours: z.optional(z.number().check(z.int(), z.gte(1), z.lte(30 * 24))),
  /** How many devices may enroll with it: one for a single device, thousands for a fleet rollout. */
  maxUses: z.optional(z.number().check(z.int(), z.gte(1), z.lte(100_000))),
  /** A static device group every device enrolled with the token joins. */
  deviceGroupId: z.optional(recordId),
});
export type CreateEnrollmentTokenBody = z.infer<typeof CreateEnrollmentTokenBody>;

export const EnrollmentTokenCreated = z.object({ id: z.string(), token: z.string(), expiresAt: z.string() });
export type EnrollmentTokenCreated = z.infer<typeof EnrollmentTokenCreated>;

export const EnrollmentTokenState = z.enum(['active', 'used_up', 'expired', 'revoked']);
export type EnrollmentTokenState = z.infer<typeof EnrollmentTokenState>;

/** A token as the list shows it: never the token itself, which only its creator saw once. */
export const EnrollmentTokenView = z.object({
  id: z.string(),
  label: z.string(),
  createdBy: z.nullable(z.string()),
  createdAt: z.string(),
  expiresAt: z.string(),
  maxUses: z.number().check(z.int()),
  uses: z.number().check(z.int()),
  deviceGroup: z.nullable(z.object({ id: z.string(), name: z.string() })),
  state: EnrollmentTokenState,
});
export type EnrollmentTokenView = z.infer<typeof EnrollmentTokenView>;
export const EnrollmentTokenList = z.array(EnrollmentTokenView);

export const RenameDeviceBody = z.object({
  name: z.string().check(z.trim(), z.minLength(1), z.maxLength(256)),
});
export type RenameDeviceBody = z.infer<typeof RenameDeviceBody>;

export const CredentialState = z.enum(['active', 'rotating', 'revoked']);
export type CredentialState = z.infer<typeof CredentialState>;

/** GET /api/devices/:id: the device page. */
export const DeviceDetails = z.extend(DeviceSummary, {
  /** The name the agent reports (its host name); `name` differs when an operator renamed the device. */
  hostName: z.string(),
  agentVersion: z.string(),
  lastSeenAt: z.nullable(z.string()),
  /** The address the agent last connected from. */
  address: z.nullable(z.string()),
  enrolledAt: z.string(),
  /** The operator whose enrollment token the device used. */
  enrolledBy: z.nullable(z.string()),
  groups: z.array(z.object({ id: z.string(), name: z.string() })),
  credential: CredentialState,
});
export type DeviceDetails = z.infer<typeof DeviceDetails>;

/** The agent proves its current credential (in the body: never in a URL a log or proxy keeps). */
export const AgentCredentialBody = z.object({
  deviceId: recordId,
  credential: z.string().check(z.minLength(16), z.maxLength(256)),
});
export type AgentCredentialBody = z.infer<typeof AgentCredentialBody>;
export const AgentCredentialIssued = z.object({ credential: z.string() });
export type AgentCredentialIssued = z.infer<typeof AgentCredentialIssued>;

/** GET /api/devices/page: the device list filtered, sorted and paged by the server (issue 11: 10,000 devices). */
export const DeviceQuery = z.object({
  /** Words of a device's name or a logged-on user's name (each word must match one of them; case ignored). */
  q: z.optional(z.string().check(z.trim(), z.maxLength(100))),
  online: z.optional(z.enum(['true', 'false'])),
  /** `true`: someone is logged on; `false`: no one. */
  loggedOn: z.optional(z.enum(['true', 'false'])),
  os: z.optional(z.string().check(z.maxLength(100))),
  /** A device group id: its devices and its subgroups' devices. */
  group: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
  /** `true`: a chat is open on it (by any operator). */
  hasChat: z.optional(z.enum(['true', 'false'])),
  /** `status` (the default): online first, then by name; `name`; `lastSeen`: the most recently seen first. */
  sort: z.optional(z.enum(['status', 'name', 'lastSeen'])),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(500))),
  /** The `nextCursor` of the page before. */
  cursor: z.optional(z.string().check(z.maxLength(32))),
});
export type DeviceQuery = z.infer<typeof DeviceQuery>;

export const DeviceRow = z.extend(DeviceSummary, {
  lastSeenAt: z.nullable(z.string()),
  agentVersion: z.string(),
  chats: z.array(DeviceChat),
});
export type DeviceRow = z.infer<typeof DeviceRow>;

export const DevicePage = z.object({
  devices: z.array(DeviceRow),
  nextCursor: z.nullable(z.string()),
  /** How many match the filters, and how many of those are online. */
  total: z.number().check(z.int()),
  online: z.number().check(z.int()),
  /** The operating systems of the devices the operator may read (the OS filter's choices). */
  oses: z.array(z.string()),
});
export type DevicePage = z.infer<typeof DevicePage>;

/**
 * GET /api/agent-package: the `parley-agent` npm package this server serves at `url` (`npm pack` of the built
 * agent with everything it loads inside, made at build time), for the Add device dialog's install commands.
 */
export const AgentPackage = z.object({
  version: z.string(),
  /** Where to download it, a path on this server. */
  url: z.string(),
  /** Hex SHA-256 of the file: the install commands check it before installing. */
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  bytes: z.number().check(z.int(), z.nonnegative()),
});
export type AgentPackage = z.infer<typeof AgentPackage>;
