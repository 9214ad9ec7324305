import {
  AgentCredentialBody,
  AgentCredentialIssued,
  ApiError,
  CreateEnrollmentTokenBody,
  DeviceDetails,
  DeviceList,
  DevicePage,
  DeviceQuery,
  DeviceSummary,
  EnrollBody,
  EnrollmentTokenCreated,
  EnrollmentTokenList,
  EnrollResult,
  RenameDeviceBody,
} from '@parley/protocol';
import { z } from 'zod/mini';
import { type App, doer, param, sendError, sendResult, signedIn } from '../http/request.js';
import type { Services } from '../services.js';

const DeviceParams = z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) });

/**
 * Agents call these with their credential: generous per address (a fleet behind one NAT address enrolls at once),
 * and a 256-bit secret cannot be guessed anyway.
 */
const AGENT_RATE = { max: 600, timeWindow: 60_000 };

export function registerDeviceRoutes(app: App, { devices, policy }: Services): void {
  app.get(
    '/api/devices',
    {
      config: { access: () => ({ kind: 'devices.list' }) },
      schema: {
        tags: ['devices'],
        summary: 'Devices the operator may see',
        response: { 200: DeviceList, 401: ApiError },
      },
    },
    async (request) => devices.listFor(signedIn(request), policy),
  );

  app.get(
    '/api/devices/page',
    {
      config: { access: () => ({ kind: 'devices.list' }) },
      schema: {
        tags: ['devices'],
        summary:
          'A page of the devices the operator may see, filtered and sorted by the server (online first by default), with the chats open on each; `cursor` is the `nextCursor` of the page before',
        querystring: DeviceQuery,
        response: { 200: DevicePage, 400: ApiError, 401: ApiError },
      },
    },
    async (request) => devices.page(signedIn(request), policy, request.query),
  );

  app.get(
    '/api/devices/:id',
    {
      config: { access: (request) => ({ kind: 'device.read', deviceId: param(request, 'id') }) },
      schema: {
        tags: ['devices'],
        summary: 'A device: its facts, enrollment, groups and credential state',
        params: DeviceParams,
        response: { 200: DeviceDetails, 401: ApiError, 404: ApiError },
      },
    },
    async (request, reply) => {
      const details = await devices.details(request.params.id);
      return details ?? sendError(reply, 404, 'not_found', 'no such device');
    },
  );

  app.patch(
    '/api/devices/:id',
    {
      config: { access: (request) => ({ kind: 'device.manage', deviceId: param(request, 'id') }) },
      schema: {
        tags: ['devices'],
        summary: 'Rename a device (the agent’s host name no longer changes it)',
        params: DeviceParams,
        body: RenameDeviceBody,
        response: { 200: DeviceSummary, 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(reply, await devices.rename(request.params.id, request.body.name, doer(request))),
  );

  app.delete(
    '/api/devices/:id',
    {
      config: { access: (request) => ({ kind: 'device.manage', deviceId: param(request, 'id') }) },
      schema: {
        tags: ['devices'],
        summary: 'Remove a device: its credential stops, its agent is cut off, its license seat is free',
        params: DeviceParams,
        response: { 204: z.null(), 401: ApiError, 403: ApiError, 404: ApiError },
      },
    },
    async (request, reply) => sendResult(reply, await devices.remove(request.params.id, doer(request)), 204),
  );

  app.post(
    '/api/devices/:id/credential/revoke',
    {
      config: { access: (request) => ({ kind: 'device.manage', deviceId: param(request, 'id') }) },
      schema: {
        tags: ['devices'],
        summary: 'Revoke the device’s credential: its agent is cut off until enrolled again',
        params: DeviceParams,
        response: { 204: z.null(), 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(reply, await devices.revokeCredential(request.params.id, doer(request)), 204),
  );

  app.post(
    '/api/devices/:id/credential/rotate',
    {
      config: { access: (request) => ({ kind: 'device.manage', deviceId: param(request, 'id') }) },
      schema: {
        tags: ['devices'],
        summary: 'Ask the device’s agent to rotate its credential (it must be online)',
        params: DeviceParams,
        response: { 202: z.null(), 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(reply, await devices.requestRotation(request.params.id, doer(request)), 202),
  );

  app.get(
    '/api/enrollment-tokens',
    {
      config: { access: () => ({ kind: 'devices.manage' }) },
      schema: {
        tags: ['devices'],
        summary: 'Enrollment tokens not yet deleted (never the tokens themselves)',
        response: { 200: EnrollmentTokenList, 401: ApiError, 403: ApiError },
      },
    },
    async (request) => devices.listEnrollmentTokens(signedIn(request), policy),
  );

  app.post(
    '/api/enrollment-tokens',
    {
      config: { access: () => ({ kind: 'devices.manage' }) },
      schema: {
        tags: ['devices'],
        summary:
          'A token agents exchange for their device credential: one device and 24 h unless the body says otherwise',
        body: z.nullish(CreateEnrollmentTokenBody),
        response: { 201: EnrollmentTokenCreated, 400: ApiError, 401: ApiError, 403: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await devices.createEnrollmentToken(signedIn(request), policy, request.body ?? {}, doer(request)),
        201,
      ),
  );

  app.delete(
    '/api/enrollment-tokens/:id',
    {
      config: { access: () => ({ kind: 'devices.manage' }) },
      schema: {
        tags: ['devices'],
        summary: 'Revoke an enrollment token: it stops working at once',
        params: DeviceParams,
        response: { 204: z.null(), 401: ApiError, 403: ApiError, 404: ApiError },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await devices.revokeEnrollmentToken(request.params.id, doer(request), signedIn(request), policy),
        204,
      ),
  );

  app.post(
    '/api/agents/enroll',
    {
      config: { access: 'public', rateLimit: AGENT_RATE },
      schema: {
        tags: ['devices'],
        summary: 'Agent enrollment: exchanges an enrollment token for a device id and credential',
        body: EnrollBody,
        response: { 201: EnrollResult, 401: ApiError, 403: ApiError },
      },
    },
    async (request, reply) => {
      const { token, name, os } = request.body;
      const enrolled = await devices.enroll(token, name, os, request.ip);
      if (!enrolled)
        return sendError(
          reply,
          401,
          'invalid_token',
          'the enrollment token is unknown, used up, revoked or expired',
        );
      return reply.code(201).send(enrolled);
    },
  );

  app.post(
    '/api/agents/credential',
    {
      config: { access: 'public', rateLimit: AGENT_RATE },
      schema: {
        tags: ['devices'],
        summary:
          'Credential rotation, step one (P-30): the current credential gets a new one to save and prove',
        body: AgentCredentialBody,
        response: { 200: AgentCredentialIssued, 401: ApiError },
      },
    },
    async (request, reply) => {
      const issued = await devices.issueCredential(request.body);
      return issued ?? sendError(reply, 401, 'unauthorized', 'unknown device or wrong credential');
    },
  );

  app.post(
    '/api/agents/credential/confirm',
    {
      config: { access: 'public', rateLimit: AGENT_RATE },
      schema: {
        tags: ['devices'],
        summary: 'Credential rotation, step two (P-30): the new credential proven, the old one stops working',
        body: AgentCredentialBody,
        response: { 204: z.null(), 401: ApiError },
      },
    },
    async (request, reply) =>
      (await devices.confirmCredential(request.body))
        ? reply.code(204).send(null)
        : sendError(reply, 401, 'unauthorized', 'unknown device or wrong credential'),
  );
}
