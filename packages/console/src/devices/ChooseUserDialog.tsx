import type { LoggedOnUser } from '@parley/protocol';
import { dateTime } from '../chat/time';
import { FormDialog } from '../kit/Dialog';

/** Where and since when a person is logged on, as far as the device's agent could tell. */
export function sessionText(user: LoggedOnUser): string {
  const since = user.since ? dateTime(user.since) : null;
  const where =
    user.session === 'console'
      ? 'At the computer (console session)'
      : user.session === 'remote'
        ? 'Remote session'
        : null;
  if (where === null) return since ? `Logged on since ${since}` : 'Logged on';
  return since ? `${where}, logged on since ${since}` : where;
}

/**
 * Instant Messaging on a computer several people use: whom to chat with. One radio per person, in the server's order
 * (the console session first, which has the focus and is chosen at first); Start chat opens the chat with the one
 * chosen, in their session only.
 */
export function ChooseUserDialog({
  deviceName,
  users,
  busy,
  error,
  onChoose,
  onClose,
}: {
  deviceName: string;
  users: readonly LoggedOnUser[];
  busy: boolean;
  error: string | null;
  onChoose(user: string): void;
  onClose(): void;
}) {
  return (
    <FormDialog
      title="Who do you want to chat with?"
      submitLabel="Start chat"
      busy={busy}
      error={error}
      onClose={onClose}
      onSubmit={(form) => {
        const chosen = form.get('user');
        if (typeof chosen === 'string') onChoose(chosen);
      }}
    >
      <fieldset className="choose-user">
        <legend>People logged on to {deviceName}</legend>
        {users.map((user, index) => (
          <label key={user.name} className="check">
            <input type="radio" name="user" value={user.name} defaultChecked={index === 0} required />
            <span className="check__text">
              <span>{user.name}</span>
              <span className="check__description">{sessionText(user)}</span>
            </span>
          </label>
        ))}
      </fieldset>
    </FormDialog>
  );
}
