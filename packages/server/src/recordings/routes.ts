import { Readable } from 'node:stream';
import {
  ApiError,
  RecordingExportBody,
  RecordingExportJob,
  RecordingLockBody,
  RecordingNoteBody,
  RecordingPage,
  RecordingQuery,
  RecordingSummary,
  RecordingTranscriptPage,
  RecordingUsage,
  TranscriptQuery,
} from '@parley/protocol';
import type { FastifyReply } from 'fastify';
import { z } from 'zod/mini';
import { type App, doer, sendError, sendResult, signedIn } from '../http/request.js';
import type { Services } from '../services.js';

/** The stable list answers this many at most when no `limit` is given. */
const PAGE = 50;
const chatParams = z.object({ chatId: z.string().check(z.minLength(1), z.maxLength(64)) });
const jobParams = z.object({ id: z.string().check(z.minLength(1), z.maxLength(64)) });
const errors = { 400: ApiError, 401: ApiError, 403: ApiError, 404: ApiError, 409: ApiError, 429: ApiError };
const browse = { access: () => ({ kind: 'recordings.browse' }) as const };
const manage = { access: () => ({ kind: 'recordings.manage' }) as const };

/** Downloads one operator may have going at once on this node (each holds a little memory while its reader reads). */
const DOWNLOADS_PER_OPERATOR = 4;
const downloading = new Map<string, number>();

/** Takes one of the operator's download slots until the answer ends (or its socket closes); false when none is left. */
function takeSlot(reply: FastifyReply, operatorId: string): boolean {
  const taken = downloading.get(operatorId) ?? 0;
  if (taken >= DOWNLOADS_PER_OPERATOR) return false;
  downloading.set(operatorId, taken + 1);
  reply.raw.once('close', () => {
    const left = (downloading.get(operatorId) ?? 1) - 1;
    if (left > 0) downloading.set(operatorId, left);
    else downloading.delete(operatorId);
  });
  return true;
}

const NO_SLOT = `${DOWNLOADS_PER_OPERATOR} downloads of yours are going already: wait for one to finish`;

/** A download made as it is sent (a long transcript, a zip read from the database a part at a time). */
function sendFile(reply: FastifyReply, data: AsyncGenerator<Buffer>, type: string, name: string) {
  return reply
    .type(type)
    .header(
      'content-disposition',
      `attachment; filename="${name.replace(/[^\x20-\x7e]|"/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
    )
    .send(Readable.from(data));
}

export function registerRecordingRoutes(app: App, { recordings, recordingExports }: Services): void {
  app.get(
    '/api/recordings',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary:
          'Recorded chats the operator may see, newest first; `q` searches message text. Pages: `limit`, `cursor` (the X-Next-Cursor header of the page before); X-Total-Count says how many match',
        querystring: RecordingQuery,
        response: { 200: z.array(RecordingSummary), ...errors },
      },
    },
    async (request, reply) => {
      const { limit, cursor, ...filter } = request.query;
      const page = await recordings.page(signedIn(request), filter, limit ?? PAGE, cursor);
      if (page.nextCursor) reply.header('x-next-cursor', page.nextCursor);
      reply.header('x-total-count', String(page.total));
      return page.recordings.map(({ lockedAt: _l, note: _n, matches: _m, ...summary }) => summary);
    },
  );

  app.get(
    '/api/recordings/page',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary:
          'The same list as one page with its cursor, total, locks, notes and the words a search matched',
        querystring: RecordingQuery,
        response: { 200: RecordingPage, ...errors },
      },
    },
    async (request) => {
      const { limit, cursor, ...filter } = request.query;
      return recordings.page(signedIn(request), filter, limit ?? PAGE, cursor);
    },
  );

  app.get(
    '/api/recordings/usage',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary: 'Space taken by the recordings the operator may see',
        response: { 200: RecordingUsage, ...errors },
      },
    },
    async (request) => recordings.usage(signedIn(request)),
  );

  app.get(
    '/api/recordings/:chatId',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary:
          'One recording: its transcript as JSON (the default; entries in pages: `after` the last seq seen, `limit`, the next page’s `after` in `nextAfter`), or a file of every entry (txt, csv, pdf)',
        params: chatParams,
        querystring: TranscriptQuery,
        response: { 200: z.union([RecordingTranscriptPage, z.string()]), ...errors },
      },
    },
    async (request, reply) => {
      const operator = signedIn(request);
      const { format = 'json', after, limit } = request.query;
      if (format === 'json')
        return sendResult(reply, await recordings.transcript(operator, request.params.chatId, after, limit));
      if (!takeSlot(reply, operator.id)) return sendError(reply, 429, 'rate_limited', NO_SLOT);
      const file = await recordings.exportOne(operator, request.params.chatId, format, doer(request));
      if (!file.ok) return sendResult(reply, file);
      return sendFile(reply, file.value.data, file.value.type, file.value.name);
    },
  );

  app.put(
    '/api/recordings/:chatId/note',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary: 'Sets the note of a recording (empty removes it); needs recordings.view',
        params: chatParams,
        body: RecordingNoteBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await recordings.setNote(signedIn(request), request.params.chatId, request.body.note, doer(request)),
        204,
      ),
  );

  app.put(
    '/api/recordings/:chatId/lock',
    {
      config: manage,
      schema: {
        tags: ['recordings'],
        summary: 'Locks a recording against the purge, or unlocks it',
        params: chatParams,
        body: RecordingLockBody,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await recordings.setLocked(
          signedIn(request),
          request.params.chatId,
          request.body.locked,
          doer(request),
        ),
        204,
      ),
  );

  app.delete(
    '/api/recordings/:chatId',
    {
      config: manage,
      schema: {
        tags: ['recordings'],
        summary: 'Deletes a closed, unlocked recording',
        params: chatParams,
        response: { 204: z.null(), ...errors },
      },
    },
    async (request, reply) =>
      sendResult(
        reply,
        await recordings.delete(signedIn(request), request.params.chatId, doer(request)),
        204,
      ),
  );

  app.post(
    '/api/recordings/exports',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary:
          'Starts exporting the recordings a filter matches as one zip (202); poll it, cancel it, download it',
        body: RecordingExportBody,
        response: { 202: RecordingExportJob, ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await recordingExports.start(signedIn(request), request.body, doer(request)), 202),
  );

  app.get(
    '/api/recordings/exports/:id',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary: 'An export’s progress',
        params: jobParams,
        response: { 200: RecordingExportJob, ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await recordingExports.status(signedIn(request), request.params.id)),
  );

  app.delete(
    '/api/recordings/exports/:id',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary: 'Cancels an export (its file, if made, is dropped)',
        params: jobParams,
        response: { 200: RecordingExportJob, ...errors },
      },
    },
    async (request, reply) =>
      sendResult(reply, await recordingExports.cancel(signedIn(request), request.params.id)),
  );

  app.get(
    '/api/recordings/exports/:id/download',
    {
      config: browse,
      schema: {
        tags: ['recordings'],
        summary: 'A finished export’s zip',
        params: jobParams,
        response: { 200: z.string(), ...errors },
      },
    },
    async (request, reply) => {
      const operator = signedIn(request);
      if (!takeSlot(reply, operator.id)) return sendError(reply, 429, 'rate_limited', NO_SLOT);
      const zip = await recordingExports.download(operator, request.params.id);
      if (!zip.ok) return sendResult(reply, zip);
      reply.header('content-length', String(zip.value.bytes));
      return sendFile(reply, zip.value.data, 'application/zip', 'parley-recordings.zip');
    },
  );
}
