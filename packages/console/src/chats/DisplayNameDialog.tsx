import { useDisplayNameChange } from '../account/displayName';
import { FormDialog } from '../kit/Dialog';
import { Field } from '../kit/Field';

/**
 * Before an operator's first chat, when they have no display name yet (the first administrator starts without one):
 * the name the end user will see them as, never a generic "Administrator". Saved as their display name (Account
 * changes it later); then the chat starts.
 */
export function DisplayNameDialog({ onNamed, onClose }: { onNamed(): void; onClose(): void }) {
  const change = useDisplayNameChange();
  return (
    <FormDialog
      title="What is your name?"
      submitLabel="Save and start chat"
      busy={change.isPending}
      error={change.error?.message ?? null}
      onClose={onClose}
      onSubmit={(form) => {
        const name = String(form.get('displayName') ?? '').trim();
        if (name) change.mutate(name, { onSuccess: onNamed });
      }}
    >
      <Field label="Your name" name="displayName" autoComplete="name" required maxLength={128} />
      <p className="muted">
        The person you chat with sees this name, as in “Ada from your IT team wants to chat”. You can change
        it in Account.
      </p>
    </FormDialog>
  );
}
