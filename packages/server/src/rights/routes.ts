import {
  AccessRightBody,
  AccessRightList,
  ApiError,
  CreateDeviceGroupBody,
  Created,
  DeviceGroupList,
  GroupDevices,
  SetDevicesBody,
} from '@parley/protocol';
import { z } from 'zod/mini';
import { type App, doer, param, sendResult, signedIn } from '../http/request.js';
import type { Services } from '../services.js';

const idParams = z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) });
const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError };

/** Device groups and access rights. */
export function registerRightsRoutes(app: App, { rights, policy }: Services): void {
  app.get(
    '/api/device-groups',
    {
      config: { access: () => ({ kind: 'devices.list' }) },
      schema: {
        tags: ['rights'],
        summary: 'The device groups the operator may read',
        response: { 200: DeviceGroupList, ...errors },
      },
    },
    async (request) => {
      const operator = signedIn(request);
      const groups = await rights.listGroups();
      const readable = await Promise.all(
        groups.map(
          async (group) =>
            (await policy.rightsOn(operator, { kind: 'device_group', id: group.id })).read.effect === 'allow',
        ),
      );
      return groups.filter((_group, i) => readable[i]);
    },
  );

  app.post(
    '/api/device-groups',
    {
      config: { access: () => ({ kind: 'devices.manage' }) },
      schema: {
        tags: ['rights'],
        summary: 'Create a device group: static, or dynamic with a rule its members follow',
        body: CreateDeviceGroupBody,
        response: { 201: Created, ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await rights.createGroup(request.body, doer(request), signedIn(request)), 201),
  );

  app.get(
    '/api/device-groups/:id/devices',
    {
      config: { access: (request) => ({ kind: 'device_group.read', groupId: param(request, 'id') }) },
      schema: {
        tags: ['rights'],
        summary: "The ids of the group's devices the operator may read",
        params: idParams,
        response: { 200: GroupDevices, ...errors },
      },
    },
    async (request) => ({ deviceIds: await rights.readableDevicesIn(request.params.id, signedIn(request)) }),
  );

  app.put(
    '/api/device-groups/:id/devices',
    {
      config: { access: (request) => ({ kind: 'device_group.assign', groupId: param(request, 'id') }) },
      schema: {
        tags: ['rights'],
        summary: "Set a static group's devices (needs Assign on the group)",
        params: idParams,
        body: SetDevicesBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await rights.setGroupDevices(
          request.params.id,
          request.body.deviceIds,
          doer(request),
          signedIn(request),
        ),
        204,
      ),
  );

  app.delete(
    '/api/device-groups/:id',
    {
      config: { access: (request) => ({ kind: 'device_group.assign', groupId: param(request, 'id') }) },
      schema: {
        tags: ['rights'],
        summary: 'Delete a device group (its child groups move up to its parent)',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await rights.deleteGroup(request.params.id, doer(request), signedIn(request)), 204),
  );

  app.get(
    '/api/access-rights',
    {
      config: { access: () => ({ kind: 'operators.manage' }) },
      schema: {
        tags: ['rights'],
        summary: 'Every access right granted',
        response: { 200: AccessRightList, ...errors },
      },
    },
    async () => rights.listAccessRights(),
  );

  app.put(
    '/api/access-rights',
    {
      config: { access: () => ({ kind: 'operators.manage' }) },
      schema: {
        tags: ['rights'],
        summary:
          'Allow, deny or unset Read / Write / Assign for an operator or operator group on a device or device group',
        body: AccessRightBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await rights.setAccessRight(request.body, doer(request)), 204),
  );
}
