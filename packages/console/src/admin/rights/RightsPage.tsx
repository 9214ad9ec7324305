import type { AccessRightBody, AccessRightView, RightName, RightSetting } from '@parley/protocol';
import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { Link } from '../../app/router';
import { href } from '../../app/routes';
import { DeviceSearchField, useDeviceOptions, useDeviceSearch } from '../../devices/DevicePicker';
import { Button } from '../../kit/Button';
import { SelectField } from '../../kit/Field';
import type { Column } from '../../kit/Table';
import { AdminPage, LoadedTable } from '../AdminPage';
import {
  accessRightsQuery,
  deviceGroupsQuery,
  operatorGroupsQuery,
  operatorsQuery,
  useAdminChange,
} from '../adminQueries';
import { Outcome, Section } from '../Section';
import { RIGHT_LABELS, RIGHTS, settingWords, subjectWords, targetWords } from '../words';

/** "operator:<id>" / "operator_group:<id>" / "device:<id>" / "device_group:<id>": one select's value. */
type Key = string;
const keyOf = (thing: { kind: string; id: string }): Key => `${thing.kind}:${thing.id}`;

interface Draft {
  subject: Key;
  target: Key;
  read: RightSetting;
  write: RightSetting;
  assign: RightSetting;
}

const EMPTY: Draft = { subject: '', target: '', read: null, write: null, assign: null };

/** The draft as `PUT /api/access-rights` takes it (every right given, so the grant is exactly the draft). */
export function accessRightBody(draft: Draft): AccessRightBody {
  const [subjectKind, subjectId = ''] = draft.subject.split(':');
  const [targetKind, targetId = ''] = draft.target.split(':');
  return {
    ...(subjectKind === 'operator' ? { operatorId: subjectId } : { operatorGroupId: subjectId }),
    ...(targetKind === 'device' ? { deviceId: targetId } : { deviceGroupId: targetId }),
    read: draft.read,
    write: draft.write,
    assign: draft.assign,
  };
}

function settingCell(right: RightName) {
  return (grant: AccessRightView) => (
    <span className={`setting setting--${grant[right] ?? 'unset'}`}>{settingWords(grant[right])}</span>
  );
}

/** One kind of subject or target as an option group, each option's value its `Key`. */
function Options({
  label,
  kind,
  items,
}: {
  label: string;
  kind: string;
  items: readonly { id: string; name: string }[];
}) {
  return (
    <optgroup label={label}>
      {items.map((item) => (
        <option key={item.id} value={keyOf({ kind, id: item.id })}>
          {item.name}
        </option>
      ))}
    </optgroup>
  );
}

function RightEditor({
  draft,
  onChange,
  grants,
}: {
  draft: Draft;
  onChange(draft: Draft): void;
  grants: readonly AccessRightView[];
}) {
  const operators = useQuery(operatorsQuery).data ?? [];
  const operatorGroups = useQuery(operatorGroupsQuery).data ?? [];
  const deviceGroups = useQuery(deviceGroupsQuery).data ?? [];
  // Devices are searched (never the whole fleet); the chosen one stays in the list whatever is typed.
  const search = useDeviceSearch();
  const [targetKind, targetId = ''] = draft.target.split(':');
  const devices = useDeviceOptions(search, targetKind === 'device' ? targetId : '');
  const save = useAdminChange((body: AccessRightBody) => ({
    method: 'PUT',
    path: '/api/access-rights',
    body,
  }));
  // Choosing a subject and a target shows what is granted there now.
  const pick = (next: Pick<Draft, 'subject' | 'target'>) => {
    const grant = grants.find((g) => keyOf(g.subject) === next.subject && keyOf(g.target) === next.target);
    onChange({
      ...next,
      read: grant?.read ?? null,
      write: grant?.write ?? null,
      assign: grant?.assign ?? null,
    });
    save.reset();
  };
  return (
    <form
      className="rights-editor"
      onSubmit={(event) => {
        event.preventDefault();
        if (draft.subject && draft.target) save.mutate(accessRightBody(draft));
      }}
    >
      <SelectField
        label="Who"
        required
        value={draft.subject}
        onChange={(event) => pick({ subject: event.target.value, target: draft.target })}
      >
        <option value="">Choose an operator or group</option>
        <Options
          label="Operators"
          kind="operator"
          items={operators
            .filter((operator) => !operator.superAdministrator)
            .map((operator) => ({ id: operator.id, name: operator.username }))}
        />
        <Options label="Operator groups" kind="operator_group" items={operatorGroups} />
      </SelectField>
      <DeviceSearchField search={search} />
      <SelectField
        label="On"
        required
        value={draft.target}
        onChange={(event) => pick({ subject: draft.subject, target: event.target.value })}
      >
        <option value="">Choose a device or group</option>
        <Options label="Devices" kind="device" items={devices} />
        <Options label="Device groups" kind="device_group" items={deviceGroups} />
      </SelectField>
      {RIGHTS.map((right) => (
        <SelectField
          key={right}
          label={RIGHT_LABELS[right]}
          value={draft[right] ?? ''}
          onChange={(event) =>
            onChange({
              ...draft,
              [right]: event.target.value === '' ? null : (event.target.value as RightSetting),
            })
          }
        >
          <option value="">Unset</option>
          <option value="allow">Allow</option>
          <option value="deny">Deny</option>
        </SelectField>
      ))}
      <div className="rights-editor__submit">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save access right
        </Button>
      </div>
      <div className="rights-editor__outcome">
        <Outcome change={save} done="Access right saved." />
      </div>
    </form>
  );
}

/** Every access right granted (who → on what: Read / Write / Assign) and the editor that sets one. */
export function RightsPage() {
  const grants = useQuery(accessRightsQuery);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const editorRef = useRef<HTMLDivElement>(null);
  const columns: Column<AccessRightView>[] = [
    { key: 'subject', header: 'Who', rowHeader: true, cell: (grant) => subjectWords(grant.subject) },
    { key: 'target', header: 'On', cell: (grant) => targetWords(grant.target) },
    ...RIGHTS.map((right) => ({ key: right, header: RIGHT_LABELS[right], cell: settingCell(right) })),
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      className: 'table__actions',
      cell: (grant, nameId) => (
        <Button
          small
          aria-describedby={nameId}
          onClick={() => {
            setDraft({
              subject: keyOf(grant.subject),
              target: keyOf(grant.target),
              read: grant.read,
              write: grant.write,
              assign: grant.assign,
            });
            editorRef.current?.querySelector('select')?.focus();
          }}
        >
          Edit
        </Button>
      ),
    },
  ];
  return (
    <AdminPage
      title="Access rights"
      sub={
        <>
          An explicit deny wins over any allow, at every level. See what comes out for one operator on one
          device in <Link to={href('effectiveRights')}>Effective rights</Link>.
        </>
      }
    >
      <div className="admin__sections">
        <div ref={editorRef}>
          <Section title="Set an access right">
            <RightEditor draft={draft} onChange={setDraft} grants={grants.data ?? []} />
          </Section>
        </div>
        <LoadedTable
          query={grants}
          what="access rights"
          empty="No access rights granted yet."
          caption="Access rights"
          columns={columns}
          rowKey={(grant) => `${keyOf(grant.subject)}-${keyOf(grant.target)}`}
        />
      </div>
    </AdminPage>
  );
}
