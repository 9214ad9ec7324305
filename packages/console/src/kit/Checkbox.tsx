import { type ComponentProps, type ReactNode, useId } from 'react';

/**
 * A checkbox with its label to the right; `description` (e.g. what a capability allows) and `note` (e.g. where an
 * inherited one comes from) are shown under the label and describe the checkbox. `dimmed`: shown as given by
 * something else (checked and disabled, with the note saying by what).
 */
export function Checkbox({
  label,
  description,
  note,
  dimmed = false,
  ...input
}: Omit<ComponentProps<'input'>, 'type'> & {
  label: string;
  description?: ReactNode;
  note?: ReactNode;
  dimmed?: boolean;
}) {
  const id = useId();
  const described = [description && `${id}-description`, note && `${id}-note`].filter(Boolean).join(' ');
  return (
    <label className={dimmed ? 'check check--dimmed' : 'check'}>
      <input type="checkbox" aria-describedby={described || undefined} {...input} />
      <span className="check__text">
        <span>{label}</span>
        {description && (
          <span id={`${id}-description`} className="check__description">
            {description}
          </span>
        )}
        {note && (
          <span id={`${id}-note`} className="check__note">
            {note}
          </span>
        )}
      </span>
    </label>
  );
}
