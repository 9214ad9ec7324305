import type { DeviceSummary } from '@parley/protocol';
import { useMutation } from '@tanstack/react-query';
import { History, MessageSquareText, Monitor, MonitorSmartphone, Plus } from 'lucide-react';
import { lazy, Suspense, useEffect, useState } from 'react';
import { ApiProblem, isSignedOut } from '../api/http';
import { Link, navigate } from '../app/router';
import { type Href, href, mayBrowseRecordings } from '../app/routes';
import { useSession } from '../auth/session';
import { setPageTitle } from '../chat/tabBadge';
import { chatsHeldElsewhere, focusChatTab } from '../chats/chatClaims';
import { openChat } from '../chats/chatQueries';
import { useDock } from '../chats/dock';
import { Button } from '../kit/Button';
import { MenuButton } from '../kit/Menu';
import { type Column, Table } from '../kit/Table';
import { useDirectAccessBlocked } from '../license/licenseQuery';
import './devices.css';
import { useDevices } from './deviceList';

// The dialogs load when they first open: the device list shows without them.
const AlertDialog = lazy(() => import('../kit/Dialog').then((m) => ({ default: m.AlertDialog })));
const AddDeviceDialog = lazy(() => import('./AddDeviceDialog').then((m) => ({ default: m.AddDeviceDialog })));

/** Why this operator cannot start chats at all (null: they can); the server refuses it anyway. */
function chatBlocked(capabilities: readonly string[]): string | null {
  return capabilities.includes('instant-messaging') ? null : 'Needs the instant-messaging capability';
}

function columns(
  busy: string | null,
  blocked: string | null,
  onInstantMessaging: (device: DeviceSummary) => void,
  pastBlocked: string | null,
): Column<DeviceSummary>[] {
  return [
    {
      key: 'name',
      header: 'Device',
      rowHeader: true,
      className: 'devices__name',
      cell: (device) => (
        <>
          <Monitor size={16} aria-hidden="true" />
          <Link to={href('device', { deviceId: device.id })}>{device.name}</Link>
        </>
      ),
    },
    {
      key: 'os',
      header: 'Operating system',
      cell: (device) => device.os || <span className="muted">Unknown</span>,
    },
    {
      key: 'status',
      header: 'Status',
      cell: (device) => (
        <span className={device.online ? 'presence presence--online' : 'presence presence--offline'}>
          <span className="presence__dot" aria-hidden="true" />
          {device.online ? 'Online' : 'Offline'}
        </span>
      ),
    },
    {
      key: 'users',
      header: 'Logged-on users',
      cell: (device) =>
        device.loggedOnUsers.length > 0 ? (
          device.loggedOnUsers.map((user) => user.name).join(', ')
        ) : (
          <span className="muted">No one</span>
        ),
    },
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      className: 'devices__actions',
      cell: (device, nameId) => (
        <MenuButton
          label="Actions"
          describedBy={nameId}
          busy={busy === device.id}
          items={[
            {
              id: 'direct-access',
              label: 'Direct Access',
              items: [
                {
                  id: 'instant-messaging',
                  label: 'Instant Messaging',
                  icon: MessageSquareText,
                  ...(blocked ? { disabledReason: blocked } : {}),
                  onSelect: () => onInstantMessaging(device),
                },
                {
                  id: 'past-conversations',
                  label: 'Past conversations',
                  icon: History,
                  ...(pastBlocked ? { disabledReason: pastBlocked } : {}),
                  onSelect: () =>
                    navigate(`${href('recordings')}?device=${encodeURIComponent(device.id)}` as Href),
                },
              ],
            },
          ]}
        />
      ),
    },
  ];
}

type Problem = { title: string; text: string };

/** What the alert dialog says after Instant Messaging, if anything (signed out: the sign-in page says it). */
function startProblem(
  started: { device: DeviceSummary; elsewhere: boolean } | undefined,
  error: Error | null,
  device: DeviceSummary | undefined,
): Problem | null {
  if (started?.elsewhere) {
    const user = started.device.loggedOnUsers[0]?.name ?? 'the user';
    return {
      title: 'The chat is open in another tab',
      text: `Your chat with ${user} on ${started.device.name} is open in another tab of this browser.`,
    };
  }
  if (!error || isSignedOut(error)) return null;
  return {
    title: 'Cannot start the chat',
    text:
      error instanceof ApiProblem && error.code === 'no_user_logged_on'
        ? `Instant messaging is not possible because no user is logged on to ${device?.name ?? 'the device'}.`
        : error.message,
  };
}

/** The device list: live from the console socket; each row's Actions menu starts a chat. */
export function DevicesPage() {
  const devices = useDevices();
  const dock = useDock();
  const capabilities = useSession().data?.operator?.capabilities ?? [];
  const unlicensed = useDirectAccessBlocked();
  const blocked = chatBlocked(capabilities) ?? unlicensed;
  const canEnroll = capabilities.includes('devices.manage');
  const [adding, setAdding] = useState(false);

  useEffect(() => {
    setPageTitle('Devices · Parley');
  }, []);

  // The server decides (5b, 5c): a new chat, or the one already open with this user, which the agent shows again on
  // the user's screen. The console then shows its window, or points at the tab that holds it.
  const startChat = useMutation({
    mutationFn: async (device: DeviceSummary) => {
      const created = await openChat(device.id);
      const elsewhere = created.reused && (await chatsHeldElsewhere()).has(created.chatId);
      return { device, chatId: created.chatId, elsewhere };
    },
    onSuccess: ({ device, chatId, elsewhere }) => {
      if (elsewhere) focusChatTab(chatId);
      else
        dock.open({
          chatId,
          deviceId: device.id,
          deviceName: device.name,
          endUserName: device.loggedOnUsers[0]?.name ?? null,
        });
    },
  });
  const busy = startChat.isPending ? (startChat.variables?.id ?? null) : null;
  const problem = startProblem(startChat.data, startChat.error, startChat.variables);

  const online = devices?.filter((device) => device.online).length ?? 0;

  return (
    <div className="page">
      <div className="page__head">
        <div>
          <h1 className="page__title">Devices</h1>
          {devices && (
            <p className="page__sub">
              {devices.length === 1 ? '1 device' : `${devices.length} devices`}, {online} online
            </p>
          )}
        </div>
        <Button
          variant="primary"
          icon={Plus}
          disabledReason={canEnroll ? undefined : 'Needs the devices.manage capability'}
          onClick={() => setAdding(true)}
        >
          Add device
        </Button>
      </div>

      {devices === null ? (
        <p className="card card--empty muted" role="status">
          Loading devices…
        </p>
      ) : devices.length === 0 ? (
        <div className="card card--empty">
          <MonitorSmartphone size={28} aria-hidden="true" />
          <p>
            No devices yet. Choose <strong>Add device</strong> to enroll the first one.
          </p>
        </div>
      ) : (
        <Table
          className="devices"
          caption="Devices"
          columns={columns(
            busy,
            blocked,
            (device) => startChat.mutate(device),
            mayBrowseRecordings(capabilities)
              ? null
              : 'Needs the instant-messaging or recordings.view capability',
          )}
          rows={devices}
          rowKey={(device) => device.id}
          rowBusy={(device) => busy === device.id}
        />
      )}

      <Suspense fallback={null}>
        {problem && (
          <AlertDialog title={problem.title} onClose={() => startChat.reset()}>
            {problem.text}
          </AlertDialog>
        )}
        {adding && <AddDeviceDialog onClose={() => setAdding(false)} />}
      </Suspense>
    </div>
  );
}
