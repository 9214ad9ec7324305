import { SessionList, type SessionView } from '@parley/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Loaded, PageHead } from '../admin/AdminPage';
import { Outcome, Section } from '../admin/Section';
import { apiCommand, apiRequest } from '../api/http';
import { useSession } from '../auth/session';
import { setPageTitle } from '../chat/tabBadge';
import { Button } from '../kit/Button';
import { Field } from '../kit/Field';
import { type Column, Table } from '../kit/Table';
import { useDisplayNameChange } from './displayName';

/** `GET /api/auth/sessions`: the signed-in operator's live sessions, the latest used first. */
const sessionsQuery = queryOptions({
  queryKey: ['account', 'sessions'] as const,
  queryFn: () => apiRequest('GET', '/api/auth/sessions', SessionList),
  staleTime: 0,
});

function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** "Chrome on Linux" from a User-Agent header, or the header as it is. */
export function browserName(userAgent: string | null): string {
  if (!userAgent) return 'Unknown browser';
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const os = /Windows/.test(userAgent)
    ? 'Windows'
    : /Mac OS X/.test(userAgent)
      ? 'macOS'
      : /Android/.test(userAgent)
        ? 'Android'
        : /Linux/.test(userAgent)
          ? 'Linux'
          : null;
  return browser && os ? `${browser} on ${os}` : (browser ?? userAgent);
}

/** The operator's own display name: what the end users they chat with see ("Ada from Acme wants to chat…"). */
function DisplayNameChange({ current }: { current: string }) {
  const change = useDisplayNameChange();
  return (
    <Section title="Your name">
      <form
        className="form"
        onSubmit={(event) => {
          event.preventDefault();
          change.mutate(String(new FormData(event.currentTarget).get('displayName') ?? '').trim());
        }}
      >
        <Field
          label="Display name"
          name="displayName"
          defaultValue={current}
          autoComplete="name"
          required
          maxLength={128}
        />
        <p className="muted">The people you chat with see this name. Chats you open from now on use it.</p>
        <div>
          <Button type="submit" variant="primary" busy={change.isPending}>
            Save name
          </Button>
        </div>
        <Outcome change={change} done="Saved: your next chats show this name." />
      </form>
    </Section>
  );
}

function PasswordChange() {
  const client = useQueryClient();
  const change = useMutation({
    mutationFn: (body: { currentPassword: string; newPassword: string }) =>
      apiCommand('PUT', '/api/auth/password', body),
    onSuccess: () => client.invalidateQueries({ queryKey: sessionsQuery.queryKey }),
  });
  return (
    <Section title="Password">
      <form
        className="form account__password"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          const data = new FormData(form);
          change.mutate(
            {
              currentPassword: String(data.get('current') ?? ''),
              newPassword: String(data.get('new') ?? ''),
            },
            { onSuccess: () => form.reset() },
          );
        }}
      >
        <Field
          label="Current password"
          name="current"
          type="password"
          autoComplete="current-password"
          required
        />
        <Field
          label="New password"
          name="new"
          type="password"
          autoComplete="new-password"
          required
          minLength={12}
        />
        <p className="muted">At least 12 characters; a passphrase is welcome. Your other sessions end.</p>
        <div>
          <Button type="submit" variant="primary" busy={change.isPending}>
            Change password
          </Button>
        </div>
        <Outcome change={change} done="Your password was changed; your other sessions have ended." />
      </form>
    </Section>
  );
}

function Sessions() {
  const client = useQueryClient();
  const sessions = useQuery(sessionsQuery);
  const end = useMutation({
    mutationFn: (id: string) => apiCommand('DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`),
    onSettled: () => client.invalidateQueries({ queryKey: sessionsQuery.queryKey }),
  });
  const columns: Column<SessionView>[] = [
    {
      key: 'browser',
      header: 'Browser',
      rowHeader: true,
      cell: (session) => (
        <>
          {browserName(session.userAgent)}
          {session.current && <span className="tag account__current">This session</span>}
        </>
      ),
    },
    {
      key: 'address',
      header: 'Address',
      cell: (session) => session.address ?? <span className="muted">—</span>,
    },
    { key: 'created', header: 'Signed in', cell: (session) => when(session.createdAt) },
    { key: 'seen', header: 'Last used', cell: (session) => when(session.lastSeenAt) },
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      className: 'table__actions',
      cell: (session, nameId) =>
        session.current ? (
          <span className="muted">Sign out to end it</span>
        ) : (
          <Button
            small
            aria-describedby={nameId}
            busy={end.isPending && end.variables === session.id}
            onClick={() => end.mutate(session.id)}
          >
            End
          </Button>
        ),
    },
  ];
  return (
    <Section title="Sessions">
      <p className="muted">Where you are signed in now. Ending a session signs that browser out.</p>
      <Loaded query={sessions} what="your sessions">
        {(list) => <Table caption="Your sessions" columns={columns} rows={list} rowKey={(s) => s.id} />}
      </Loaded>
      <Outcome change={end} done="Session ended." />
    </Section>
  );
}

/** The signed-in operator's own account: their name, their password and their sessions. */
export function AccountPage() {
  const operator = useSession().data?.operator;
  useEffect(() => {
    setPageTitle('Account · Parley');
  }, []);
  return (
    <div className="page account">
      <PageHead
        title="Account"
        sub={
          operator &&
          (operator.displayName ? `${operator.displayName} (${operator.username})` : operator.username)
        }
      />
      <div className="admin__sections">
        {operator && <DisplayNameChange current={operator.displayName} />}
        <PasswordChange />
        <Sessions />
      </div>
    </div>
  );
}
