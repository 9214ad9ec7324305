import { useQuery } from '@tanstack/react-query';
import { Ban, Check, Minus } from 'lucide-react';
import { useState } from 'react';
import { DevicePicker } from '../../devices/DevicePicker';
import { SelectField } from '../../kit/Field';
import { AdminPage, Loaded } from '../AdminPage';
import { effectiveRightsQuery, operatorsQuery } from '../adminQueries';
import { Section } from '../Section';
import { effectiveRightText, RIGHTS } from '../words';

const ICONS = { allow: Check, deny: Ban, unset: Minus } as const;

function Result({ operatorId, deviceId }: { operatorId: string; deviceId: string }) {
  const rights = useQuery(effectiveRightsQuery(operatorId, deviceId));
  return (
    <Loaded query={rights} what="the effective rights">
      {(view) => (
        <ul className="effective" aria-label="Effective rights">
          {RIGHTS.map((right) => {
            const effect = view.superAdministrator ? 'allow' : view[right].effect;
            const Icon = ICONS[effect];
            return (
              <li key={right} className={`effective__right effective__right--${effect}`}>
                <Icon size={16} aria-hidden="true" />
                <span>{effectiveRightText(right, view)}</span>
              </li>
            );
          })}
        </ul>
      )}
    </Loaded>
  );
}

/** What one operator may do on one device, and which grants decided each right. */
export function EffectiveRightsPage() {
  const operators = useQuery(operatorsQuery);
  const [operatorId, setOperatorId] = useState('');
  const [deviceId, setDeviceId] = useState('');
  return (
    <AdminPage
      title="Effective rights"
      sub="The result of every grant for one operator on one device, and where each right comes from."
    >
      <Section title="Operator and device">
        <div className="admin__pickers">
          <SelectField
            label="Operator"
            value={operatorId}
            onChange={(event) => setOperatorId(event.target.value)}
          >
            <option value="">Choose an operator</option>
            {(operators.data ?? []).map((operator) => (
              <option key={operator.id} value={operator.id}>
                {operator.username}
              </option>
            ))}
          </SelectField>
          <DevicePicker label="Device" empty="Choose a device" value={deviceId} onChange={setDeviceId} />
        </div>
        {operatorId && deviceId ? (
          <Result operatorId={operatorId} deviceId={deviceId} />
        ) : (
          <p className="muted">Choose an operator and a device.</p>
        )}
      </Section>
    </AdminPage>
  );
}
