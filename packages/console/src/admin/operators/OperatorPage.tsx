import type { Capability, OperatorDetails } from '@parley/protocol';
import { useQuery } from '@tanstack/react-query';
import { Trash2 } from 'lucide-react';
import { useState } from 'react';
import { Link, navigate } from '../../app/router';
import { href, type ScreenProps } from '../../app/routes';
import { Notice } from '../../chat/Notice';
import { Button } from '../../kit/Button';
import { AlertDialog } from '../../kit/Dialog';
import { Field } from '../../kit/Field';
import { AdminPage, Loaded, problemText } from '../AdminPage';
import { idPath, operatorsQuery, useAdminChange } from '../adminQueries';
import { CapabilityChecklist, toggled } from '../CapabilityChecklist';
import { Outcome, Section } from '../Section';
import { capabilityOrigin } from '../words';
import { operatorState } from './OperatorsPage';

const operatorPath = (operator: OperatorDetails, rest = '') => idPath('/api/operators', operator.id, rest);

function Profile({ operator }: { operator: OperatorDetails }) {
  const rename = useAdminChange((displayName: string) => ({
    method: 'PATCH',
    path: operatorPath(operator),
    body: { displayName },
  }));
  const enable = useAdminChange((disabled: boolean) => ({
    method: 'PATCH',
    path: operatorPath(operator),
    body: { disabled },
  }));
  return (
    <Section title="Profile">
      <form
        className="admin__inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          rename.mutate(String(new FormData(event.currentTarget).get('displayName') ?? ''));
        }}
      >
        <Field label="Display name" name="displayName" defaultValue={operator.displayName} required />
        <Button type="submit" busy={rename.isPending}>
          Save display name
        </Button>
      </form>
      <Outcome change={rename} done="Display name saved." />
      <div className="admin__row">
        <p>
          {operator.disabled
            ? 'Disabled: this operator cannot sign in.'
            : 'Active: this operator can sign in.'}
        </p>
        <Button busy={enable.isPending} onClick={() => enable.mutate(!operator.disabled)}>
          {operator.disabled ? 'Enable operator' : 'Disable operator'}
        </Button>
      </div>
      <Outcome
        change={enable}
        done={operator.disabled ? 'Disabled; their sessions have ended.' : 'Enabled; they can sign in again.'}
      />
    </Section>
  );
}

function Password({ operator }: { operator: OperatorDetails }) {
  const reset = useAdminChange((password: string) => ({
    method: 'PUT',
    path: operatorPath(operator, '/password'),
    body: { password },
  }));
  return (
    <Section title="Password">
      <form
        className="admin__inline-form"
        onSubmit={(event) => {
          event.preventDefault();
          const form = event.currentTarget;
          reset.mutate(String(new FormData(form).get('password') ?? ''), { onSuccess: () => form.reset() });
        }}
      >
        <Field label="New password" name="password" type="password" autoComplete="new-password" required />
        <Button type="submit" busy={reset.isPending}>
          Reset password
        </Button>
      </form>
      <Outcome change={reset} done={`Password reset; ${operator.username}'s sessions have ended.`} />
    </Section>
  );
}

function Capabilities({ operator }: { operator: OperatorDetails }) {
  const [selected, setSelected] = useState<ReadonlySet<Capability>>(() => new Set(operator.capabilities));
  const inherited = new Map<Capability, string>();
  for (const source of operator.effectiveCapabilities) {
    const origin = capabilityOrigin(source);
    if (origin && !inherited.has(source.capability)) inherited.set(source.capability, origin);
  }
  const save = useAdminChange((capabilities: Capability[]) => ({
    method: 'PUT',
    path: operatorPath(operator, '/capabilities'),
    body: { capabilities },
  }));
  return (
    <Section title="Capabilities">
      <p className="muted">
        What {operator.username} may do at all. Dimmed ones come from a group they are in; change them on the
        group.
      </p>
      <CapabilityChecklist
        legend={`Capabilities of ${operator.username}`}
        selected={selected}
        inherited={inherited}
        readOnly={operator.superAdministrator}
        onToggle={(capability) => setSelected(toggled(selected, capability))}
      />
      {!operator.superAdministrator && (
        <>
          <div>
            <Button busy={save.isPending} onClick={() => save.mutate([...selected])}>
              Save capabilities
            </Button>
          </div>
          <Outcome change={save} done="Capabilities saved." />
        </>
      )}
    </Section>
  );
}

function Groups({ operator }: { operator: OperatorDetails }) {
  return (
    <Section title="Groups">
      {operator.groups.length === 0 ? (
        <p className="muted">{operator.username} is in no operator group.</p>
      ) : (
        <ul className="tags">
          {operator.groups.map((group) => (
            <li key={group.id} className="tag">
              {group.name}
            </li>
          ))}
        </ul>
      )}
      <p>
        <Link to={href('operatorGroups')}>Change the operator groups</Link>
      </p>
    </Section>
  );
}

function DeleteOperator({ operator }: { operator: OperatorDetails }) {
  const [asking, setAsking] = useState(false);
  const remove = useAdminChange(
    () => ({ method: 'DELETE', path: operatorPath(operator) }),
    () => navigate(href('operators')),
  );
  return (
    <>
      <Button icon={Trash2} onClick={() => setAsking(true)}>
        Delete operator
      </Button>
      {asking && (
        <AlertDialog
          title={`Delete ${operator.username}?`}
          onClose={() => setAsking(false)}
          confirm={{ label: 'Delete', busy: remove.isPending, onConfirm: () => remove.mutate(undefined) }}
        >
          {problemText(remove.error) ??
            `${operator.username} can no longer sign in; their sessions and chats end. This cannot be undone.`}
        </AlertDialog>
      )}
    </>
  );
}

function Operator({ operator }: { operator: OperatorDetails }) {
  const editable = !operator.superAdministrator;
  return (
    <AdminPage
      title={operator.displayName}
      sub={`${operator.username} · ${operatorState(operator)}`}
      actions={editable && <DeleteOperator operator={operator} />}
    >
      <div className="admin__sections">
        {operator.superAdministrator && (
          <Notice icon="alert" tone="warning">
            {operator.username} is the super administrator: every capability and every right, never disabled
            or denied anything. Nothing here can be changed.
          </Notice>
        )}
        {editable && <Profile operator={operator} />}
        {editable && <Password operator={operator} />}
        <Capabilities operator={operator} />
        <Groups operator={operator} />
      </div>
    </AdminPage>
  );
}

/** One operator: display name, enabled or not, password reset, capabilities (inherited ones dimmed), groups. */
export function OperatorPage({ params }: ScreenProps<'/admin/operators/:operatorId'>) {
  const operators = useQuery(operatorsQuery);
  const operator = operators.data?.find((candidate) => candidate.id === params.operatorId);
  if (operators.data && !operator)
    return (
      <AdminPage title="No such operator">
        <p>
          This operator does not exist (any more). <Link to={href('operators')}>All operators</Link>
        </p>
      </AdminPage>
    );
  return (
    <Loaded query={operators} what="the operator">
      {() => (operator ? <Operator key={operator.id} operator={operator} /> : null)}
    </Loaded>
  );
}
