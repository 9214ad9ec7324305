import type { EnrollmentTokenCreated } from '@parley/protocol';
import { useEffect, useRef, useState } from 'react';
import { api } from '../api/http';
import { fullTime } from '../chat/time';
import { CopyableCode } from '../kit/CopyableCode';
import { Dialog } from '../kit/Dialog';
import { FormError } from '../kit/Field';

type Step =
  | { kind: 'loading' }
  | { kind: 'ready'; token: EnrollmentTokenCreated }
  | { kind: 'failed'; message: string };

export function enrollCommand(origin: string, token: string): string {
  return `parley-agent enroll --server ${origin} --token ${token}`;
}

export const RUN_COMMAND = 'parley-agent run';

/** "Add device": makes a one-time enrollment token and shows the commands to run on the device. */
export function AddDeviceDialog({ onClose, onSignedOut }: { onClose(): void; onSignedOut(): void }) {
  const [step, setStep] = useState<Step>({ kind: 'loading' });
  const signedOut = useRef(onSignedOut);
  signedOut.current = onSignedOut;

  useEffect(() => {
    let live = true;
    void api.createEnrollmentToken().then((result) => {
      if (!live) return;
      if (result.ok) setStep({ kind: 'ready', token: result.data });
      else if (result.status === 401) signedOut.current();
      else setStep({ kind: 'failed', message: result.message });
    });
    return () => {
      live = false;
    };
  }, []);

  return (
    <Dialog title="Add a device" onClose={onClose} closeLabel="Done">
      {step.kind === 'loading' && (
        <p role="status" className="muted">
          Creating an enrollment token…
        </p>
      )}
      {step.kind === 'failed' && <FormError>{step.message}</FormError>}
      {step.kind === 'ready' && (
        <div className="enroll">
          <p>
            On the device, install <code>parley-agent</code> and run these two commands as an administrator.
            The token works once and expires on{' '}
            <time dateTime={step.token.expiresAt}>{fullTime(step.token.expiresAt)}</time>.
          </p>
          <div className="enroll__step">
            <h3 className="enroll__title">Enrollment token</h3>
            <CopyableCode code={step.token.token} label="Copy enrollment token" />
          </div>
          <div className="enroll__step">
            <h3 className="enroll__title">1. Enroll the device</h3>
            <CopyableCode
              code={enrollCommand(window.location.origin, step.token.token)}
              label="Copy enroll command"
            />
          </div>
          <div className="enroll__step">
            <h3 className="enroll__title">2. Start the agent</h3>
            <CopyableCode code={RUN_COMMAND} label="Copy run command" />
          </div>
          <p className="muted">The device shows up in the list as soon as its agent connects.</p>
        </div>
      )}
    </Dialog>
  );
}
