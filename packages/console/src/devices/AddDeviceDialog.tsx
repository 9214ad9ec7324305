import { EnrollmentTokenCreated } from '@parley/protocol';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { apiRequest, isSignedOut } from '../api/http';
import { fullTime } from '../chat/time';
import { CopyableCode } from '../kit/CopyableCode';
import { Dialog } from '../kit/Dialog';
import { FormError } from '../kit/Field';

/** The token comes on standard input (the command asks for it): a command line is visible to every user. */
export function enrollCommand(origin: string): string {
  return `parley-agent enroll --server ${origin} --token -`;
}

export const RUN_COMMAND = 'parley-agent run';

/** "Add device": makes a one-time enrollment token and shows the commands to run on the device. */
export function AddDeviceDialog({ onClose }: { onClose(): void }) {
  const create = useMutation({
    mutationFn: () => apiRequest('POST', '/api/enrollment-tokens', EnrollmentTokenCreated),
  });
  // One token per opening of the dialog (the ref keeps StrictMode's second effect run from making another).
  const asked = useRef(false);
  const { mutate } = create;
  useEffect(() => {
    if (asked.current) return;
    asked.current = true;
    mutate();
  }, [mutate]);
  const token = create.data;

  return (
    <Dialog title="Add a device" onClose={onClose} closeLabel="Done">
      {!token && !create.isError && (
        <p role="status" className="muted">
          Creating an enrollment token…
        </p>
      )}
      {create.isError && !isSignedOut(create.error) && <FormError>{create.error.message}</FormError>}
      {token && <EnrollmentSteps token={token} uses={1} />}
    </Dialog>
  );
}

/** The token just made and the commands to run with it on a device (shown once: the server keeps only its hash). */
export function EnrollmentSteps({ token, uses }: { token: EnrollmentTokenCreated; uses: number }) {
  return (
    <div className="enroll">
      <p>
        On the device, install <code>parley-agent</code> and run these two commands as an administrator. The
        token {uses === 1 ? 'works once' : `works for ${uses} devices`} and expires on{' '}
        <time dateTime={token.expiresAt}>{fullTime(token.expiresAt)}</time>.
      </p>
      <div className="enroll__step">
        <h3 className="enroll__title">Enrollment token</h3>
        <CopyableCode code={token.token} label="Copy enrollment token" />
      </div>
      <div className="enroll__step">
        <h3 className="enroll__title">1. Enroll the device</h3>
        <CopyableCode code={enrollCommand(window.location.origin)} label="Copy enroll command" />
        <p className="muted">
          It asks for the enrollment token: paste it. The token stays off the command line, which other users
          of the device could see.
        </p>
      </div>
      <div className="enroll__step">
        <h3 className="enroll__title">2. Start the agent</h3>
        <CopyableCode code={RUN_COMMAND} label="Copy run command" />
      </div>
      <p className="muted">The device shows up in the list as soon as its agent connects.</p>
    </div>
  );
}
