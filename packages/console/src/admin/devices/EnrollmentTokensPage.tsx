import {
  type CreateEnrollmentTokenBody,
  EnrollmentTokenCreated,
  EnrollmentTokenList,
  type EnrollmentTokenState,
  type EnrollmentTokenView,
} from '@parley/protocol';
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Ban, KeyRound } from 'lucide-react';
import { useState } from 'react';
import { apiRequest } from '../../api/http';
import { fullTime } from '../../chat/time';
import { EnrollmentSteps } from '../../devices/AddDeviceDialog';
import { Button } from '../../kit/Button';
import { AlertDialog, Dialog, FormDialog } from '../../kit/Dialog';
import { Field, SelectField } from '../../kit/Field';
import type { Column } from '../../kit/Table';
import { AdminPage, formState, LoadedTable, problemText } from '../AdminPage';
import { deviceGroupsQuery, idPath, useAdminChange } from '../adminQueries';

const tokensQuery = queryOptions({
  queryKey: ['admin', 'enrollment-tokens'] as const,
  queryFn: () => apiRequest('GET', '/api/enrollment-tokens', EnrollmentTokenList),
});

const STATE_TEXT: Record<EnrollmentTokenState, string> = {
  active: 'Active',
  used_up: 'Used up',
  expired: 'Expired',
  revoked: 'Revoked',
};

/** The body of a new token from its form: blank fields are left to the server's defaults. */
export function tokenBody(form: FormData): CreateEnrollmentTokenBody {
  const text = (key: string) => String(form.get(key) ?? '').trim();
  return {
    ...(text('label') ? { label: text('label') } : {}),
    ...(text('maxUses') ? { maxUses: Number(text('maxUses')) } : {}),
    ...(text('expiresInHours') ? { expiresInHours: Number(text('expiresInHours')) } : {}),
    ...(text('deviceGroupId') ? { deviceGroupId: text('deviceGroupId') } : {}),
  };
}

function NewTokenDialog({ onClose }: { onClose(): void }) {
  const groups = useQuery(deviceGroupsQuery);
  const client = useQueryClient();
  const create = useMutation({
    mutationFn: (body: CreateEnrollmentTokenBody) =>
      apiRequest('POST', '/api/enrollment-tokens', EnrollmentTokenCreated, body),
    onSuccess: () => client.invalidateQueries({ queryKey: tokensQuery.queryKey }),
  });
  if (create.data) {
    return (
      <Dialog title="Enrollment token" onClose={onClose} closeLabel="Done">
        <EnrollmentSteps token={create.data} uses={create.variables?.maxUses ?? 1} />
      </Dialog>
    );
  }
  return (
    <FormDialog
      title="New enrollment token"
      submitLabel="Create token"
      {...formState(create)}
      onClose={onClose}
      onSubmit={(form) => create.mutate(tokenBody(form))}
    >
      <Field
        label="Label"
        name="label"
        placeholder="e.g. Floor 3 rollout"
        maxLength={128}
        autoComplete="off"
      />
      <Field
        label="Devices it may enroll"
        name="maxUses"
        type="number"
        min={1}
        max={100000}
        defaultValue={1}
      />
      <Field
        label="Valid for (hours)"
        name="expiresInHours"
        type="number"
        min={1}
        max={720}
        defaultValue={24}
      />
      <SelectField label="Device group to join" name="deviceGroupId" defaultValue="">
        <option value="">None</option>
        {(groups.data ?? [])
          .filter((group) => group.rule === null)
          .map((group) => (
            <option key={group.id} value={group.id}>
              {group.name}
            </option>
          ))}
      </SelectField>
    </FormDialog>
  );
}

function RevokeToken({ token, onClose }: { token: EnrollmentTokenView; onClose(): void }) {
  const revoke = useAdminChange(
    () => ({ method: 'DELETE', path: idPath('/api/enrollment-tokens', token.id) }),
    onClose,
  );
  return (
    <AlertDialog
      title={`Revoke ${token.label || 'this token'}?`}
      onClose={onClose}
      confirm={{ label: 'Revoke', busy: revoke.isPending, onConfirm: () => revoke.mutate(undefined) }}
    >
      {problemText(revoke.error) ?? 'No device can enroll with it any more; devices enrolled with it stay.'}
    </AlertDialog>
  );
}

function columns(onRevoke: (token: EnrollmentTokenView) => void): Column<EnrollmentTokenView>[] {
  return [
    {
      key: 'label',
      header: 'Token',
      rowHeader: true,
      cell: (token) => token.label || <span className="muted">Created {fullTime(token.createdAt)}</span>,
    },
    { key: 'state', header: 'State', cell: (token) => STATE_TEXT[token.state] },
    { key: 'uses', header: 'Devices enrolled', cell: (token) => `${token.uses} of ${token.maxUses}` },
    { key: 'group', header: 'Joins group', cell: (token) => token.deviceGroup?.name ?? '—' },
    { key: 'by', header: 'Created by', cell: (token) => token.createdBy ?? '—' },
    { key: 'expires', header: 'Expires', cell: (token) => fullTime(token.expiresAt) },
    {
      key: 'actions',
      header: 'Actions',
      headerHidden: true,
      className: 'table__actions',
      cell: (token, nameId) =>
        token.state === 'active' ? (
          <Button small icon={Ban} aria-describedby={nameId} onClick={() => onRevoke(token)}>
            Revoke
          </Button>
        ) : null,
    },
  ];
}

/** Enrollment tokens: one for a device or a whole rollout, with how many devices used each; revoke at once. */
export function EnrollmentTokensPage() {
  const tokens = useQuery(tokensQuery);
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<EnrollmentTokenView | null>(null);
  return (
    <AdminPage
      title="Enrollment tokens"
      sub="A device’s agent exchanges a token for its own credential; a token can serve a whole rollout."
      actions={
        <Button variant="primary" icon={KeyRound} onClick={() => setCreating(true)}>
          New enrollment token
        </Button>
      }
    >
      <LoadedTable
        query={tokens}
        what="enrollment tokens"
        empty="No enrollment tokens. Expired ones are deleted."
        caption="Enrollment tokens"
        columns={columns(setRevoking)}
        rowKey={(token) => token.id}
      />
      {creating && <NewTokenDialog onClose={() => setCreating(false)} />}
      {revoking && <RevokeToken token={revoking} onClose={() => setRevoking(null)} />}
    </AdminPage>
  );
}
