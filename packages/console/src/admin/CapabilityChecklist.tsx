import { CAPABILITIES, CAPABILITY_DESCRIPTIONS, type Capability } from '@parley/protocol';
import { Checkbox } from '../kit/Checkbox';

/**
 * Every capability as a checkbox with its sentence. `selected`: the ones granted here (editable); `inherited`: the
 * ones that come from elsewhere, with where from ("from group Front desk"): shown checked, disabled and dimmed
 * unless also granted here. `readOnly`: nothing can change (the super administrator).
 */
export function CapabilityChecklist({
  legend,
  selected,
  inherited = new Map(),
  readOnly = false,
  onToggle,
}: {
  legend: string;
  selected: ReadonlySet<Capability>;
  inherited?: ReadonlyMap<Capability, string>;
  readOnly?: boolean;
  onToggle(capability: Capability): void;
}) {
  return (
    <fieldset className="capabilities">
      <legend className="visually-hidden">{legend}</legend>
      {CAPABILITIES.map((capability) => {
        const own = selected.has(capability);
        const from = inherited.get(capability);
        const dimmed = readOnly || (!own && from !== undefined);
        return (
          <Checkbox
            key={capability}
            label={capability}
            description={CAPABILITY_DESCRIPTIONS[capability]}
            note={from && (own ? `also ${from}` : from)}
            checked={own || from !== undefined}
            disabled={dimmed}
            dimmed={dimmed}
            onChange={() => onToggle(capability)}
          />
        );
      })}
    </fieldset>
  );
}

/** A set with `item` added, or taken out if it was there. */
export function toggled<T>(set: ReadonlySet<T>, item: T): Set<T> {
  const next = new Set(set);
  if (!next.delete(item)) next.add(item);
  return next;
}
