import { DEFAULT_RECORDING_NOTICE, type RecordingScope, RecordingSettings } from '@parley/protocol';
import { queryOptions, useQuery } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { apiRequest } from '../../api/http';
import { Button } from '../../kit/Button';
import { Checkbox } from '../../kit/Checkbox';
import { Field } from '../../kit/Field';
import { AdminPage, Loaded } from '../AdminPage';
import { deviceGroupsQuery, operatorGroupsQuery, operatorsQuery, useAdminChange } from '../adminQueries';
import { toggled } from '../CapabilityChecklist';
import { Outcome, Section } from '../Section';
import './recording.css';

const settingsQuery = queryOptions({
  queryKey: ['admin', 'recording-settings'] as const,
  queryFn: () => apiRequest('GET', '/api/settings/recording', RecordingSettings),
});

const MB = 1_000_000;

type Chosen = {
  deviceGroupIds: ReadonlySet<string>;
  operatorIds: ReadonlySet<string>;
  operatorGroupIds: ReadonlySet<string>;
};

function chosenOf(scope: RecordingScope): Chosen {
  const lists = scope === 'all' ? {} : scope;
  return {
    deviceGroupIds: new Set(lists.deviceGroupIds),
    operatorIds: new Set(lists.operatorIds),
    operatorGroupIds: new Set(lists.operatorGroupIds),
  };
}

/** A number field's value: empty is no limit (null). */
function limit(text: string, factor = 1): number | null {
  const n = Number(text);
  return text.trim() === '' || !Number.isFinite(n) || n <= 0 ? null : Math.round(n * factor);
}

const shown = (n: number | null, factor = 1) => (n === null ? '' : String(n / factor));

/** Administration → Recording: whether and whose conversations are recorded, what of them, for how long, the notice. */
export function RecordingSettingsPage() {
  const settings = useQuery(settingsQuery);
  return (
    <AdminPage
      title="Recording"
      sub="Which conversations are kept, for how long, and what end users are told. Every change is in the audit log."
    >
      <Loaded query={settings} what="the recording settings">
        {(current) => <RecordingForm current={current} />}
      </Loaded>
    </AdminPage>
  );
}

function RecordingForm({ current }: { current: RecordingSettings }) {
  const [enabled, setEnabled] = useState(current.enabled);
  const [everyChat, setEveryChat] = useState(current.scope === 'all');
  const [chosen, setChosen] = useState<Chosen>(() => chosenOf(current.scope));
  const [recordEvents, setRecordEvents] = useState(current.recordEvents);
  const [notifyEndUser, setNotifyEndUser] = useState(current.notifyEndUser);
  const [notice, setNotice] = useState(current.noticeText ?? '');
  const save = useAdminChange((body: RecordingSettings) => ({
    method: 'PUT',
    path: '/api/settings/recording',
    body,
  }));
  const noticeId = useId();
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '');
    save.mutate({
      enabled,
      scope: everyChat
        ? 'all'
        : {
            deviceGroupIds: [...chosen.deviceGroupIds],
            operatorIds: [...chosen.operatorIds],
            operatorGroupIds: [...chosen.operatorGroupIds],
          },
      recordEvents,
      retentionDays: limit(text('retentionDays')),
      maxRecordings: limit(text('maxRecordings')),
      maxTotalBytes: limit(text('maxTotalMegabytes'), MB),
      notifyEndUser,
      noticeText: notice.trim() === '' ? null : notice.trim(),
    });
  };
  const choose = (list: keyof Chosen, id: string) =>
    setChosen({ ...chosen, [list]: toggled(chosen[list], id) });
  return (
    <form className="recording" onSubmit={submit}>
      <Section title="Recording">
        <Checkbox
          label="Record conversations"
          description="Turning it off stops recording new conversations; what is recorded stays."
          checked={enabled}
          onChange={() => setEnabled(!enabled)}
        />
        <fieldset className="recording__scope" disabled={!enabled}>
          <legend>Whose conversations</legend>
          <label className="check">
            <input type="radio" name="scope" checked={everyChat} onChange={() => setEveryChat(true)} />
            <span className="check__text">Every conversation</span>
          </label>
          <label className="check">
            <input type="radio" name="scope" checked={!everyChat} onChange={() => setEveryChat(false)} />
            <span className="check__text">
              Conversations on devices of the chosen groups, or of the chosen operators and operator groups
            </span>
          </label>
          {!everyChat && <ScopeChoices chosen={chosen} onToggle={choose} />}
        </fieldset>
        <Checkbox
          label="Record the conversation's events"
          description="Opened, closed and by whom, the user disconnected and back, delivery failures, rights revoked, with their times. Messages are always recorded."
          checked={recordEvents}
          onChange={() => setRecordEvents(!recordEvents)}
        />
      </Section>
      <Section title="Retention">
        <p className="muted">
          Leave a box empty for no limit. Locked recordings are never removed; the oldest go first.
        </p>
        <div className="recording__limits">
          <Field
            label="Keep for (days)"
            name="retentionDays"
            type="number"
            min={1}
            defaultValue={shown(current.retentionDays)}
            placeholder="Forever"
          />
          <Field
            label="Keep at most (recordings)"
            name="maxRecordings"
            type="number"
            min={1}
            defaultValue={shown(current.maxRecordings)}
            placeholder="No limit"
          />
          <Field
            label="Keep at most (MB, as the space used counts)"
            name="maxTotalMegabytes"
            type="number"
            min={0.001}
            step="any"
            defaultValue={shown(current.maxTotalBytes, MB)}
            placeholder="No limit"
          />
        </div>
      </Section>
      <Section title="End users">
        <Checkbox
          label="Tell the end user the conversation is recorded"
          description="Shown on their chat page before the first message."
          checked={notifyEndUser}
          onChange={() => setNotifyEndUser(!notifyEndUser)}
        />
        <div className="field">
          <label htmlFor={noticeId}>Notice</label>
          <textarea
            id={noticeId}
            rows={3}
            maxLength={500}
            disabled={!notifyEndUser}
            placeholder={DEFAULT_RECORDING_NOTICE}
            value={notice}
            onChange={(event) => setNotice(event.target.value)}
          />
          <p className="muted">
            Empty: “{DEFAULT_RECORDING_NOTICE}” {'{organization}'} names your help desk.
          </p>
        </div>
      </Section>
      <div className="recording__actions">
        <Button type="submit" variant="primary" busy={save.isPending}>
          Save settings
        </Button>
        <Outcome change={save} done="Recording settings saved." />
      </div>
    </form>
  );
}

/** The device groups, operators and operator groups to choose from (each list as far as this operator may see it). */
function ScopeChoices({
  chosen,
  onToggle,
}: {
  chosen: Chosen;
  onToggle(list: keyof Chosen, id: string): void;
}) {
  const deviceGroups = useQuery(deviceGroupsQuery);
  const operators = useQuery(operatorsQuery);
  const operatorGroups = useQuery(operatorGroupsQuery);
  return (
    <div className="recording__choices">
      <Choices
        legend="Device groups (their subgroups count)"
        result={deviceGroups}
        chosen={chosen.deviceGroupIds}
        onToggle={(id) => onToggle('deviceGroupIds', id)}
        label={(g) => g.name}
      />
      <Choices
        legend="Operators"
        result={operators}
        chosen={chosen.operatorIds}
        onToggle={(id) => onToggle('operatorIds', id)}
        label={(o) => o.username}
      />
      <Choices
        legend="Operator groups"
        result={operatorGroups}
        chosen={chosen.operatorGroupIds}
        onToggle={(id) => onToggle('operatorGroupIds', id)}
        label={(g) => g.name}
      />
    </div>
  );
}

function Choices<Item extends { id: string }>({
  legend,
  result,
  chosen,
  onToggle,
  label,
}: {
  legend: string;
  result: { data: readonly Item[] | undefined; isError: boolean; error: Error | null };
  chosen: ReadonlySet<string>;
  onToggle(id: string): void;
  label(item: Item): string;
}) {
  return (
    <fieldset className="capabilities">
      <legend>{legend}</legend>
      {result.isError ? (
        <p className="muted">
          You may not list them ({result.error?.message}); the {chosen.size} chosen stay as they are.
        </p>
      ) : (
        (result.data ?? []).map((item) => (
          <Checkbox
            key={item.id}
            label={label(item)}
            checked={chosen.has(item.id)}
            onChange={() => onToggle(item.id)}
          />
        ))
      )}
    </fieldset>
  );
}
