import { type CredentialState, DeviceDetails, RecordingPage } from '@parley/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { KeyRound, RefreshCw, Trash2 } from 'lucide-react';
import { type ReactNode, useState } from 'react';
import { Loaded, PageHead, problemText } from '../admin/AdminPage';
import { Outcome, Section } from '../admin/Section';
import { apiCommand, apiRequest } from '../api/http';
import { Link, navigate } from '../app/router';
import { type Href, href, mayBrowseRecordings, type ScreenProps } from '../app/routes';
import { useSession } from '../auth/session';
import { dateTime, fullTime } from '../chat/time';
import { Button } from '../kit/Button';
import { AlertDialog } from '../kit/Dialog';
import { Field } from '../kit/Field';
import { dropRow } from './deviceList';
import './devices.css';

const devicePath = (deviceId: string, rest = '') => `/api/devices/${encodeURIComponent(deviceId)}${rest}`;

function deviceQuery(deviceId: string) {
  return queryOptions({
    queryKey: ['device', deviceId] as const,
    queryFn: () => apiRequest('GET', devicePath(deviceId), DeviceDetails),
  });
}

const CREDENTIAL_TEXT: Record<CredentialState, string> = {
  active: 'Active: the agent signs in with it.',
  rotating: 'Rotating: a new credential was issued; the old one works until the agent proves the new one.',
  revoked: 'Revoked: the agent is locked out until it is enrolled again.',
};

/** A change of the device; then the page (and the device list, which the socket updates) shows what the server holds. */
function useDeviceChange<Input = void>(device: DeviceDetails, run: (input: Input) => Promise<unknown>) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: () => client.invalidateQueries({ queryKey: ['device', device.id] }),
  });
}

function Facts({ device }: { device: DeviceDetails }) {
  const rows: [string, ReactNode][] = [
    ['Status', device.online ? 'Online' : 'Offline'],
    [
      'Logged-on users',
      device.loggedOnUsers.length > 0 ? device.loggedOnUsers.map((user) => user.name).join(', ') : 'No one',
    ],
    ['Host name', device.hostName || 'Unknown'],
    ['Operating system', device.os || 'Unknown'],
    ['Agent version', device.agentVersion || 'Unknown'],
    ['Last seen', device.lastSeenAt ? fullTime(device.lastSeenAt) : 'Never'],
    ['Address', device.address ?? 'Unknown'],
    ['Enrolled', `${fullTime(device.enrolledAt)}${device.enrolledBy ? ` by ${device.enrolledBy}` : ''}`],
    ['Groups', device.groups.length > 0 ? device.groups.map((group) => group.name).join(', ') : 'None'],
  ];
  return (
    <Section title="Details">
      <dl className="facts">
        {rows.map(([term, value]) => (
          <div key={term} className="facts__row">
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </Section>
  );
}

/** Rename, credential and removal: for operators with devices.manage; the server checks Write on the device too. */
function Manage({ device, blocked }: { device: DeviceDetails; blocked: string | null }) {
  const [confirm, setConfirm] = useState<'revoke' | 'remove' | null>(null);
  const renameTo = useDeviceChange(device, (name: string) =>
    apiCommand('PATCH', devicePath(device.id), { name }),
  );
  const rotate = useDeviceChange(device, () =>
    apiCommand('POST', devicePath(device.id, '/credential/rotate')),
  );
  const revoke = useDeviceChange(device, () =>
    apiCommand('POST', devicePath(device.id, '/credential/revoke')),
  );
  const client = useQueryClient();
  const remove = useMutation({
    mutationFn: () => apiCommand('DELETE', devicePath(device.id)),
    onSuccess: () => {
      dropRow(client, device.id);
      client.removeQueries({ queryKey: ['device', device.id] });
      navigate(href('devices'));
    },
  });
  const reason = blocked ?? undefined;
  const revoked = device.credential === 'revoked';
  return (
    <>
      <Section title="Name">
        <form
          className="admin__inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            renameTo.mutate(String(new FormData(event.currentTarget).get('name') ?? ''));
          }}
        >
          <Field label="Device name" name="name" defaultValue={device.name} required maxLength={256} />
          <Button type="submit" busy={renameTo.isPending} disabledReason={reason}>
            Rename
          </Button>
        </form>
        <Outcome change={renameTo} done="Renamed. The agent’s reports no longer change the name." />
      </Section>
      <Section title="Credential">
        <p>{CREDENTIAL_TEXT[device.credential]}</p>
        <div className="admin__buttons">
          <Button
            icon={RefreshCw}
            busy={rotate.isPending}
            disabledReason={
              reason ??
              (revoked ? 'The credential is revoked' : device.online ? undefined : 'The device is offline')
            }
            onClick={() => rotate.mutate()}
          >
            Rotate credential
          </Button>
          <Button
            icon={KeyRound}
            disabledReason={reason ?? (revoked ? 'The credential is revoked already' : undefined)}
            onClick={() => setConfirm('revoke')}
          >
            Revoke credential
          </Button>
        </div>
        <Outcome change={rotate} done="The agent was asked for a new credential." />
      </Section>
      <Section title="Remove">
        <p>
          Removing the device cuts its agent off at once, frees its license seat and takes it out of every
          group. Its recorded conversations stay.
        </p>
        <div className="admin__buttons">
          <Button icon={Trash2} disabledReason={reason} onClick={() => setConfirm('remove')}>
            Remove device
          </Button>
        </div>
      </Section>
      {confirm === 'revoke' && (
        <AlertDialog
          title={`Revoke the credential of ${device.name}?`}
          onClose={() => setConfirm(null)}
          confirm={{
            label: 'Revoke',
            busy: revoke.isPending,
            onConfirm: () => revoke.mutate(undefined, { onSuccess: () => setConfirm(null) }),
          }}
        >
          {problemText(revoke.error) ??
            'Its agent is disconnected now and cannot sign in again until it is enrolled with a new token.'}
        </AlertDialog>
      )}
      {confirm === 'remove' && (
        <AlertDialog
          title={`Remove ${device.name}?`}
          onClose={() => setConfirm(null)}
          confirm={{ label: 'Remove', busy: remove.isPending, onConfirm: () => remove.mutate() }}
        >
          {problemText(remove.error) ??
            'Its agent is disconnected now, its open chats end, and it leaves the device list.'}
        </AlertDialog>
      )}
    </>
  );
}

/** Conversations shown on a device's page: the latest few, and the way to all of them. */
const RECENT_CONVERSATIONS = 5;

/** The device's latest recorded conversations the operator may see (an operator's own, without recordings.view). */
function PastConversations({ deviceId }: { deviceId: string }) {
  const recent = useQuery({
    queryKey: ['recordings', 'device', deviceId] as const,
    queryFn: () =>
      apiRequest(
        'GET',
        `/api/recordings/page?device=${encodeURIComponent(deviceId)}&limit=${RECENT_CONVERSATIONS}`,
        RecordingPage,
      ),
  });
  const all = `${href('recordings')}?device=${encodeURIComponent(deviceId)}` as Href;
  return (
    <Section title="Past conversations">
      {recent.data && recent.data.recordings.length === 0 ? (
        <p className="muted">No recorded conversation with this device.</p>
      ) : (
        <ul className="device-page__past">
          {recent.data?.recordings.map((r) => (
            <li key={r.chatId}>
              <Link to={href('recording', { chatId: r.chatId })}>
                {`${dateTime(r.startedAt)}: ${r.endUser} with ${r.operator}`}
              </Link>
              <span className="muted">
                {r.messageCount === 1 ? ' · 1 message' : ` · ${r.messageCount} messages`}
              </span>
            </li>
          ))}
        </ul>
      )}
      {(recent.data?.total ?? 0) > RECENT_CONVERSATIONS && (
        <p>
          <Link to={all}>{`All ${recent.data?.total} past conversations with this device`}</Link>
        </p>
      )}
    </Section>
  );
}

/** A device: what its agent reports, its enrollment and groups; rename, credential and removal. */
export function DevicePage({ params }: ScreenProps<'/devices/:deviceId'>) {
  const device = useQuery(deviceQuery(params.deviceId));
  const capabilities = useSession().data?.operator?.capabilities ?? [];
  const blocked = capabilities.includes('devices.manage') ? null : 'Needs the devices.manage capability';
  return (
    <div className="page device-page">
      <p className="breadcrumb">
        <Link to={href('devices')}>Devices</Link>
      </p>
      <Loaded query={device} what="the device">
        {(details) => (
          <>
            <PageHead title={details.name} sub={details.online ? 'Online' : 'Offline'} />
            <Facts device={details} />
            {mayBrowseRecordings(capabilities) && <PastConversations deviceId={details.id} />}
            <Manage device={details} blocked={blocked} />
          </>
        )}
      </Loaded>
    </div>
  );
}
