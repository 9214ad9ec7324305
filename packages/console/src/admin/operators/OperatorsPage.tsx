import type { OperatorDetails } from '@parley/protocol';
import { useQuery } from '@tanstack/react-query';
import { UserPlus } from 'lucide-react';
import { useState } from 'react';
import { Link, navigate } from '../../app/router';
import { href } from '../../app/routes';
import { Button } from '../../kit/Button';
import { FormDialog } from '../../kit/Dialog';
import { Field } from '../../kit/Field';
import type { Column } from '../../kit/Table';
import { AdminPage, formState, LoadedTable } from '../AdminPage';
import { operatorsQuery, useAdminChange } from '../adminQueries';
import { inheritedCapabilities } from '../words';

export function operatorState(operator: OperatorDetails): string {
  if (operator.superAdministrator) return 'Super administrator';
  return operator.disabled ? 'Disabled' : 'Active';
}

const columns: Column<OperatorDetails>[] = [
  {
    key: 'username',
    header: 'Username',
    rowHeader: true,
    cell: (operator) => <Link to={href('operator', { operatorId: operator.id })}>{operator.username}</Link>,
  },
  { key: 'name', header: 'Display name', cell: (operator) => operator.displayName },
  {
    key: 'state',
    header: 'State',
    cell: (operator) => (
      <span className={`state state--${operator.disabled ? 'off' : 'on'}`}>{operatorState(operator)}</span>
    ),
  },
  {
    key: 'capabilities',
    header: 'Capabilities',
    cell: (operator) =>
      operator.superAdministrator ? (
        <span className="muted">Every capability</span>
      ) : operator.effectiveCapabilities.length === 0 ? (
        <span className="muted">None</span>
      ) : (
        <ul className="tags">
          {[...inheritedCapabilities(operator)].map(([capability, origin]) => (
            <li key={capability} className={origin ? 'tag tag--inherited' : 'tag'}>
              {capability}
              {origin && <span className="visually-hidden"> ({origin})</span>}
            </li>
          ))}
        </ul>
      ),
  },
  {
    key: 'groups',
    header: 'Groups',
    cell: (operator) =>
      operator.groups.length === 0 ? (
        <span className="muted">None</span>
      ) : (
        operator.groups.map((group) => group.name).join(', ')
      ),
  },
];

function NewOperatorDialog({ onClose }: { onClose(): void }) {
  const create = useAdminChange(
    (body: { username: string; displayName?: string; password: string }) => ({
      method: 'POST',
      path: '/api/operators',
      body,
    }),
    (id) => {
      if (id) navigate(href('operator', { operatorId: id }));
    },
  );
  return (
    <FormDialog
      title="New operator"
      submitLabel="Create operator"
      {...formState(create)}
      onClose={onClose}
      onSubmit={(form) => {
        const displayName = String(form.get('displayName') ?? '').trim();
        create.mutate({
          username: String(form.get('username') ?? ''),
          password: String(form.get('password') ?? ''),
          ...(displayName ? { displayName } : {}),
        });
      }}
    >
      <Field label="Username" name="username" required autoComplete="off" />
      <Field label="Display name" name="displayName" autoComplete="off" />
      <Field
        label="Password"
        name="password"
        type="password"
        required
        minLength={12}
        autoComplete="new-password"
      />
      <p className="muted">At least 12 characters. The operator can change it after signing in.</p>
    </FormDialog>
  );
}

/** Every operator: their state, capabilities (inherited ones marked) and groups; a new one. */
export function OperatorsPage() {
  const operators = useQuery(operatorsQuery);
  const [creating, setCreating] = useState(false);
  return (
    <AdminPage
      title="Operators"
      sub={operators.data && `${operators.data.length} operators`}
      actions={
        <Button variant="primary" icon={UserPlus} onClick={() => setCreating(true)}>
          New operator
        </Button>
      }
    >
      <LoadedTable
        query={operators}
        what="operators"
        empty="No operators."
        caption="Operators"
        columns={columns}
        rowKey={(operator) => operator.id}
      />
      {creating && <NewOperatorDialog onClose={() => setCreating(false)} />}
    </AdminPage>
  );
}
