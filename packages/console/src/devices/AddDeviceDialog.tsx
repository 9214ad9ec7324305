import { AgentPackage, EnrollmentTokenCreated } from '@parley/protocol';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { apiRequest, isSignedOut } from '../api/http';
import { fullTime } from '../chat/time';
import { CopyableCode } from '../kit/CopyableCode';
import { Dialog } from '../kit/Dialog';
import { FormError } from '../kit/Field';
import { DEVICE_OSES, installCommand, RUN_COMMAND } from './installCommands';

/** The token comes on standard input (the command asks for it): a command line is visible to every user. */
export function enrollCommand(origin: string): string {
  return `parley-agent enroll --server ${origin} --token -`;
}

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
  const origin = window.location.origin;
  // The agent package this server serves (npm run build packs it); without it, the steps for an installed agent.
  const agentPackage = useQuery({
    queryKey: ['agent-package'],
    queryFn: () => apiRequest('GET', '/api/agent-package', AgentPackage),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  }).data;
  return (
    <div className="enroll">
      <p>
        The token {uses === 1 ? 'works once' : `works for ${uses} devices`} and expires on{' '}
        <time dateTime={token.expiresAt}>{fullTime(token.expiresAt)}</time>.
      </p>
      <div className="enroll__step">
        <h3 className="enroll__title">Enrollment token</h3>
        <CopyableCode code={token.token} label="Copy enrollment token" />
      </div>
      {agentPackage && (
        <div className="enroll__step">
          <h3 className="enroll__title">Install and enroll, in one line</h3>
          <p className="muted">
            On the device, which needs Node.js 20.19 or later with npm: the line downloads{' '}
            <code>parley-agent</code> {agentPackage.version} ({(agentPackage.bytes / 1e6).toFixed(1)} MB) from
            this server, checks its SHA-256, installs it and enrolls the device. The token goes in on standard
            input, never on a command line, which other users of the device could see.
          </p>
          {DEVICE_OSES.map(({ os, name, shell }) => (
            <div key={os}>
              <h4 className="enroll__title">
                {name} <span className="muted">(in {shell})</span>
              </h4>
              <CopyableCode
                code={installCommand(os, { origin, token: token.token, agentPackage })}
                label={`Copy ${name} install command`}
              />
            </div>
          ))}
          <p className="muted">
            SHA-256 of the package: <code>{agentPackage.sha256}</code>
          </p>
        </div>
      )}
      <div className="enroll__step">
        <h3 className="enroll__title">
          {agentPackage ? 'Or, where parley-agent is installed: enroll' : '1. Enroll the device'}
        </h3>
        <CopyableCode code={enrollCommand(origin)} label="Copy enroll command" />
        <p className="muted">
          Run it as an administrator. It asks for the enrollment token: paste it. The token stays off the
          command line, which other users of the device could see.
        </p>
      </div>
      <div className="enroll__step">
        <h3 className="enroll__title">{agentPackage ? 'Then start the agent' : '2. Start the agent'}</h3>
        <CopyableCode code={RUN_COMMAND} label="Copy run command" />
      </div>
      <p className="muted">The device shows up in the list as soon as its agent connects.</p>
    </div>
  );
}
