import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CommandResult, type CommandRunner, EXIT_TIMED_OUT, runCommand } from './exec.js';
import type { DetectedUser } from './users.js';

export interface OpenStep {
  command: string;
  args: string[];
  env?: Record<string, string>;
  /** Runs even when an earlier step failed (removing the scheduled task on Windows). */
  cleanup?: boolean;
  /** Waits this long before running the step. */
  delayMs?: number;
  /**
   * The step starts a browser and may stay in the foreground as long as the browser does (xdg-open's
   * generic mode runs the browser and waits for it). If it is still running after this many ms, it has
   * launched the browser: it counts as success. The runner then kills the launcher, not the browser it
   * started, which is a process of its own.
   */
  settleMs?: number;
}

export interface OpenPlan {
  steps: OpenStep[];
  description: string;
}

export interface OpenContext {
  platform: NodeJS.Platform;
  /** The agent's uid (`process.getuid()`), null where there is none (Windows). */
  agentUid: number | null;
  /** The agent's user name (`os.userInfo().username`). */
  agentUser: string;
  /** Whose desktop the page must open on: usually the first user from detectLoggedOnUsers(). */
  target: DetectedUser | null;
  /** `--open-with CMD`, already split into argv. */
  openWith?: string[];
  now?: Date;
  /** The agent runs as a system service (Windows: as SYSTEM even if agentUser says otherwise). */
  service?: boolean;
  /**
   * Linux: the target's systemd user manager runs (`/run/user/UID/systemd` exists), so the page can be opened as a
   * unit of their own session rather than as a child of the agent (`userManagerRunning`).
   */
  userManager?: boolean;
}

/** How long a launcher may run before it is taken to have started the browser in the foreground. */
export const LAUNCH_SETTLE_MS = 10_000;
/** Lets the scheduled task start its program before it is deleted. */
export const SCHEDULED_TASK_DELETE_DELAY_MS = 3_000;
/** schtasks limits /TR to 261 characters. */
const SCHTASKS_TR_MAX = 261;

/** Characters a chat URL may hold: RFC 3986 unreserved, reserved and `%`; no space, quote, `\`, `^`, `|`... */
const CHAT_URL = /^http:\/\/(127\.0\.0\.1|localhost):(\d{1,5})(\/[A-Za-z0-9\-._~!$&'()*+,;=:@%/?#[\]]*)?$/;
/** A launch file (`launchFile.ts`): an absolute file URL of plain path characters, percent-encoded otherwise. */
const LAUNCH_FILE_URL = /^file:\/\/\/([A-Za-z]:\/)?[A-Za-z0-9\-._~/%]+\.html$/;

/**
 * Checks that `url` is a page of the local agent (`http://127.0.0.1:PORT/...` or `http://localhost:PORT/...`) or a
 * launch file that leads to one (`file:///…/chat.html`), and returns it normalized. Anything else throws: the opener
 * must never be tricked into opening another scheme or host, or into passing something a program could read as an
 * option or a command.
 */
export function validateLocalUrl(url: string): string {
  if (LAUNCH_FILE_URL.test(url) && !url.includes('/../') && !/%(2e|2f|5c)/i.test(url))
    return new URL(url).href;
  const match = CHAT_URL.exec(url);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new Error(
      `Refusing to open ${JSON.stringify(url)}: only http://127.0.0.1:PORT/, http://localhost:PORT/ or file:///….html URLs`,
    );
  }
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || (parsed.hostname !== '127.0.0.1' && parsed.hostname !== 'localhost')) {
    throw new Error(`Refusing to open ${JSON.stringify(url)}: not a local http URL`);
  }
  return parsed.href;
}

function isSameUser(ctx: OpenContext, target: DetectedUser): boolean {
  if (ctx.agentUid !== null && target.uid !== undefined) return ctx.agentUid === target.uid;
  const agentName = ctx.agentUser.slice(ctx.agentUser.lastIndexOf('\\') + 1);
  return ctx.platform === 'win32'
    ? agentName.toLowerCase() === target.name.toLowerCase()
    : agentName === target.name;
}

function isWindowsSystemAccount(agentUser: string): boolean {
  // os.userInfo() says `SYSTEM`; %USERNAME% says `COMPUTERNAME$` for the machine account.
  return (
    /^((nt authority|nt-autorität|autorite nt)\\)?(system|localsystem)$/i.test(agentUser) ||
    agentUser.endsWith('$')
  );
}

/**
 * An agent that is neither root nor SYSTEM runs as one person and can open a page on their desktop only. Opened as
 * the agent, another person's chat (its page key) would land in the agent's own session: on a computer several
 * people use, someone else would get it. So it refuses, and the operator is told why (`agent.page_failed`).
 */
function refuseOtherUser(ctx: OpenContext, target: DetectedUser): never {
  throw new Error(
    `Not opening ${target.name}'s chat page: the agent runs as ${ctx.agentUser}, and only a service (root or SYSTEM) can open a page on another person's desktop`,
  );
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

function planLinux(url: string, ctx: OpenContext, target: DetectedUser | null): OpenPlan {
  if (target !== null && ctx.agentUid !== 0 && !isSameUser(ctx, target)) refuseOtherUser(ctx, target);
  if (target === null || isSameUser(ctx, target) || target.name === 'root') {
    return {
      steps: [{ command: 'xdg-open', args: [url], settleMs: LAUNCH_SETTLE_MS }],
      description: `xdg-open as ${ctx.agentUser}`,
    };
  }
  const display = target.display ?? ':0';
  const wayland = target.type === 'wayland' ? ' (Wayland)' : '';
  if (ctx.userManager === true && target.uid !== undefined) {
    // A browser started as the agent's child would live in the agent's service: its sandbox, its cgroup (stopped
    // with it). Started by the user's own systemd manager it is theirs, with their session's environment; --wait
    // reports how xdg-open ended, as runuser does.
    const env = [`--setenv=DISPLAY=${display}`];
    if (target.type === 'wayland') env.push('--setenv=WAYLAND_DISPLAY=wayland-0');
    return {
      steps: [
        {
          command: 'systemd-run',
          args: [
            '--user',
            `--machine=${target.name}@.host`,
            '--quiet',
            '--collect',
            '--wait',
            ...env,
            '--',
            'xdg-open',
            url,
          ],
          settleMs: LAUNCH_SETTLE_MS,
        },
      ],
      description: `xdg-open as ${target.name} in their systemd user session on display ${display}${wayland}`,
    };
  }
  // As root: run xdg-open as the user, pointed at their session (X display, Wayland socket, session bus),
  // or the browser would start as root, without a display, or on the wrong one.
  const env = [`DISPLAY=${display}`];
  if (target.uid !== undefined) {
    env.push(
      `XDG_RUNTIME_DIR=/run/user/${target.uid}`,
      `DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/${target.uid}/bus`,
    );
  }
  if (target.type === 'wayland') env.push('WAYLAND_DISPLAY=wayland-0');
  return {
    steps: [
      {
        command: 'runuser',
        args: ['-u', target.name, '--', 'env', ...env, 'xdg-open', url],
        settleMs: LAUNCH_SETTLE_MS,
      },
    ],
    description: `xdg-open as ${target.name} on display ${display}${wayland}`,
  };
}

function planMac(url: string, ctx: OpenContext, target: DetectedUser | null): OpenPlan {
  if (target !== null && ctx.agentUid !== 0 && !isSameUser(ctx, target)) refuseOtherUser(ctx, target);
  if (target === null || isSameUser(ctx, target) || target.name === 'root') {
    return {
      steps: [{ command: 'open', args: [url], settleMs: LAUNCH_SETTLE_MS }],
      description: `open as ${ctx.agentUser}`,
    };
  }
  // As root (a LaunchDaemon): enter the user's GUI bootstrap namespace, then become the user.
  const asUser = ['sudo', '-u', target.name, 'open', url];
  if (target.uid === undefined) {
    return {
      steps: [{ command: 'sudo', args: asUser.slice(1), settleMs: LAUNCH_SETTLE_MS }],
      description: `open as ${target.name}`,
    };
  }
  return {
    steps: [
      {
        command: 'launchctl',
        args: ['asuser', String(target.uid), ...asUser],
        settleMs: LAUNCH_SETTLE_MS,
      },
    ],
    description: `open as ${target.name} (uid ${target.uid}) in their GUI session`,
  };
}

/*
 * Windows: `rundll32 url.dll,FileProtocolHandler URL` rather than `cmd /c start "" "URL"`. cmd re-parses its
 * command line: `&` in a query string ends the command, `%NAME%` expands, `^` escapes, and Node's quoting of
 * arguments (backslash-escaped quotes) is not cmd's. rundll32 hands the URL to ShellExecute, which opens the
 * default browser, with no interpreter in between; it also fits the /TR of a scheduled task as is.
 */
function windowsOpenCommand(url: string): OpenStep {
  return { command: 'rundll32', args: ['url.dll,FileProtocolHandler', url], settleMs: LAUNCH_SETTLE_MS };
}

function planWindows(url: string, ctx: OpenContext, target: DetectedUser | null): OpenPlan {
  const asSystem = ctx.service === true || isWindowsSystemAccount(ctx.agentUser);
  if (target !== null && !asSystem && !isSameUser(ctx, target)) refuseOtherUser(ctx, target);
  if (target === null || isSameUser(ctx, target)) {
    return { steps: [windowsOpenCommand(url)], description: `rundll32 url.dll as ${ctx.agentUser}` };
  }
  // SYSTEM's processes live in session 0, which has no visible desktop. A task registered with /IT for the
  // logged-on user runs in that user's interactive session, with their token, and needs no password.
  const now = ctx.now ?? new Date();
  const id = createHash('sha256').update(`${now.toISOString()} ${url}`).digest('hex').slice(0, 8);
  const name = `Parley-Chat-${id}`;
  const runAs = target.domain ? `${target.domain}\\${target.name}` : target.name;
  const action = `rundll32.exe url.dll,FileProtocolHandler ${url}`;
  if (action.length > SCHTASKS_TR_MAX) {
    throw new Error(`URL too long for a scheduled task (${action.length} > ${SCHTASKS_TR_MAX} characters)`);
  }
  // /SC ONCE needs a start time: the current minute, already past, so the trigger itself never fires
  // (schtasks warns about it) and the page opens only through /Run.
  const startTime = `${twoDigits(now.getHours())}:${twoDigits(now.getMinutes())}`;
  // The launch file was made by SYSTEM in its own temp directory: the user's browser gets to read it, nothing more.
  const grant: OpenStep[] = url.startsWith('file:///')
    ? [{ command: 'icacls', args: [windowsPath(url), '/grant', `${runAs}:R`] }]
    : [];
  return {
    steps: [
      ...grant,
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
          startTime,
          '/RU',
          runAs,
          '/IT',
          '/TR',
          action,
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
    description: `scheduled task ${name} running rundll32 url.dll as ${runAs} in session ${target.sessionId ?? '?'}`,
  };
}

/** `file:///C:/dir/chat.html` → `C:\\dir\\chat.html` (whatever platform plans it). */
function windowsPath(fileUrl: string): string {
  return decodeURIComponent(fileUrl.slice('file:///'.length)).split('/').join('\\');
}

/** Linux: whether `uid`'s systemd user manager runs (it keeps its private socket in their runtime directory). */
export function userManagerRunning(uid: number | undefined, exists: (path: string) => boolean): boolean {
  return uid !== undefined && exists(`/run/user/${uid}/systemd/private`);
}

/** Decides how to open a local chat URL on the desktop of `ctx.target`. Throws for a non-local URL. */
export function planOpen(url: string, ctx: OpenContext): OpenPlan {
  const safeUrl = validateLocalUrl(url);
  const [command, ...args] = ctx.openWith ?? [];
  if (command !== undefined && command !== '') {
    // The person the operator chose, for a command that opens it in their session (on a shared computer).
    const env = ctx.target
      ? { PARLEY_END_USER: ctx.target.name, PARLEY_END_USER_SESSION: ctx.target.sessionId ?? '' }
      : undefined;
    return {
      steps: [{ command, args: [...args, safeUrl], settleMs: LAUNCH_SETTLE_MS, ...(env ? { env } : {}) }],
      description: `${command} (--open-with) as ${ctx.agentUser}`,
    };
  }
  switch (ctx.platform) {
    case 'win32':
      return planWindows(safeUrl, ctx, ctx.target);
    case 'darwin':
      return planMac(safeUrl, ctx, ctx.target);
    default:
      // Linux and the BSDs: xdg-utils.
      return planLinux(safeUrl, ctx, ctx.target);
  }
}

function describeFailure(plan: OpenPlan, step: OpenStep, result: CommandResult): string {
  const output = (result.stderr.trim() || result.stdout.trim()).replace(/\s+/g, ' ');
  const commandLine = [step.command, ...step.args].join(' ');
  return (
    `Could not open the chat page (${plan.description}): \`${commandLine}\` exited with code ${result.code}` +
    (output ? `: ${output}` : '')
  );
}

/**
 * Runs the steps of a plan in order. Throws with the failing command and its error output when a step exits
 * non-zero; cleanup steps still run then, and the first failure is the one reported.
 */
export async function openUrl(plan: OpenPlan, run: CommandRunner = runCommand): Promise<void> {
  let failure: Error | undefined;
  for (const step of plan.steps) {
    if (failure !== undefined && !step.cleanup) continue;
    if (failure === undefined && step.delayMs !== undefined && step.delayMs > 0) await sleep(step.delayMs);
    const options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {};
    if (step.env !== undefined) options.env = { ...process.env, ...step.env };
    if (step.settleMs !== undefined) options.timeoutMs = step.settleMs;
    const result = await run(step.command, step.args, options);
    const launched = step.settleMs !== undefined && result.code === EXIT_TIMED_OUT;
    if (result.code !== 0 && !launched && failure === undefined) {
      failure = new Error(describeFailure(plan, step, result));
    }
  }
  if (failure !== undefined) throw failure;
}
