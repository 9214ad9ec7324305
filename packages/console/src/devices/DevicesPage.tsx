import type { DeviceSummary } from '@parley/protocol';
import { MessageSquareText, Monitor, MonitorSmartphone, Plus } from 'lucide-react';
import { useEffect, useState } from 'react';
import { api } from '../api/http';
import { setPageTitle } from '../chat/tabBadge';
import { chatsHeldElsewhere, focusChatTab } from '../chats/chatClaims';
import { Button } from '../kit/Button';
import { AlertDialog } from '../kit/Dialog';
import { MenuButton } from '../kit/Menu';
import { type Column, Table } from '../kit/Table';
import './devices.css';
import { AddDeviceDialog } from './AddDeviceDialog';

export interface ChatOpened {
  chatId: string;
  deviceId: string;
  deviceName: string;
  endUserName: string | null;
}

function columns(
  busy: string | null,
  onInstantMessaging: (device: DeviceSummary) => void,
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
          <span>{device.name}</span>
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
                  onSelect: () => onInstantMessaging(device),
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

/** The device list: live from the console socket; each row's Actions menu starts a chat. */
export function DevicesPage({
  devices,
  onChatOpened,
  onSignedOut,
}: {
  devices: readonly DeviceSummary[] | null;
  /** A chat to show in the dock: a new one, or the one already open with this device's user. */
  onChatOpened(chat: ChatOpened): void;
  onSignedOut(): void;
}) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [adding, setAdding] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);

  useEffect(() => {
    setPageTitle('Devices · Parley');
  }, []);

  // The server decides (5b, 5c): a new chat, or the one already open with this user, which the agent shows again on
  // the user's screen. The console then shows its window, or points at the tab that holds it.
  const startChat = async (device: DeviceSummary) => {
    setBusy(device.id);
    const result = await api.openChat(device.id);
    if (result.ok && result.data.reused && (await chatsHeldElsewhere()).has(result.data.chatId)) {
      setBusy(null);
      focusChatTab(result.data.chatId);
      setProblem({
        title: 'The chat is open in another tab',
        text: `Your chat with ${device.loggedOnUsers[0]?.name ?? 'the user'} on ${device.name} is open in another tab of this browser.`,
      });
      return;
    }
    setBusy(null);
    if (result.ok) {
      onChatOpened({
        chatId: result.data.chatId,
        deviceId: device.id,
        deviceName: device.name,
        endUserName: device.loggedOnUsers[0]?.name ?? null,
      });
      return;
    }
    if (result.status === 401) {
      onSignedOut();
      return;
    }
    setProblem({
      title: 'Cannot start the chat',
      text:
        result.error === 'no_user_logged_on'
          ? `Instant messaging is not possible because no user is logged on to ${device.name}.`
          : result.message,
    });
  };

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
        <Button variant="primary" icon={Plus} onClick={() => setAdding(true)}>
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
          columns={columns(busy, (device) => void startChat(device))}
          rows={devices}
          rowKey={(device) => device.id}
          rowBusy={(device) => busy === device.id}
        />
      )}

      {problem && (
        <AlertDialog title={problem.title} onClose={() => setProblem(null)}>
          {problem.text}
        </AlertDialog>
      )}
      {adding && <AddDeviceDialog onClose={() => setAdding(false)} onSignedOut={onSignedOut} />}
    </div>
  );
}
