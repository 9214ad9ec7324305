import type { DeviceGroupDetails, DynamicRuleBody } from '@parley/protocol';
import { useQuery } from '@tanstack/react-query';
import { FolderPlus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { DeviceSearchField, useDeviceSearch } from '../../devices/DevicePicker';
import { Button } from '../../kit/Button';
import { Checkbox } from '../../kit/Checkbox';
import { AlertDialog, FormDialog } from '../../kit/Dialog';
import { Field, SelectField } from '../../kit/Field';
import type { Column } from '../../kit/Table';
import { AdminPage, formState, Loaded, LoadedTable, problemText } from '../AdminPage';
import { type Change, deviceGroupsQuery, groupDevicesQuery, idPath, useAdminChange } from '../adminQueries';

const RULE_FIELDS = [
  { key: 'namePattern', label: 'Device name pattern', hint: 'e.g. FD-*' },
  { key: 'os', label: 'Operating system', hint: 'e.g. Windows' },
  { key: 'onlineNode', label: 'Connected to server node', hint: 'a node id' },
] as const;

export function ruleText(rule: DynamicRuleBody): string {
  return RULE_FIELDS.filter((field) => rule[field.key] !== undefined)
    .map((field) => `${field.label.toLowerCase()} ${rule[field.key]}`)
    .join(', ');
}

const devicesPath = (groupId: string) => idPath('/api/device-groups', groupId, '/devices');

/** The devices of a form: the checked `deviceId` boxes. */
const checkedDevices = (form: FormData) => form.getAll('deviceId').map(String);

/**
 * A device search, one checkbox (name `deviceId`) per device it found, those in `checked` checked at first. What is
 * checked stays checked while other words are typed: the devices checked but not found now go with the form too.
 */
function DeviceChecklist({ legend, checked = [] }: { legend: string; checked?: readonly string[] }) {
  const search = useDeviceSearch();
  const [chosen, setChosen] = useState(() => new Set(checked));
  const found = search.found ?? [];
  const foundIds = new Set(found.map((device) => device.id));
  const toggle = (deviceId: string, on: boolean) =>
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(deviceId);
      else next.delete(deviceId);
      return next;
    });
  return (
    <fieldset className="capabilities">
      <legend>{legend}</legend>
      {search.found?.length === 0 && search.words.trim() === '' ? (
        <p className="muted">No devices enrolled yet.</p>
      ) : (
        <DeviceSearchField search={search} />
      )}
      {found.map((device) => (
        <Checkbox
          key={device.id}
          name="deviceId"
          value={device.id}
          label={device.name}
          checked={chosen.has(device.id)}
          onChange={(event) => toggle(device.id, event.currentTarget.checked)}
        />
      ))}
      {[...chosen]
        .filter((deviceId) => !foundIds.has(deviceId))
        .map((deviceId) => (
          <input key={deviceId} type="hidden" name="deviceId" value={deviceId} />
        ))}
      <p className="muted">{chosen.size === 1 ? '1 device chosen' : `${chosen.size} devices chosen`}</p>
    </fieldset>
  );
}

function NewDeviceGroupDialog({
  groups,
  onClose,
}: {
  groups: readonly DeviceGroupDetails[];
  onClose(): void;
}) {
  const [dynamic, setDynamic] = useState(false);
  const create = useAdminChange((form: FormData): Change[] => {
    const text = (key: string) => String(form.get(key) ?? '').trim();
    const rule = Object.fromEntries(
      RULE_FIELDS.map((field) => [field.key, text(field.key)]).filter(([, v]) => v),
    );
    const body = {
      name: text('name'),
      ...(text('parentId') ? { parentId: text('parentId') } : {}),
      ...(dynamic ? { rule } : {}),
    };
    const deviceIds = checkedDevices(form);
    const create: Change = { method: 'POST', path: '/api/device-groups', body };
    if (dynamic || deviceIds.length === 0) return [create];
    return [create, { method: 'PUT', path: devicesPath, body: { deviceIds } }];
  }, onClose);
  return (
    <FormDialog
      title="New device group"
      submitLabel="Create group"
      {...formState(create)}
      onClose={onClose}
      onSubmit={(form) => create.mutate(form)}
    >
      <Field label="Name" name="name" required autoComplete="off" />
      <SelectField label="Parent group" name="parentId" defaultValue="">
        <option value="">None (top level)</option>
        {groups.map((group) => (
          <option key={group.id} value={group.id}>
            {group.name}
          </option>
        ))}
      </SelectField>
      <SelectField
        label="Members"
        value={dynamic ? 'dynamic' : 'static'}
        onChange={(event) => setDynamic(event.target.value === 'dynamic')}
      >
        <option value="static">Static: devices chosen by hand</option>
        <option value="dynamic">Dynamic: devices that match a rule</option>
      </SelectField>
      {dynamic ? (
        <fieldset className="capabilities">
          <legend>Rule (every condition given must hold)</legend>
          {RULE_FIELDS.map((field) => (
            <Field key={field.key} label={field.label} name={field.key} placeholder={field.hint} />
          ))}
        </fieldset>
      ) : (
        <DeviceChecklist legend="Devices" />
      )}
    </FormDialog>
  );
}

function ChooseDevicesDialog({ group, onClose }: { group: DeviceGroupDetails; onClose(): void }) {
  const save = useAdminChange(
    (deviceIds: string[]) => ({ method: 'PUT', path: devicesPath(group.id), body: { deviceIds } }),
    onClose,
  );
  const members = useQuery(groupDevicesQuery(group.id));
  return (
    <FormDialog
      title={`Devices of ${group.name}`}
      submitLabel="Set devices"
      {...formState(save)}
      onClose={onClose}
      onSubmit={(form) => save.mutate(checkedDevices(form))}
    >
      <p className="muted">The group gets the devices checked here; its devices you cannot see stay in it.</p>
      <Loaded query={members} what="the group’s devices">
        {(current) => <DeviceChecklist legend="Devices" checked={current.deviceIds} />}
      </Loaded>
    </FormDialog>
  );
}

function DeleteDeviceGroup({ group, onClose }: { group: DeviceGroupDetails; onClose(): void }) {
  const remove = useAdminChange(
    () => ({ method: 'DELETE', path: idPath('/api/device-groups', group.id) }),
    onClose,
  );
  return (
    <AlertDialog
      title={`Delete ${group.name}?`}
      onClose={onClose}
      confirm={{ label: 'Delete', busy: remove.isPending, onConfirm: () => remove.mutate(undefined) }}
    >
      {problemText(remove.error) ??
        'Rights granted on it end; its devices stay, and its child groups move up to its parent.'}
    </AlertDialog>
  );
}

type Open = { dialog: 'new' } | { dialog: 'devices' | 'delete'; groupId: string } | null;

function columns(
  groups: readonly DeviceGroupDetails[],
  onOpen: (open: Open) => void,
): Column<DeviceGroupDetails>[] {
  return [
    { key: 'name', header: 'Group', rowHeader: true, cell: (group) => group.name },
    {
      key: 'kind',
      header: 'Members',
      cell: (group) => (group.rule ? `Dynamic: ${ruleText(group.rule)}` : 'Static'),
    },
    {
      key: 'parent',
      header: 'Parent',
      cell: (group) =>
        groups.find((parent) => parent.id === group.parentId)?.name ?? <span className="muted">None</span>,
    },
    {
      key: 'count',
      header: 'Devices',
      cell: (group) => (group.deviceCount === 1 ? '1 device' : `${group.deviceCount} devices`),
    },
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      className: 'table__actions',
      cell: (group, nameId) => (
        <span className="admin__buttons">
          {!group.rule && (
            <Button
              small
              aria-describedby={nameId}
              onClick={() => onOpen({ dialog: 'devices', groupId: group.id })}
            >
              Choose devices
            </Button>
          )}
          <Button
            small
            icon={Trash2}
            aria-describedby={nameId}
            onClick={() => onOpen({ dialog: 'delete', groupId: group.id })}
          >
            Delete
          </Button>
        </span>
      ),
    },
  ];
}

/** Device groups: static (devices chosen by hand) or dynamic (a rule), nested, with how many devices each has. */
export function DeviceGroupsPage() {
  const groups = useQuery(deviceGroupsQuery);
  const [open, setOpen] = useState<Open>(null);
  const close = () => setOpen(null);
  const group = open && open.dialog !== 'new' ? groups.data?.find((g) => g.id === open.groupId) : undefined;
  return (
    <AdminPage
      title="Device groups"
      sub="Rights granted on a group reach its devices and the groups nested in it."
      actions={
        <Button variant="primary" icon={FolderPlus} onClick={() => setOpen({ dialog: 'new' })}>
          New device group
        </Button>
      }
    >
      <LoadedTable
        query={groups}
        what="device groups"
        empty="No device groups yet."
        caption="Device groups"
        columns={columns(groups.data ?? [], setOpen)}
        rowKey={(g) => g.id}
      />
      {open?.dialog === 'new' && <NewDeviceGroupDialog groups={groups.data ?? []} onClose={close} />}
      {open?.dialog === 'devices' && group && <ChooseDevicesDialog group={group} onClose={close} />}
      {open?.dialog === 'delete' && group && <DeleteDeviceGroup group={group} onClose={close} />}
    </AdminPage>
  );
}
