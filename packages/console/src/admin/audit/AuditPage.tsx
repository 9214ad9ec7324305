import { type AuditEntry, AuditPage as AuditPageSchema } from '@parley/protocol';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { useState } from 'react';
import { apiRequest } from '../../api/http';
import { filterSearch } from '../../api/search';
import { dateTime } from '../../chat/time';
import { Button } from '../../kit/Button';
import { Field } from '../../kit/Field';
import { type Column, Table } from '../../kit/Table';
import { AdminPage, Loaded, LoadMore } from '../AdminPage';

export interface AuditFilter {
  actor: string;
  action: string;
  /** `datetime-local` values (the operator's local time). */
  from: string;
  to: string;
}

const NO_FILTER: AuditFilter = { actor: '', action: '', from: '', to: '' };

/** The filter as `/api/audit`'s query (local times as ISO instants; empty ones left out). */
export function auditSearch(filter: AuditFilter, extra: Record<string, string> = {}): string {
  return filterSearch({ ...filter }, ['from', 'to'], extra);
}

function auditQuery(filter: AuditFilter) {
  return {
    queryKey: ['admin', 'audit', filter] as const,
    queryFn: ({ pageParam }: { pageParam: string | null }) =>
      apiRequest(
        'GET',
        `/api/audit${auditSearch(filter, pageParam ? { cursor: pageParam } : {})}`,
        AuditPageSchema,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page: { nextCursor: string | null }) => page.nextCursor,
  };
}

function detailsText(details: AuditEntry['details']): string {
  const entries = Object.entries(details);
  return entries
    .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');
}

const columns: Column<AuditEntry>[] = [
  {
    key: 'at',
    header: 'When',
    rowHeader: true,
    className: 'audit__when',
    cell: (entry) => <time dateTime={entry.at}>{dateTime(entry.at)}</time>,
  },
  { key: 'actor', header: 'Who', cell: (entry) => entry.actor },
  { key: 'action', header: 'What', cell: (entry) => <code>{entry.action}</code> },
  { key: 'target', header: 'Target', cell: (entry) => entry.target ?? <span className="muted">—</span> },
  { key: 'address', header: 'Address', cell: (entry) => entry.address ?? <span className="muted">—</span> },
  {
    key: 'details',
    header: 'Details',
    className: 'audit__details',
    cell: (entry) => detailsText(entry.details),
  },
];

/** The audit log, newest first: filters (who, what, when), more pages on request, and the same rows as CSV. */
export function AuditPage() {
  const [filter, setFilter] = useState<AuditFilter>(NO_FILTER);
  const log = useInfiniteQuery(auditQuery(filter));
  const entries = log.data?.pages.flatMap((page) => page.entries);
  return (
    <AdminPage
      title="Audit log"
      sub="Every change, sign-in, chat and enrollment, newest first."
      actions={
        <a
          className="button button--ghost"
          href={`/api/audit${auditSearch(filter, { format: 'csv' })}`}
          download
        >
          <Download size={16} aria-hidden="true" />
          <span>Export CSV</span>
        </a>
      }
    >
      <form
        className="card audit__filters"
        aria-label="Filter the audit log"
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const text = (key: keyof AuditFilter) => String(form.get(key) ?? '');
          setFilter({ actor: text('actor'), action: text('action'), from: text('from'), to: text('to') });
        }}
      >
        <Field label="Who" name="actor" placeholder="a username" defaultValue={filter.actor} />
        <Field label="What" name="action" placeholder="e.g. operator.create" defaultValue={filter.action} />
        <Field label="From" name="from" type="datetime-local" defaultValue={filter.from} />
        <Field label="To" name="to" type="datetime-local" defaultValue={filter.to} />
        <Button type="submit" variant="primary">
          Apply filters
        </Button>
      </form>
      <Loaded query={log} what="the audit log">
        {() =>
          entries?.length ? (
            <>
              <Table
                caption="Audit log"
                className="audit"
                columns={columns}
                rows={entries}
                rowKey={(e) => e.id}
              />
              <LoadMore
                pages={log}
                className="audit__more"
                end={`That is all: ${entries.length === 1 ? '1 entry' : `${entries.length} entries`}.`}
              />
            </>
          ) : (
            <p className="card card--empty">No entries match these filters.</p>
          )
        }
      </Loaded>
    </AdminPage>
  );
}
