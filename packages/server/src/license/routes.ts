import { ApiError, ImportLicenseBody, LicenseView } from '@parley/protocol';
import { type App, doer, sendError, sendResult } from '../http/request.js';
import type { Services } from '../services.js';

export function registerLicenseRoutes(app: App, { license }: Services): void {
  app.get(
    '/api/license',
    {
      config: { access: () => ({ kind: 'session.read' }) },
      schema: {
        tags: ['license'],
        summary:
          'The installed license: its terms, status (Valid, Expiring, Expired, Exceeded, Invalid) and why',
        response: { 200: LicenseView, 401: ApiError },
      },
    },
    async () => license.view(),
  );

  app.post(
    '/api/license',
    {
      config: { access: () => ({ kind: 'settings.manage' }) },
      schema: {
        tags: ['license'],
        summary:
          'Installs a license file (its text as text/plain or a JSON string, or its JSON); 400 invalid_license changes nothing',
        body: ImportLicenseBody,
        response: { 200: LicenseView, 400: ApiError, 401: ApiError, 403: ApiError },
      },
    },
    async (request, reply) => {
      const text = typeof request.body === 'string' ? request.body : licenseText(request.body);
      if (text === null) {
        return sendError(reply, 400, 'invalid_license', 'license refused: the file is not a Parley license');
      }
      return sendResult(reply, await license.import(text, doer(request)));
    },
  );
}

/** The JSON a license file's object was sent as; null when it nests too deep to write again (no license does). */
function licenseText(body: unknown): string | null {
  try {
    return JSON.stringify(body);
  } catch {
    return null;
  }
}
