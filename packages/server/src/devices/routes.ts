import { ApiError, DeviceList, EnrollBody, EnrollmentTokenCreated, EnrollResult } from '@parley/protocol';
import { type App, doer, sendError, signedIn } from '../http/request.js';
import type { Services } from '../services.js';

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

  app.post(
    '/api/enrollment-tokens',
    {
      config: { access: () => ({ kind: 'devices.manage' }) },
      schema: {
        tags: ['devices'],
        summary: 'A one-time token an agent exchanges for its device credential (valid 24 h)',
        response: { 201: EnrollmentTokenCreated, 401: ApiError, 403: ApiError },
      },
    },
    async (request, reply) =>
      reply.code(201).send(await devices.createEnrollmentToken(signedIn(request).id, doer(request))),
  );

  app.post(
    '/api/agents/enroll',
    {
      // Generous: a fleet behind one NAT address enrolls at once, and a 256-bit token cannot be guessed anyway.
      config: { access: 'public', rateLimit: { max: 600, timeWindow: 60_000 } },
      schema: {
        tags: ['devices'],
        summary: 'Agent enrollment: exchanges an enrollment token for a device id and credential',
        body: EnrollBody,
        response: { 201: EnrollResult, 401: ApiError },
      },
    },
    async (request, reply) => {
      const { token, name, os } = request.body;
      const enrolled = await devices.enroll(token, name, os, request.ip);
      if (!enrolled)
        return sendError(reply, 401, 'invalid_token', 'the enrollment token is unknown, used or expired');
      return reply.code(201).send(enrolled);
    },
  );
}
