import {
  ApiError,
  Created,
  CreateOperatorBody,
  CreateOperatorGroupBody,
  EffectiveRightsView,
  OperatorDetails,
  OperatorGroupList,
  OperatorList,
  ResetPasswordBody,
  SetCapabilitiesBody,
  SetMembersBody,
  UpdateOperatorBody,
} from '@parley/protocol';
import { z } from 'zod/mini';
import { type App, doer, sendError, sendResult } from '../http/request.js';
import type { Services } from '../services.js';
import { withGroups } from './operator.js';

const manage = () => ({ kind: 'operators.manage' }) as const;
const idParams = z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) });
const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError };

/** Operators and operator groups: every route needs `operators.manage`. */
export function registerOperatorRoutes(app: App, { operators, rights, store }: Services): void {
  app.get(
    '/api/operators',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Every operator',
        response: { 200: OperatorList, ...errors },
      },
    },
    async () => operators.list(),
  );

  app.post(
    '/api/operators',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Create an operator',
        body: CreateOperatorBody,
        response: { 201: Created, ...errors },
      },
    },
    async (request, reply) => {
      const created = await operators.create(request.body, doer(request));
      return sendResult(reply, created.ok ? { ok: true, value: { id: created.value.id } } : created, 201);
    },
  );

  app.get(
    '/api/operators/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'One operator',
        params: idParams,
        response: { 200: OperatorDetails, ...errors },
      },
    },
    async (request, reply) => sendResult(reply, await operators.find(request.params.id)),
  );

  app.patch(
    '/api/operators/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Change display name, disable or enable (disabling ends their sessions)',
        params: idParams,
        body: UpdateOperatorBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await operators.update(request.params.id, request.body, doer(request)), 204),
  );

  app.delete(
    '/api/operators/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Delete an operator',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await operators.delete(request.params.id, doer(request)), 204),
  );

  app.put(
    '/api/operators/:id/capabilities',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: "Set the operator's own capabilities (groups may grant more)",
        params: idParams,
        body: SetCapabilitiesBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await operators.setCapabilities(request.params.id, request.body.capabilities, doer(request)),
        204,
      ),
  );

  app.put(
    '/api/operators/:id/password',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: "Reset an operator's password (their sessions end)",
        params: idParams,
        body: ResetPasswordBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await operators.resetPassword(request.params.id, request.body.password, doer(request)),
        204,
      ),
  );

  app.get(
    '/api/operators/:id/effective-rights',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'What the operator may do on a device, and which grants decided it',
        params: idParams,
        querystring: z.object({ device: z.string().check(z.minLength(1), z.maxLength(64)) }),
        response: { 200: EffectiveRightsView, ...errors },
      },
    },
    async (request, reply) => {
      const record = await store.operators.findById(request.params.id);
      if (!record) return sendError(reply, 404, 'not_found', 'no such operator');
      if (!(await store.devices.find(request.query.device)))
        return sendError(reply, 404, 'not_found', 'no such device');
      return rights.effectiveRights(await withGroups(store, record), request.query.device);
    },
  );

  app.get(
    '/api/operator-groups',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Every operator group',
        response: { 200: OperatorGroupList, ...errors },
      },
    },
    async () => operators.listGroups(),
  );

  app.post(
    '/api/operator-groups',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Create an operator group',
        body: CreateOperatorGroupBody,
        response: { 201: Created, ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await operators.createGroup(request.body.name, doer(request)), 201),
  );

  app.put(
    '/api/operator-groups/:id/members',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: "Set the group's members",
        params: idParams,
        body: SetMembersBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await operators.setGroupMembers(request.params.id, request.body.operatorIds, doer(request)),
        204,
      ),
  );

  app.put(
    '/api/operator-groups/:id/capabilities',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Set the capabilities the group gives its members',
        params: idParams,
        body: SetCapabilitiesBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await operators.setGroupCapabilities(request.params.id, request.body.capabilities, doer(request)),
        204,
      ),
  );

  app.delete(
    '/api/operator-groups/:id',
    {
      config: { access: manage },
      schema: {
        tags: ['operators'],
        summary: 'Delete an operator group',
        params: idParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await operators.deleteGroup(request.params.id, doer(request)), 204),
  );
}
