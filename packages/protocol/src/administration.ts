import { z } from 'zod/mini';

/**
 * Administration: operators, operator groups, device groups, capabilities, access rights and the audit log
 * (DESIGN.md "Administration"). REST bodies and answers shared by the server's routes, the console and the CLI.
 */

/** What an operator may do at all, each with the sentence the console shows. */
export const CAPABILITY_DESCRIPTIONS = {
  'instant-messaging': 'Chat with the person logged on to a device it has Write on.',
  'recordings.view': 'Search, read and export recorded conversations.',
  'recordings.manage': 'Lock, unlock and delete recordings.',
  'devices.manage': 'Enroll, rename, group and remove devices.',
  'operators.manage': 'Create and change operators, operator groups, capabilities and access rights.',
  'settings.manage': 'Import the license and change the recording settings.',
  'audit.view': 'Read and export the audit log.',
} as const;
export type Capability = keyof typeof CAPABILITY_DESCRIPTIONS;
export const CAPABILITIES = Object.keys(CAPABILITY_DESCRIPTIONS) as Capability[];
export const CapabilityName = z.enum(CAPABILITIES as [Capability, ...Capability[]]);

const recordId = z.string().check(z.minLength(1), z.maxLength(64));
/** Letters, digits and `.-_@`; what a person types at a sign-in form and a shell accepts unquoted. */
export const Username = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(64),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'letters, digits and . - _ @, starting with a letter or digit'),
  );
export const DisplayName = z.string().check(z.trim(), z.minLength(1), z.maxLength(128));
/** Long enough to resist guessing once the sign-in limits slow it down; any characters, passphrases welcome. */
export const NewPassword = z.string().check(z.minLength(12, 'at least 12 characters'), z.maxLength(1024));
const groupName = z.string().check(z.trim(), z.minLength(1), z.maxLength(128));

export const CreateOperatorBody = z.object({
  username: Username,
  password: NewPassword,
  displayName: z.optional(DisplayName),
});
export type CreateOperatorBody = z.infer<typeof CreateOperatorBody>;

/** A key left out stays as it was. */
export const UpdateOperatorBody = z.object({
  displayName: z.optional(DisplayName),
  disabled: z.optional(z.boolean()),
});
export type UpdateOperatorBody = z.infer<typeof UpdateOperatorBody>;

export const SetCapabilitiesBody = z.object({
  capabilities: z.array(CapabilityName).check(z.maxLength(CAPABILITIES.length)),
});
export type SetCapabilitiesBody = z.infer<typeof SetCapabilitiesBody>;

/** An administrator's reset of someone else's password. */
export const ResetPasswordBody = z.object({ password: NewPassword });
export type ResetPasswordBody = z.infer<typeof ResetPasswordBody>;

/** An operator's change of their own password: the current one first. */
export const ChangeOwnPasswordBody = z.object({
  currentPassword: z.string().check(z.minLength(1), z.maxLength(1024)),
  newPassword: NewPassword,
});
export type ChangeOwnPasswordBody = z.infer<typeof ChangeOwnPasswordBody>;

/** `PUT /api/auth/display-name`: the name the people an operator chats with see (chats opened from then on). */
export const ChangeOwnDisplayNameBody = z.object({ displayName: DisplayName });
export type ChangeOwnDisplayNameBody = z.infer<typeof ChangeOwnDisplayNameBody>;

/** A capability an operator has, and where it comes from: their own grant, or an operator group's. */
export const CapabilitySource = z.object({
  capability: CapabilityName,
  via: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('own') }),
    z.object({ kind: z.literal('super_administrator') }),
    z.object({ kind: z.literal('operator_group'), id: recordId, name: z.string() }),
  ]),
});
export type CapabilitySource = z.infer<typeof CapabilitySource>;

export const OperatorDetails = z.object({
  id: recordId,
  username: z.string(),
  displayName: z.string(),
  /** Granted to the operator directly. */
  capabilities: z.array(CapabilityName),
  /** Every capability the operator has, own and inherited, with where each comes from. */
  effectiveCapabilities: z.array(CapabilitySource),
  groups: z.array(z.object({ id: recordId, name: z.string() })),
  disabled: z.boolean(),
  /** `admin`: every capability and every right; cannot be disabled, deleted or denied anything. */
  superAdministrator: z.boolean(),
});
export type OperatorDetails = z.infer<typeof OperatorDetails>;
export const OperatorList = z.array(OperatorDetails);

export const Created = z.object({ id: recordId });
export type Created = z.infer<typeof Created>;

export const CreateOperatorGroupBody = z.object({ name: groupName });
export type CreateOperatorGroupBody = z.infer<typeof CreateOperatorGroupBody>;

export const SetMembersBody = z.object({ operatorIds: z.array(recordId).check(z.maxLength(10_000)) });
export type SetMembersBody = z.infer<typeof SetMembersBody>;

export const OperatorGroupDetails = z.object({
  id: recordId,
  name: z.string(),
  capabilities: z.array(CapabilityName),
  memberIds: z.array(recordId),
});
export type OperatorGroupDetails = z.infer<typeof OperatorGroupDetails>;
export const OperatorGroupList = z.array(OperatorGroupDetails);

/** A dynamic device group's rule; every condition given must hold (see rights/accessRights.ts on the server). */
export const DynamicRuleBody = z
  .object({
    namePattern: z.optional(z.string().check(z.minLength(1), z.maxLength(256))),
    os: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
    onlineNode: z.optional(z.string().check(z.minLength(1), z.maxLength(128))),
  })
  .check(
    z.refine(
      (rule) => Object.values(rule).some((value) => value !== undefined),
      'a rule needs at least one condition',
    ),
  );
export type DynamicRuleBody = z.infer<typeof DynamicRuleBody>;

export const CreateDeviceGroupBody = z.object({
  name: groupName,
  parentId: z.optional(recordId),
  /** Given: a dynamic group whose members follow the rule. Left out: a static group, members set by hand. */
  rule: z.optional(DynamicRuleBody),
});
export type CreateDeviceGroupBody = z.infer<typeof CreateDeviceGroupBody>;

export const SetDevicesBody = z.object({ deviceIds: z.array(recordId).check(z.maxLength(100_000)) });
/** GET /api/device-groups/:id/devices: the group's devices the operator can see. */
export const GroupDevices = z.object({ deviceIds: z.array(z.string()) });
export type SetDevicesBody = z.infer<typeof SetDevicesBody>;

export const DeviceGroupDetails = z.object({
  id: recordId,
  name: z.string(),
  parentId: z.nullable(recordId),
  rule: z.nullable(DynamicRuleBody),
  deviceCount: z.number().check(z.int(), z.nonnegative()),
});
export type DeviceGroupDetails = z.infer<typeof DeviceGroupDetails>;
export const DeviceGroupList = z.array(DeviceGroupDetails);

export const RightName = z.enum(['read', 'write', 'assign']);
export type RightName = z.infer<typeof RightName>;
export const RightSetting = z.nullable(z.enum(['allow', 'deny']));
export type RightSetting = z.infer<typeof RightSetting>;

/**
 * `PUT /api/access-rights`: one subject (an operator or an operator group), one target (a device or a device
 * group), and for each of read / write / assign `"allow"`, `"deny"` or null (unset); a key left out stays.
 */
export const AccessRightBody = z
  .object({
    operatorId: z.optional(recordId),
    operatorGroupId: z.optional(recordId),
    deviceId: z.optional(recordId),
    deviceGroupId: z.optional(recordId),
    read: z.optional(RightSetting),
    write: z.optional(RightSetting),
    assign: z.optional(RightSetting),
  })
  .check(
    z.refine((body) => (body.operatorId === undefined) !== (body.operatorGroupId === undefined), {
      message: 'give exactly one of operatorId and operatorGroupId',
    }),
    z.refine((body) => (body.deviceId === undefined) !== (body.deviceGroupId === undefined), {
      message: 'give exactly one of deviceId and deviceGroupId',
    }),
  );
export type AccessRightBody = z.infer<typeof AccessRightBody>;

const namedSubject = z.object({
  kind: z.enum(['operator', 'operator_group']),
  id: recordId,
  name: z.string(),
});
const namedTarget = z.object({ kind: z.enum(['device', 'device_group']), id: recordId, name: z.string() });

export const AccessRightView = z.object({
  subject: namedSubject,
  target: namedTarget,
  read: RightSetting,
  write: RightSetting,
  assign: RightSetting,
});
export type AccessRightView = z.infer<typeof AccessRightView>;
export const AccessRightList = z.array(AccessRightView);

/** One right as it comes out for an operator on a device, with the grants that decided it. */
export const EffectiveRightView = z.object({
  effect: z.enum(['allow', 'deny', 'unset']),
  via: z.array(z.object({ subject: namedSubject, target: namedTarget })),
});

export const EffectiveRightsView = z.object({
  operatorId: recordId,
  deviceId: recordId,
  superAdministrator: z.boolean(),
  read: EffectiveRightView,
  write: EffectiveRightView,
  assign: EffectiveRightView,
});
export type EffectiveRightsView = z.infer<typeof EffectiveRightsView>;

export const AuditEntry = z.object({
  id: recordId,
  at: z.string(),
  /** Who did it: an operator's username, `device:<id>`, or `system`; for a failed sign-in, the name tried. */
  actor: z.string(),
  action: z.string(),
  target: z.nullable(z.string()),
  address: z.nullable(z.string()),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof AuditEntry>;

export const AuditQuery = z.object({
  actor: z.optional(z.string().check(z.maxLength(128))),
  action: z.optional(z.string().check(z.maxLength(128))),
  from: z.optional(z.iso.datetime()),
  to: z.optional(z.iso.datetime()),
  cursor: z.optional(z.string().check(z.maxLength(128))),
  limit: z.optional(z.coerce.number().check(z.int(), z.gte(1), z.lte(500))),
  format: z.optional(z.enum(['json', 'csv'])),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

export const AuditPage = z.object({ entries: z.array(AuditEntry), nextCursor: z.nullable(z.string()) });
export type AuditPage = z.infer<typeof AuditPage>;

/** One of the signed-in operator's sessions. */
export const SessionView = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  address: z.nullable(z.string()),
  userAgent: z.nullable(z.string()),
  /** The session this request came with. */
  current: z.boolean(),
});
export type SessionView = z.infer<typeof SessionView>;
export const SessionList = z.array(SessionView);
