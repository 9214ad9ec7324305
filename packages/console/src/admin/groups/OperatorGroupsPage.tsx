import type { Capability, OperatorDetails, OperatorGroupDetails } from '@parley/protocol';
import { useQuery } from '@tanstack/react-query';
import { Trash2, UserPlus } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../kit/Button';
import { Checkbox } from '../../kit/Checkbox';
import { AlertDialog, Dialog, FormDialog } from '../../kit/Dialog';
import { Field } from '../../kit/Field';
import type { Column } from '../../kit/Table';
import { AdminPage, formState, LoadedTable, problemText } from '../AdminPage';
import { idPath, operatorGroupsQuery, operatorsQuery, useAdminChange } from '../adminQueries';
import { CapabilityChecklist, toggled } from '../CapabilityChecklist';
import { Outcome, Section } from '../Section';

function NewGroupDialog({ onClose }: { onClose(): void }) {
  const create = useAdminChange(
    (name: string) => ({ method: 'POST', path: '/api/operator-groups', body: { name } }),
    onClose,
  );
  return (
    <FormDialog
      title="New operator group"
      submitLabel="Create group"
      {...formState(create)}
      onClose={onClose}
      onSubmit={(form) => create.mutate(String(form.get('name') ?? ''))}
    >
      <Field label="Name" name="name" required autoComplete="off" />
    </FormDialog>
  );
}

function GroupDialog({
  group,
  operators,
  onClose,
}: {
  group: OperatorGroupDetails;
  operators: readonly OperatorDetails[];
  onClose(): void;
}) {
  const path = (rest = '') => idPath('/api/operator-groups', group.id, rest);
  const [members, setMembers] = useState<ReadonlySet<string>>(() => new Set(group.memberIds));
  const [capabilities, setCapabilities] = useState<ReadonlySet<Capability>>(
    () => new Set(group.capabilities),
  );
  const [deleting, setDeleting] = useState(false);
  const saveMembers = useAdminChange((operatorIds: string[]) => ({
    method: 'PUT',
    path: path('/members'),
    body: { operatorIds },
  }));
  const saveCapabilities = useAdminChange((list: Capability[]) => ({
    method: 'PUT',
    path: path('/capabilities'),
    body: { capabilities: list },
  }));
  const remove = useAdminChange(() => ({ method: 'DELETE', path: path() }), onClose);
  return (
    <Dialog title={`Operator group ${group.name}`} onClose={onClose} closeLabel="Done">
      <Section title="Members">
        <fieldset className="capabilities">
          <legend className="visually-hidden">Members of {group.name}</legend>
          {operators
            .filter((operator) => !operator.superAdministrator)
            .map((operator) => (
              <Checkbox
                key={operator.id}
                label={operator.username}
                description={operator.displayName !== operator.username ? operator.displayName : undefined}
                checked={members.has(operator.id)}
                onChange={() => setMembers(toggled(members, operator.id))}
              />
            ))}
        </fieldset>
        <div>
          <Button busy={saveMembers.isPending} onClick={() => saveMembers.mutate([...members])}>
            Save members
          </Button>
        </div>
        <Outcome change={saveMembers} done="Members saved." />
      </Section>
      <Section title="Capabilities">
        <p className="muted">Every member has these, besides their own.</p>
        <CapabilityChecklist
          legend={`Capabilities of ${group.name}`}
          selected={capabilities}
          onToggle={(capability) => setCapabilities(toggled(capabilities, capability))}
        />
        <div>
          <Button
            busy={saveCapabilities.isPending}
            onClick={() => saveCapabilities.mutate([...capabilities])}
          >
            Save capabilities
          </Button>
        </div>
        <Outcome change={saveCapabilities} done="Capabilities saved." />
      </Section>
      <div>
        <Button icon={Trash2} onClick={() => setDeleting(true)}>
          Delete group
        </Button>
      </div>
      {deleting && (
        <AlertDialog
          title={`Delete ${group.name}?`}
          onClose={() => setDeleting(false)}
          confirm={{ label: 'Delete', busy: remove.isPending, onConfirm: () => remove.mutate(undefined) }}
        >
          {problemText(remove.error) ??
            `Its members lose the capabilities and rights it gave them. This cannot be undone.`}
        </AlertDialog>
      )}
    </Dialog>
  );
}

function columns(
  operators: readonly OperatorDetails[],
  onEdit: (group: OperatorGroupDetails) => void,
): Column<OperatorGroupDetails>[] {
  const name = (id: string) => operators.find((operator) => operator.id === id)?.username ?? id;
  return [
    { key: 'name', header: 'Group', rowHeader: true, cell: (group) => group.name },
    {
      key: 'members',
      header: 'Members',
      cell: (group) =>
        group.memberIds.length === 0 ? (
          <span className="muted">None</span>
        ) : (
          group.memberIds.map(name).join(', ')
        ),
    },
    {
      key: 'capabilities',
      header: 'Capabilities',
      cell: (group) =>
        group.capabilities.length === 0 ? <span className="muted">None</span> : group.capabilities.join(', '),
    },
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      className: 'table__actions',
      cell: (group, nameId) => (
        <Button small aria-describedby={nameId} onClick={() => onEdit(group)}>
          Edit
        </Button>
      ),
    },
  ];
}

/** Operator groups: their members and the capabilities they give them. */
export function OperatorGroupsPage() {
  const groups = useQuery(operatorGroupsQuery);
  const operators = useQuery(operatorsQuery);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const edited = groups.data?.find((group) => group.id === editing);
  return (
    <AdminPage
      title="Operator groups"
      sub="An operator may be in any number of groups; a group's capabilities and rights are its members'."
      actions={
        <Button variant="primary" icon={UserPlus} onClick={() => setCreating(true)}>
          New operator group
        </Button>
      }
    >
      <LoadedTable
        query={groups}
        what="operator groups"
        empty="No operator groups yet."
        caption="Operator groups"
        columns={columns(operators.data ?? [], (group) => setEditing(group.id))}
        rowKey={(group) => group.id}
      />
      {creating && <NewGroupDialog onClose={() => setCreating(false)} />}
      {edited && operators.data && (
        <GroupDialog group={edited} operators={operators.data} onClose={() => setEditing(null)} />
      )}
    </AdminPage>
  );
}
