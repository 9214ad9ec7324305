import type { DeviceRow, LoggedOnUser } from '@parley/protocol';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { History, MessageSquareText, Monitor, MonitorSmartphone, Plus } from 'lucide-react';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { deviceGroupsQuery } from '../admin/adminQueries';
import { ApiProblem, isSignedOut } from '../api/http';
import { Link, navigate, useLocation } from '../app/router';
import { type Href, href, mayBrowseRecordings } from '../app/routes';
import { useSession } from '../auth/session';
import { setPageTitle } from '../chat/tabBadge';
import { dateTime } from '../chat/time';
import { chatsHeldElsewhere, focusChatTab } from '../chats/chatClaims';
import { openChat, usersToChoose } from '../chats/chatQueries';
import { useDock } from '../chats/dock';
import { Button } from '../kit/Button';
import { Field, SelectField } from '../kit/Field';
import { MenuButton } from '../kit/Menu';
import { type Column, Table } from '../kit/Table';
import { useDirectAccessBlocked } from '../license/licenseQuery';
import './devices.css';
import {
  type DeviceFilter,
  deviceFilterFromSearch,
  devicePageQuery,
  devicePagesChanged,
  devicesSearch,
  NO_DEVICE_FILTER,
  useWatchedDevices,
} from './deviceList';

// The dialogs load when they first open: the device list shows without them.
const AlertDialog = lazy(() => import('../kit/Dialog').then((m) => ({ default: m.AlertDialog })));
const DisplayNameDialog = lazy(() =>
  import('../chats/DisplayNameDialog').then((m) => ({ default: m.DisplayNameDialog })),
);
const AddDeviceDialog = lazy(() => import('./AddDeviceDialog').then((m) => ({ default: m.AddDeviceDialog })));
const ChooseUserDialog = lazy(() =>
  import('./ChooseUserDialog').then((m) => ({ default: m.ChooseUserDialog })),
);

/** Why this operator cannot start chats at all (null: they can); the server refuses it anyway. */
function chatBlocked(capabilities: readonly string[]): string | null {
  return capabilities.includes('instant-messaging') ? null : 'Needs the instant-messaging capability';
}

/** Why Instant Messaging will not work on this device as far as its row knows (the server decides). */
function notNow(device: DeviceRow): string | undefined {
  if (!device.online) return 'The device is offline';
  return device.loggedOnUsers.length === 0 ? 'No one is logged on' : undefined;
}

function needsDisplayName(error: unknown): boolean {
  return error instanceof ApiProblem && error.code === 'display_name_required';
}

function chatsText(device: DeviceRow): string | null {
  if (device.chats.length === 0) return null;
  const names = device.chats.map((chat) => (chat.mine ? 'you' : chat.operator));
  return `Chat open by ${[...new Set(names)].join(', ')}`;
}

function columns(
  busy: string | null,
  blocked: string | null,
  onInstantMessaging: (device: DeviceRow) => void,
  pastBlocked: string | null,
): Column<DeviceRow>[] {
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
        <>
          <span className={device.online ? 'presence presence--online' : 'presence presence--offline'}>
            <span className="presence__dot" aria-hidden="true" />
            {device.online ? 'Online' : 'Offline'}
          </span>
          {!device.online && device.lastSeenAt && (
            <span className="devices__seen muted">
              seen <time dateTime={device.lastSeenAt}>{dateTime(device.lastSeenAt)}</time>
            </span>
          )}
        </>
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
      key: 'chat',
      header: 'Chat',
      cell: (device) => {
        const text = chatsText(device);
        return text ? <span className="devices__chat">{text}</span> : null;
      },
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
                  ...(!blocked && notNow(device) ? { dimmedReason: notNow(device) } : {}),
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
  started: { device: DeviceRow; user: string | null; elsewhere: boolean } | undefined,
  error: Error | null,
  device: DeviceRow | undefined,
): Problem | null {
  if (started?.elsewhere) {
    const user = started.user ?? 'the user';
    return {
      title: 'The chat is open in another tab',
      text: `Your chat with ${user} on ${started.device.name} is open in another tab of this browser.`,
    };
  }
  // Several people logged on, or no name of the operator's yet: a dialog asks (ChooseUserDialog, DisplayNameDialog).
  if (!error || isSignedOut(error) || usersToChoose(error) || needsDisplayName(error)) return null;
  return {
    title: 'Cannot start the chat',
    text:
      error instanceof ApiProblem && error.code === 'no_user_logged_on'
        ? noUserText(device?.name)
        : error.message,
  };
}

function noUserText(deviceName: string | undefined): string {
  return `Instant messaging is not possible because no user is logged on to ${deviceName ?? 'the device'}.`;
}

/** What Instant Messaging says at once on a row that shows it cannot work (the manual's popup). */
function rowProblem(device: DeviceRow): Problem {
  return {
    title: 'Cannot start the chat',
    text: device.online
      ? noUserText(device.name)
      : `Instant messaging is not possible because ${device.name} is offline.`,
  };
}

const SEARCH_DELAY_MS = 250;

/** The list's filters: the words as typed (applied after a pause), the rest at once; all kept in the address. */
function DeviceFilters({
  filter,
  oses,
  apply,
}: {
  filter: DeviceFilter;
  oses: readonly string[];
  apply(next: DeviceFilter): void;
}) {
  const groups = useQuery(deviceGroupsQuery).data ?? [];
  const [words, setWords] = useState(filter.q);
  useEffect(() => {
    if (words === filter.q) return;
    const timer = setTimeout(() => apply({ ...filter, q: words }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [words, filter, apply]);
  const set = (key: keyof DeviceFilter) => (event: { currentTarget: { value: string } }) =>
    apply({ ...filter, q: words, [key]: event.currentTarget.value });
  return (
    <search className="card devices__filters" aria-label="Find devices">
      <Field
        label="Search"
        type="search"
        value={words}
        placeholder="device or user name"
        onChange={(event) => setWords(event.currentTarget.value)}
      />
      <SelectField label="Status" value={filter.online} onChange={set('online')}>
        <option value="">Any</option>
        <option value="true">Online</option>
        <option value="false">Offline</option>
      </SelectField>
      <SelectField label="Logged on" value={filter.loggedOn} onChange={set('loggedOn')}>
        <option value="">Anyone or no one</option>
        <option value="true">Someone</option>
        <option value="false">No one</option>
      </SelectField>
      <SelectField label="Operating system" value={filter.os} onChange={set('os')}>
        <option value="">Any</option>
        {oses.map((os) => (
          <option key={os} value={os}>
            {os}
          </option>
        ))}
      </SelectField>
      <SelectField label="Device group" value={filter.group} onChange={set('group')}>
        <option value="">Any</option>
        {groups.map((group) => (
          <option key={group.id} value={group.id}>
            {group.name}
          </option>
        ))}
      </SelectField>
      <SelectField label="Chat" value={filter.hasChat} onChange={set('hasChat')}>
        <option value="">Any</option>
        <option value="true">A chat is open</option>
        <option value="false">No chat open</option>
      </SelectField>
      <SelectField label="Sort by" value={filter.sort} onChange={set('sort')}>
        <option value="">Online first</option>
        <option value="name">Name</option>
        <option value="lastSeen">Last seen</option>
      </SelectField>
    </search>
  );
}

/**
 * The device list: filtered, sorted and paged by the server, a page at a time; rows live from the console socket;
 * each row's Actions menu starts a chat.
 */
export function DevicesPage() {
  const { search } = useLocation();
  const filter = deviceFilterFromSearch(search);
  const pages = useInfiniteQuery(devicePageQuery(filter));
  const client = useQueryClient();
  const dock = useDock();
  const capabilities = useSession().data?.operator?.capabilities ?? [];
  const unlicensed = useDirectAccessBlocked();
  const blocked = chatBlocked(capabilities) ?? unlicensed;
  const canEnroll = capabilities.includes('devices.manage');
  const [adding, setAdding] = useState(false);
  const [notPossible, setNotPossible] = useState<Problem | null>(null);
  // Instant Messaging on a device several people are logged on to: whom to chat with (the server's list).
  const [choosing, setChoosing] = useState<{ device: DeviceRow; users: LoggedOnUser[] } | null>(null);
  // Instant Messaging by an operator with no display name yet: the chat to start once they gave it.
  const [naming, setNaming] = useState<{ device: DeviceRow; user?: string } | null>(null);
  // Clearing the filters starts the filter form afresh (it keeps the words being typed as its own state).
  const [cleared, setCleared] = useState(0);

  useEffect(() => {
    setPageTitle('Devices · Parley');
  }, []);

  // The server decides (5b, 5c): a new chat, or the one already open with this user, which the agent shows again on
  // the user's screen. The console then shows its window, or points at the tab that holds it.
  const startChat = useMutation({
    mutationFn: async ({ device, user }: { device: DeviceRow; user?: string }) => {
      const created = await openChat(device.id, user);
      const elsewhere = created.reused && (await chatsHeldElsewhere()).has(created.chatId);
      return {
        device,
        user: user ?? device.loggedOnUsers[0]?.name ?? null,
        chatId: created.chatId,
        elsewhere,
      };
    },
    onError: (error, asked) => {
      const users = usersToChoose(error);
      if (users) setChoosing({ device: asked.device, users });
      if (needsDisplayName(error)) setNaming(asked);
    },
    onSuccess: ({ device, user, chatId, elsewhere }) => {
      setChoosing(null);
      void devicePagesChanged(client);
      if (elsewhere) focusChatTab(chatId);
      else
        dock.open({
          chatId,
          deviceId: device.id,
          deviceName: device.name,
          endUserName: user,
        });
    },
  });
  const busy = startChat.isPending ? (startChat.variables?.device.id ?? null) : null;
  const problem =
    choosing || naming
      ? null
      : (notPossible ?? startProblem(startChat.data, startChat.error, startChat.variables?.device));
  const devices = pages.data?.pages.flatMap((page) => page.devices) ?? null;
  // The rows shown live (P-37), the first MAX_WATCHED_DEVICES of them when more pages are open.
  const shownIds = useMemo(() => devices?.map((device) => device.id) ?? [], [devices]);
  useWatchedDevices(shownIds);
  const first = pages.data?.pages[0];
  const filtered = Object.entries(filter).some(([key, value]) => key !== 'sort' && value !== '');
  const apply = (next: DeviceFilter) =>
    navigate(`${href('devices')}${devicesSearch(next)}` as Href, { replace: true });

  return (
    <div className="page">
      <div className="page__head">
        <div>
          <h1 className="page__title">Devices</h1>
          {first && (
            <p className="page__sub" role="status">
              {first.total === 1 ? '1 device' : `${first.total} devices`}
              {filtered ? ' match' : ''}, {first.online} online
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

      {(filtered || (first?.total ?? 0) > 0) && (
        <DeviceFilters key={cleared} filter={filter} oses={first?.oses ?? []} apply={apply} />
      )}

      {devices === null ? (
        <p className="card card--empty muted" role="status">
          {pages.isError ? 'The devices could not be loaded.' : 'Loading devices…'}
        </p>
      ) : devices.length === 0 && !filtered ? (
        <div className="card card--empty">
          <MonitorSmartphone size={28} aria-hidden="true" />
          <p>
            No devices yet. Choose <strong>Add device</strong> to enroll the first one.
          </p>
        </div>
      ) : devices.length === 0 ? (
        <div className="card card--empty">
          <p>No device matches.</p>
          <Button
            onClick={() => {
              setCleared((n) => n + 1);
              apply(NO_DEVICE_FILTER);
            }}
          >
            Clear the filters
          </Button>
        </div>
      ) : (
        <>
          <Table
            className="devices"
            caption="Devices"
            columns={columns(
              busy,
              blocked,
              (device) => {
                if (notNow(device)) setNotPossible(rowProblem(device));
                else startChat.mutate({ device });
              },
              mayBrowseRecordings(capabilities)
                ? null
                : 'Needs the instant-messaging or recordings.view capability',
            )}
            rows={devices}
            rowKey={(device) => device.id}
            rowBusy={(device) => busy === device.id}
          />
          {pages.hasNextPage && (
            <div className="devices__more">
              <Button busy={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
                Show more devices
              </Button>
              <span className="muted">
                {devices.length} of {first?.total ?? devices.length} shown
              </span>
            </div>
          )}
        </>
      )}

      <Suspense fallback={null}>
        {problem && (
          <AlertDialog
            title={problem.title}
            onClose={() => {
              setNotPossible(null);
              startChat.reset();
            }}
          >
            {problem.text}
          </AlertDialog>
        )}
        {adding && <AddDeviceDialog onClose={() => setAdding(false)} />}
        {naming && (
          <DisplayNameDialog
            onNamed={() => {
              setNaming(null);
              startChat.mutate(naming);
            }}
            onClose={() => {
              setNaming(null);
              startChat.reset();
            }}
          />
        )}
        {choosing && (
          <ChooseUserDialog
            deviceName={choosing.device.name}
            users={choosing.users}
            busy={startChat.isPending}
            error={startChat.error && !usersToChoose(startChat.error) ? startChat.error.message : null}
            onChoose={(user) => startChat.mutate({ device: choosing.device, user })}
            onClose={() => {
              setChoosing(null);
              startChat.reset();
            }}
          />
        )}
      </Suspense>
    </div>
  );
}
