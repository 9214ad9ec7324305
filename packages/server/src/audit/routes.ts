import { ApiError, AuditPage, AuditQuery } from '@parley/protocol';
import { z } from 'zod/mini';
import type { App } from '../http/request.js';
import type { Services } from '../services.js';
import { auditCsv } from './csv.js';

const PAGE = 100;
/** A CSV export is one answer; past this many rows, narrow the filters. */
const CSV_ROWS = 50_000;

export function registerAuditRoutes(app: App, { store }: Services): void {
  app.get(
    '/api/audit',
    {
      config: { access: () => ({ kind: 'audit.view' }) },
      schema: {
        tags: ['audit'],
        summary: 'The audit log, newest first, filtered; `format=csv` for the same rows as CSV',
        querystring: AuditQuery,
        // A string: the CSV export, sent as it is.
        response: { 200: z.union([AuditPage, z.string()]), 400: ApiError, 401: ApiError, 403: ApiError },
      },
    },
    async (request, reply) => {
      const { format, cursor, limit, ...filter } = request.query;
      const clean = Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
      if (format === 'csv') {
        const entries = await store.audit.page(clean, CSV_ROWS, cursor);
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="parley-audit.csv"')
          .serializer((body: string) => body)
          .send(auditCsv(entries));
      }
      const size = limit ?? PAGE;
      const entries = await store.audit.page(clean, size + 1, cursor);
      const page = entries.slice(0, size);
      return { entries: page, nextCursor: entries.length > size ? (page.at(-1)?.id ?? null) : null };
    },
  );
}
