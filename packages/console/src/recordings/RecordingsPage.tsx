import type { RecordingListItem, RecordingMatch } from '@parley/protocol';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { Lock } from 'lucide-react';
import { type ReactNode, useEffect, useState } from 'react';
import { Loaded, LoadMore, PageHead } from '../admin/AdminPage';
import { Link, navigate, useLocation } from '../app/router';
import { type Href, href } from '../app/routes';
import { setPageTitle } from '../chat/tabBadge';
import { dateTime } from '../chat/time';
import { DevicePicker } from '../devices/DevicePicker';
import { Button } from '../kit/Button';
import { Field } from '../kit/Field';
import { type Column, Table } from '../kit/Table';
import { ExportPanel } from './ExportPanel';
import {
  type BrowseFilter,
  filterFromSearch,
  recordingsQuery,
  recordingsSearch,
  usageQuery,
} from './recordingQueries';
import './recordings.css';

/** A message with the words a search found marked: text nodes and <mark>s, never HTML. */
export function Marked({ match }: { match: RecordingMatch }) {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const [start, end] of match.marks) {
    if (start > at) parts.push(match.text.slice(at, start));
    parts.push(<mark key={start}>{match.text.slice(start, end)}</mark>);
    at = end;
  }
  parts.push(match.text.slice(at));
  return <>{parts}</>;
}

/** Bytes as people read them. */
export function sizeText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`;
}

const columns: Column<RecordingListItem>[] = [
  {
    key: 'startedAt',
    header: 'Started',
    rowHeader: true,
    cell: (r) => (
      <Link
        to={href('recording', { chatId: r.chatId })}
        aria-label={`Chat with ${r.endUser} on ${r.deviceName}, ${dateTime(r.startedAt)}`}
      >
        <time dateTime={r.startedAt}>{dateTime(r.startedAt)}</time>
      </Link>
    ),
  },
  { key: 'device', header: 'Device', cell: (r) => r.deviceName },
  { key: 'endUser', header: 'End user', cell: (r) => r.endUser },
  { key: 'operator', header: 'Operator', cell: (r) => r.operator },
  { key: 'messages', header: 'Messages', cell: (r) => String(r.messageCount) },
  {
    key: 'state',
    header: 'State',
    cell: (r) => (
      <span className="recordings__state">
        {r.endedAt ? 'Ended' : 'Open'}
        {r.lockedAt && (
          <span className="recordings__lock">
            <Lock size={12} aria-hidden="true" /> Locked
          </span>
        )}
      </span>
    ),
  },
  {
    key: 'matches',
    header: 'Found',
    className: 'recordings__matches',
    cell: (r) =>
      r.matches.length > 0 ? (
        <ul>
          {r.matches.map((m) => (
            <li key={m.seq}>
              <Marked match={m} />
            </li>
          ))}
        </ul>
      ) : (
        (r.note ?? '')
      ),
  },
];

/**
 * Past conversations: every recorded chat the operator may see (with recordings.view, everyone's on the devices they
 * may read; with instant-messaging only, their own), filtered and searched in the database, in pages; the space they
 * take; the filtered set exported as one zip.
 */
export function RecordingsPage() {
  const { search } = useLocation();
  const filter = filterFromSearch(search);
  useEffect(() => setPageTitle('Past conversations · Parley'), []);
  const list = useInfiniteQuery(recordingsQuery(filter));
  const usage = useQuery(usageQuery);
  const [format, setFormat] = useState<'txt' | 'csv' | 'json' | 'pdf'>('txt');
  const rows = list.data?.pages.flatMap((page) => page.recordings);
  const total = list.data?.pages[0]?.total ?? 0;

  function apply(next: BrowseFilter) {
    navigate(`${href('recordings')}${recordingsSearch(next)}` as Href);
  }

  return (
    <div className="page recordings">
      <PageHead
        title="Past conversations"
        sub={
          usage.data
            ? `${usage.data.recordings === 1 ? '1 recording' : `${usage.data.recordings} recordings`} use about ${sizeText(usage.data.bytes)}.`
            : 'Recorded chats, newest first.'
        }
      />
      <form
        className="card recordings__filters"
        aria-label="Filter past conversations"
        key={search}
        onSubmit={(event) => {
          event.preventDefault();
          const form = new FormData(event.currentTarget);
          const text = (key: keyof BrowseFilter) => String(form.get(key) ?? '');
          apply({
            device: text('device'),
            operator: text('operator'),
            endUser: text('endUser'),
            from: text('from'),
            to: text('to'),
            q: text('q'),
          });
        }}
      >
        <Field label="Words" name="q" type="search" defaultValue={filter.q} placeholder="in the messages" />
        <DevicePicker label="Device" name="device" empty="Any device" defaultValue={filter.device} />
        <Field label="Operator" name="operator" defaultValue={filter.operator} placeholder="a username" />
        <Field label="End user" name="endUser" defaultValue={filter.endUser} />
        <Field label="From" name="from" type="datetime-local" defaultValue={filter.from} />
        <Field label="To" name="to" type="datetime-local" defaultValue={filter.to} />
        <Button type="submit" variant="primary">
          Search
        </Button>
      </form>
      <Loaded query={list} what="past conversations">
        {() =>
          rows?.length ? (
            <>
              <p className="muted" role="status">
                {total === 1 ? '1 conversation' : `${total} conversations`} match.
              </p>
              <Table
                caption="Past conversations"
                className="recordings__table"
                columns={columns}
                rows={rows}
                rowKey={(r) => r.chatId}
              />
              <LoadMore pages={list} className="recordings__more" end="That is all." />
              <ExportPanel filter={filter} format={format} onFormat={setFormat} count={total} />
            </>
          ) : (
            <p className="card card--empty" role="status">
              No conversations match.
            </p>
          )
        }
      </Loaded>
    </div>
  );
}
