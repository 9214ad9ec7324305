import { describe, expect, it } from 'vitest';
import type { CommandResult, CommandRunner } from './exec.js';
import {
  LAUNCH_SETTLE_MS,
  type OpenContext,
  type OpenPlan,
  openUrl,
  planOpen,
  SCHEDULED_TASK_DELETE_DELAY_MS,
  userManagerRunning,
  validateLocalUrl,
} from './opener.js';
import type { DetectedUser } from './users.js';

const URL_ = 'http://127.0.0.1:47123/chat/3f9c2a?view=abc&lang=de';

const alice: DetectedUser = {
  name: 'alice',
  uid: 1000,
  sessionId: '2',
  display: ':1',
  type: 'x11',
  graphical: true,
  remote: false,
  active: true,
};
const aliceWayland: DetectedUser = {
  name: 'alice',
  uid: 1000,
  sessionId: '3',
  type: 'wayland',
  graphical: true,
  remote: false,
  active: true,
};

function ctx(overrides: Partial<OpenContext>): OpenContext {
  return { platform: 'linux', agentUid: 1000, agentUser: 'alice', target: alice, ...overrides };
}

describe('validateLocalUrl', () => {
  it('accepts local http URLs with a port', () => {
    expect(validateLocalUrl(URL_)).toBe(URL_);
    expect(validateLocalUrl('http://localhost:8080/chat/x#bottom')).toBe(
      'http://localhost:8080/chat/x#bottom',
    );
    expect(validateLocalUrl('http://127.0.0.1:8080')).toBe('http://127.0.0.1:8080/');
    expect(validateLocalUrl('file:///tmp/parley-chat-Ab3x9Q/chat.html')).toBe(
      'file:///tmp/parley-chat-Ab3x9Q/chat.html',
    );
    expect(validateLocalUrl('file:///C:/Users/John%20Smith/AppData/Local/Temp/parley-chat-1/chat.html')).toBe(
      'file:///C:/Users/John%20Smith/AppData/Local/Temp/parley-chat-1/chat.html',
    );
  });

  it.each([
    'https://127.0.0.1:8080/chat/x',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'http://evil.example.com:8080/chat',
    'http://127.0.0.1/chat/x',
    'http://127.0.0.1:8080@evil.example.com/',
    'http://127.0.0.1.evil.example.com:8080/',
    'http://localhost:99999/chat',
    'http://127.0.0.1:0/chat',
    'http://127.0.0.1:8080/chat x',
    'http://127.0.0.1:8080/chat"&calc.exe',
    'http://127.0.0.1:8080/chat|calc',
    'http://127.0.0.1:8080/chat\\..\\x',
    'http://127.0.0.1:8080/chat\n--help',
    '--help',
    ' http://127.0.0.1:8080/chat',
    'HTTP://127.0.0.1:8080/chat',
    'file:///tmp/../etc/x.html',
    'file:///tmp/%2e%2e/etc/x.html',
    'file://evil.example/share/x.html',
    'file:///tmp/a b.html',
  ])('rejects %j', (url) => {
    expect(() => validateLocalUrl(url)).toThrow(/Refusing to open/);
  });

  it('is applied by planOpen, even with --open-with', () => {
    expect(() => planOpen('file:///etc/shadow', ctx({ openWith: ['firefox'] }))).toThrow(/Refusing to open/);
  });
});

describe('planOpen', () => {
  it('--open-with wins, run as the agent with the URL last', () => {
    expect(
      planOpen(
        URL_,
        ctx({ agentUid: 0, agentUser: 'root', openWith: ['firefox', '--new-tab'], target: null }),
      ),
    ).toEqual({
      steps: [{ command: 'firefox', args: ['--new-tab', URL_], settleMs: LAUNCH_SETTLE_MS }],
      description: 'firefox (--open-with) as root',
    });
  });

  it('--open-with is told whom to show the page to: the chosen person and their session', () => {
    const target = { name: 'oskar', sessionId: '2', graphical: true, remote: true };
    expect(planOpen(URL_, ctx({ openWith: ['opener'], target })).steps).toEqual([
      {
        command: 'opener',
        args: [URL_],
        settleMs: LAUNCH_SETTLE_MS,
        env: { PARLEY_END_USER: 'oskar', PARLEY_END_USER_SESSION: '2' },
      },
    ]);
  });

  it('ignores an empty --open-with', () => {
    expect(planOpen(URL_, ctx({ openWith: [] })).steps[0]?.command).toBe('xdg-open');
  });

  describe('Linux', () => {
    const xdgOpen = { steps: [{ command: 'xdg-open', args: [URL_], settleMs: LAUNCH_SETTLE_MS }] };

    it('same user: xdg-open', () => {
      expect(planOpen(URL_, ctx({}))).toEqual({ ...xdgOpen, description: 'xdg-open as alice' });
    });

    it('agent not root, other user: refuses (the page would open in the agent’s session, not theirs)', () => {
      expect(() => planOpen(URL_, ctx({ agentUid: 1001, agentUser: 'parley' }))).toThrow(
        /Not opening alice's chat page: the agent runs as parley/,
      );
      // The same user by name when the uid is unknown (who fallback): theirs to open.
      const byName: DetectedUser = { name: 'parley', graphical: true, remote: false };
      expect(planOpen(URL_, ctx({ agentUid: 1001, agentUser: 'parley', target: byName })).steps).toEqual(
        xdgOpen.steps,
      );
    });

    it('root without a target: xdg-open', () => {
      expect(planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root', target: null }))).toEqual({
        ...xdgOpen,
        description: 'xdg-open as root',
      });
    });

    it('root with root as the target: xdg-open', () => {
      const root: DetectedUser = { name: 'root', uid: 0, graphical: true, remote: false };
      expect(planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root', target: root })).steps).toEqual(
        xdgOpen.steps,
      );
    });

    it('root for an X11 user: runuser into their display, runtime dir and session bus', () => {
      expect(planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root' }))).toEqual({
        steps: [
          {
            command: 'runuser',
            args: [
              '-u',
              'alice',
              '--',
              'env',
              'DISPLAY=:1',
              'XDG_RUNTIME_DIR=/run/user/1000',
              'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus',
              'xdg-open',
              URL_,
            ],
            settleMs: LAUNCH_SETTLE_MS,
          },
        ],
        description: 'xdg-open as alice on display :1',
      });
    });

    it('root for a Wayland user: DISPLAY defaults to :0 and WAYLAND_DISPLAY is set', () => {
      expect(planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root', target: aliceWayland }))).toEqual({
        steps: [
          {
            command: 'runuser',
            args: [
              '-u',
              'alice',
              '--',
              'env',
              'DISPLAY=:0',
              'XDG_RUNTIME_DIR=/run/user/1000',
              'DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus',
              'WAYLAND_DISPLAY=wayland-0',
              'xdg-open',
              URL_,
            ],
            settleMs: LAUNCH_SETTLE_MS,
          },
        ],
        description: 'xdg-open as alice on display :0 (Wayland)',
      });
    });

    it('root for a user whose uid is unknown (who fallback): runuser with the display only', () => {
      const bob: DetectedUser = { name: 'bob', display: ':0', graphical: true, remote: false };
      expect(planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root', target: bob })).steps).toEqual([
        {
          command: 'runuser',
          args: ['-u', 'bob', '--', 'env', 'DISPLAY=:0', 'xdg-open', URL_],
          settleMs: LAUNCH_SETTLE_MS,
        },
      ]);
    });

    it('root with the user’s systemd manager running: the page opens as a unit of their own session', () => {
      // Not as the agent's child: a service's sandbox and cgroup would hold the user's browser.
      expect(planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root', userManager: true }))).toEqual({
        steps: [
          {
            command: 'systemd-run',
            args: [
              '--user',
              '--machine=alice@.host',
              '--quiet',
              '--collect',
              '--wait',
              '--setenv=DISPLAY=:1',
              '--',
              'xdg-open',
              URL_,
            ],
            settleMs: LAUNCH_SETTLE_MS,
          },
        ],
        description: 'xdg-open as alice in their systemd user session on display :1',
      });
      const wayland = planOpen(
        URL_,
        ctx({ agentUid: 0, agentUser: 'root', target: aliceWayland, userManager: true }),
      );
      expect(wayland.steps[0]?.args).toEqual([
        '--user',
        '--machine=alice@.host',
        '--quiet',
        '--collect',
        '--wait',
        '--setenv=DISPLAY=:0',
        '--setenv=WAYLAND_DISPLAY=wayland-0',
        '--',
        'xdg-open',
        URL_,
      ]);
      // Not as root, or for a user without a known uid: as before.
      expect(planOpen(URL_, ctx({ userManager: true })).steps).toEqual(xdgOpen.steps);
      const bob: DetectedUser = { name: 'bob', display: ':0', graphical: true, remote: false };
      expect(
        planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root', target: bob, userManager: true })).steps[0]
          ?.command,
      ).toBe('runuser');
    });

    it('knows the user’s systemd manager runs by its private socket in their runtime directory', () => {
      const seen: string[] = [];
      const exists = (path: string) => {
        seen.push(path);
        return path === '/run/user/1000/systemd/private';
      };
      expect(userManagerRunning(1000, exists)).toBe(true);
      expect(userManagerRunning(1001, exists)).toBe(false);
      expect(userManagerRunning(undefined, exists)).toBe(false);
      expect(seen).toEqual(['/run/user/1000/systemd/private', '/run/user/1001/systemd/private']);
    });

    it('runs the systemd-run plan through the OS command runner, and names it when it fails', async () => {
      const run = fakeRunner([{ stdout: '', stderr: 'Failed to connect to bus: No medium found', code: 1 }]);
      const plan = planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root', userManager: true }));
      await expect(openUrl(plan, run)).rejects.toThrow(
        /^Could not open the chat page \(xdg-open as alice in their systemd user session on display :1\): `systemd-run --user --machine=alice@\.host .*` exited with code 1: Failed to connect to bus: No medium found$/,
      );
      expect(run.calls[0]).toMatchObject({
        command: 'systemd-run',
        options: { timeoutMs: LAUNCH_SETTLE_MS },
      });
    });

    it('is also used on the BSDs', () => {
      expect(planOpen(URL_, ctx({ platform: 'freebsd' })).steps).toEqual(xdgOpen.steps);
    });
  });

  describe('macOS', () => {
    const mac = (overrides: Partial<OpenContext>): OpenContext =>
      ctx({
        platform: 'darwin',
        agentUid: 501,
        target: { ...alice, uid: 501, display: undefined },
        ...overrides,
      });

    it('same user: open', () => {
      expect(planOpen(URL_, mac({}))).toEqual({
        steps: [{ command: 'open', args: [URL_], settleMs: LAUNCH_SETTLE_MS }],
        description: 'open as alice',
      });
    });

    it('not root, another user (fast user switching): refuses', () => {
      expect(() => planOpen(URL_, mac({ agentUid: 502, agentUser: 'bob' }))).toThrow(
        /Not opening alice's chat page: the agent runs as bob/,
      );
    });

    it('root without a target: open', () => {
      expect(planOpen(URL_, mac({ agentUid: 0, agentUser: 'root', target: null })).steps).toEqual([
        { command: 'open', args: [URL_], settleMs: LAUNCH_SETTLE_MS },
      ]);
    });

    it('root for another user: launchctl asuser + sudo -u', () => {
      expect(planOpen(URL_, mac({ agentUid: 0, agentUser: 'root' }))).toEqual({
        steps: [
          {
            command: 'launchctl',
            args: ['asuser', '501', 'sudo', '-u', 'alice', 'open', URL_],
            settleMs: LAUNCH_SETTLE_MS,
          },
        ],
        description: 'open as alice (uid 501) in their GUI session',
      });
    });

    it('root for a user whose uid is unknown: sudo -u', () => {
      const target: DetectedUser = { name: 'bob', graphical: true, remote: false };
      expect(planOpen(URL_, mac({ agentUid: 0, agentUser: 'root', target })).steps).toEqual([
        { command: 'sudo', args: ['-u', 'bob', 'open', URL_], settleMs: LAUNCH_SETTLE_MS },
      ]);
    });
  });

  describe('Windows', () => {
    const now = new Date(2024, 4, 13, 9, 5, 42);
    const bob: DetectedUser = { name: 'bob', sessionId: '2', graphical: true, remote: true, active: true };
    const win = (overrides: Partial<OpenContext>): OpenContext =>
      ctx({ platform: 'win32', agentUid: null, agentUser: 'SYSTEM', target: bob, now, ...overrides });
    const rundll32 = {
      command: 'rundll32',
      args: ['url.dll,FileProtocolHandler', URL_],
      settleMs: LAUNCH_SETTLE_MS,
    };

    function taskName(plan: OpenPlan): string {
      const name = plan.steps[0]?.args[3] ?? '';
      expect(name).toMatch(/^Parley-Chat-[0-9a-f]{8}$/);
      return name;
    }

    it('same user: rundll32 url.dll, no cmd', () => {
      expect(planOpen(URL_, win({ agentUser: 'bob' }))).toEqual({
        steps: [rundll32],
        description: 'rundll32 url.dll as bob',
      });
      expect(planOpen(URL_, win({ agentUser: 'CONTOSO\\Bob' })).steps).toEqual([rundll32]);
    });

    it('as another person, not SYSTEM (a terminal server): refuses rather than open it in its own session', () => {
      expect(() => planOpen(URL_, win({ agentUser: 'alice' }))).toThrow(
        /Not opening bob's chat page: the agent runs as alice/,
      );
    });

    it('as SYSTEM without a target: rundll32 url.dll', () => {
      expect(planOpen(URL_, win({ target: null })).steps).toEqual([rundll32]);
    });

    it('as SYSTEM for a logged-on user: create, run and delete an interactive scheduled task', () => {
      const plan = planOpen(URL_, win({}));
      const name = taskName(plan);
      expect(plan).toEqual({
        steps: [
          {
            command: 'schtasks',
            args: [
              '/Create',
              '/F',
              '/TN',
              name,
              '/SC',
              'ONCE',
              '/ST',
              '09:05',
              '/RU',
              'bob',
              '/IT',
              '/TR',
              `rundll32.exe url.dll,FileProtocolHandler ${URL_}`,
            ],
          },
          { command: 'schtasks', args: ['/Run', '/TN', name] },
          {
            command: 'schtasks',
            args: ['/Delete', '/F', '/TN', name],
            cleanup: true,
            delayMs: SCHEDULED_TASK_DELETE_DELAY_MS,
          },
        ],
        description: `scheduled task ${name} running rundll32 url.dll as bob in session 2`,
      });
    });

    it('6: as SYSTEM, lets the user read the launch file first (it lies in SYSTEM’s temp directory)', () => {
      const launch = 'file:///C:/Windows/SystemTemp/parley-chat-Ab12/chat.html';
      const plan = planOpen(launch, win({ target: { ...bob, domain: 'CONTOSO' } }));
      expect(plan.steps[0]).toEqual({
        command: 'icacls',
        args: ['C:\\Windows\\SystemTemp\\parley-chat-Ab12\\chat.html', '/grant', 'CONTOSO\\bob:R'],
      });
      expect(plan.steps[1]?.args.at(-1)).toBe(`rundll32.exe url.dll,FileProtocolHandler ${launch}`);
    });

    it('runs the task as DOMAIN\\user when the domain is known', () => {
      const plan = planOpen(URL_, win({ target: { ...bob, domain: 'CONTOSO' } }));
      expect(plan.steps[0]?.args.slice(8, 10)).toEqual(['/RU', 'CONTOSO\\bob']);
    });

    it('treats the machine account and an explicit service flag as SYSTEM', () => {
      expect(planOpen(URL_, win({ agentUser: 'DESKTOP-7H2K9QL$' })).steps).toHaveLength(3);
      expect(planOpen(URL_, win({ agentUser: 'NT AUTHORITY\\SYSTEM' })).steps).toHaveLength(3);
      expect(planOpen(URL_, win({ agentUser: 'parley-svc', service: true })).steps).toHaveLength(3);
      expect(() => planOpen(URL_, win({ agentUser: 'parley-svc' }))).toThrow(/the agent runs as parley-svc/);
    });

    it('names tasks after the time and URL', () => {
      const first = taskName(planOpen(URL_, win({})));
      expect(taskName(planOpen(URL_, win({})))).toBe(first);
      expect(taskName(planOpen(URL_, win({ now: new Date(now.getTime() + 1) })))).not.toBe(first);
    });

    it('refuses a URL too long for /TR', () => {
      const long = `http://127.0.0.1:47123/chat/${'a'.repeat(230)}`;
      expect(() => planOpen(long, win({}))).toThrow(/too long for a scheduled task/);
      expect(planOpen(long, win({ agentUser: 'bob' })).steps).toHaveLength(1);
    });
  });
});

// --- openUrl ----------------------------------------------------------------------------------------------

interface Call {
  command: string;
  args: string[];
  options?: { env?: NodeJS.ProcessEnv; timeoutMs?: number };
}

function fakeRunner(results: CommandResult[]): CommandRunner & { calls: Call[] } {
  const calls: Call[] = [];
  const run: CommandRunner = async (command, args, options) => {
    calls.push({ command, args, options });
    return results.shift() ?? { stdout: '', stderr: '', code: 0 };
  };
  return Object.assign(run, { calls });
}

const success = (stdout = ''): CommandResult => ({ stdout, stderr: '', code: 0 });

describe('openUrl', () => {
  it('runs the steps in order with their settle time as timeout', async () => {
    const run = fakeRunner([]);
    await openUrl(planOpen(URL_, ctx({ agentUid: 0, agentUser: 'root' })), run);
    expect(run.calls).toHaveLength(1);
    expect(run.calls[0]?.command).toBe('runuser');
    expect(run.calls[0]?.options).toEqual({ timeoutMs: LAUNCH_SETTLE_MS });
  });

  it('runs every step of the Windows scheduled-task plan', async () => {
    const plan = planOpen(URL_, ctx({ platform: 'win32', agentUid: null, agentUser: 'SYSTEM' }));
    const quick: OpenPlan = { ...plan, steps: plan.steps.map((step) => ({ ...step, delayMs: 1 })) };
    const run = fakeRunner([
      success('SUCCESS: The scheduled task "Parley-Chat-1" has successfully been created.\r\n'),
      success('SUCCESS: Attempted to run the scheduled task "Parley-Chat-1".\r\n'),
      success('SUCCESS: The scheduled task "Parley-Chat-1" was successfully deleted.\r\n'),
    ]);
    await openUrl(quick, run);
    expect(run.calls.map((call) => call.args[0])).toEqual(['/Create', '/Run', '/Delete']);
  });

  it('throws with the command and its stderr when a step fails, after running cleanup steps', async () => {
    const plan: OpenPlan = {
      description: 'scheduled task T',
      steps: [
        { command: 'schtasks', args: ['/Create', '/TN', 'T'] },
        { command: 'schtasks', args: ['/Run', '/TN', 'T'] },
        { command: 'schtasks', args: ['/Extra'] },
        { command: 'schtasks', args: ['/Delete', '/F', '/TN', 'T'], cleanup: true, delayMs: 60_000 },
      ],
    };
    const run = fakeRunner([
      success(),
      { stdout: '', stderr: 'ERROR: Access is denied.\r\n', code: 1 },
      { stdout: '', stderr: 'ERROR: The system cannot find the file specified.\r\n', code: 1 },
    ]);
    const started = Date.now();
    await expect(openUrl(plan, run)).rejects.toThrow(
      'Could not open the chat page (scheduled task T): `schtasks /Run /TN T` exited with code 1: ERROR: Access is denied.',
    );
    // The remaining non-cleanup step is skipped; the cleanup runs at once; its own failure is not the one reported.
    expect(run.calls.map((call) => call.args[0])).toEqual(['/Create', '/Run', '/Delete']);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('reports stdout when stderr is empty, and a missing program', async () => {
    const plan = planOpen(URL_, ctx({}));
    await expect(
      openUrl(plan, fakeRunner([{ stdout: 'no browser found\n', stderr: '', code: 3 }])),
    ).rejects.toThrow(
      /`xdg-open http:\/\/127\.0\.0\.1:47123\/chat\/3f9c2a\?view=abc&lang=de` exited with code 3: no browser found$/,
    );
    await expect(
      openUrl(plan, fakeRunner([{ stdout: '', stderr: 'spawn xdg-open ENOENT', code: 127 }])),
    ).rejects.toThrow(/exited with code 127: spawn xdg-open ENOENT/);
  });

  it('takes a launcher still running after its settle time as having opened the browser', async () => {
    const run = fakeRunner([{ stdout: '', stderr: 'xdg-open timed out after 10000 ms', code: 124 }]);
    await expect(openUrl(planOpen(URL_, ctx({})), run)).resolves.toBeUndefined();
    const strict: OpenPlan = { description: 'x', steps: [{ command: 'schtasks', args: ['/Run'] }] };
    await expect(
      openUrl(strict, fakeRunner([{ stdout: '', stderr: 'timed out', code: 124 }])),
    ).rejects.toThrow(/code 124/);
  });

  it('passes step environment on top of the agent environment', async () => {
    const run = fakeRunner([]);
    await openUrl(
      { description: 'x', steps: [{ command: 'xdg-open', args: [URL_], env: { DISPLAY: ':3' } }] },
      run,
    );
    expect(run.calls[0]?.options?.env?.DISPLAY).toBe(':3');
    expect(run.calls[0]?.options?.env?.PATH).toBe(process.env.PATH);
  });

  it('waits delayMs before a step', async () => {
    const run = fakeRunner([]);
    const started = Date.now();
    await openUrl({ description: 'x', steps: [{ command: 'true', args: [], delayMs: 50 }] }, run);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    expect(run.calls).toHaveLength(1);
  });
});
