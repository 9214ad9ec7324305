import { ApiError, RecordingSettings, RecordingSettingsBody } from '@parley/protocol';
import { type App, doer } from '../http/request.js';
import type { Services } from '../services.js';

export function registerRecordingSettingsRoutes(app: App, { recording }: Services): void {
  app.get(
    '/api/settings/recording',
    {
      config: { access: () => ({ kind: 'settings.manage' }) },
      schema: {
        tags: ['recording'],
        summary:
          'The recording settings: on or off, whose chats, what of them, how long they are kept, the notice',
        response: { 200: RecordingSettings, 401: ApiError, 403: ApiError },
      },
    },
    async () => recording.view(),
  );

  app.put(
    '/api/settings/recording',
    {
      config: { access: () => ({ kind: 'settings.manage' }) },
      schema: {
        tags: ['recording'],
        summary:
          'Changes the recording settings (keys past enabled, scope, retentionDays, notifyEndUser and recordEvents may be left out: they stay); audited, every node applies them at once',
        body: RecordingSettingsBody,
        response: { 200: RecordingSettings, 400: ApiError, 401: ApiError, 403: ApiError },
      },
    },
    async (request) => recording.update(request.body, doer(request)),
  );
}
