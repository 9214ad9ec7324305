import { AgentClientFrame, PROTOCOL_VERSION, parseClientFrame } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { reportableUsers } from './agent.js';
import type { DetectedUser } from './platform/users.js';

const users = (count: number, name: (i: number) => string): DetectedUser[] =>
  Array.from({ length: count }, (_, i) => ({ name: name(i), graphical: true, remote: false }));

describe('reportableUsers', () => {
  it('reports an ordinary list whole, in detection order', () => {
    expect(reportableUsers(users(3, (i) => `user${i}`))).toEqual([
      { name: 'user0' },
      { name: 'user1' },
      { name: 'user2' },
    ]);
  });

  it('reports two people of one name by their labels (DOMAIN\\name), so the operator can tell them apart', () => {
    const detected: DetectedUser[] = [
      {
        name: 'maria',
        domain: 'TS-01',
        label: 'TS-01\\maria',
        sessionId: '1',
        graphical: true,
        remote: false,
      },
      {
        name: 'maria',
        domain: 'CONTOSO',
        label: 'CONTOSO\\maria',
        sessionId: '3',
        graphical: true,
        remote: true,
      },
    ];
    expect(reportableUsers(detected).map((user) => user.name)).toEqual(['TS-01\\maria', 'CONTOSO\\maria']);
  });

  it('carries the session facts an operator chooses by: console or remote, since when, the session id', () => {
    const detected: DetectedUser[] = [
      {
        name: 'maria',
        sessionId: '1',
        uid: 1000,
        graphical: true,
        remote: false,
        session: 'console',
        since: '2024-05-14T07:45:00.000Z',
      },
      { name: 'jonas', sessionId: '7', graphical: true, remote: true, session: 'remote' },
      { name: 'oskar', sessionId: 'x'.repeat(65), graphical: true, remote: false },
    ];
    expect(reportableUsers(detected)).toEqual([
      { name: 'maria', session: 'console', since: '2024-05-14T07:45:00.000Z', sessionId: '1' },
      { name: 'jonas', session: 'remote', sessionId: '7' },
      // An id longer than the protocol allows is left out rather than cut into another session's id.
      { name: 'oskar' },
    ]);
  });

  it('P-3: a crowded terminal server with long non-ASCII names still fits in a frame the server accepts', () => {
    const crowd = users(500, (i) => `${'ü'.repeat(250)}${i}`);
    const reported = reportableUsers(crowd);
    expect(reported.length).toBeGreaterThan(10);
    expect(reported[0]?.name).toBe(crowd[0]?.name);
    const hello = {
      type: 'agent.hello',
      protocolVersion: PROTOCOL_VERSION,
      deviceId: 'dev-1',
      credential: 'c'.repeat(43),
      device: { name: 'TS-01', os: 'win32 10.0', agentVersion: '0.1.0' },
      loggedOnUsers: reported,
    };
    expect(parseClientFrame(AgentClientFrame, JSON.stringify(hello)).ok).toBe(true);
  });
});
