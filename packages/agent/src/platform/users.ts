import type { SessionKind } from '@parley/protocol';
import { type CommandRunner, runCommand } from './exec.js';

/** A user logged on to this computer, as far as the operating system tells. */
export interface DetectedUser {
  name: string;
  uid?: number;
  /** Windows only: the account's domain (or computer name for local accounts), when known. */
  domain?: string;
  /** logind session id on Linux, session ID on Windows. */
  sessionId?: string;
  /** X11 display (`:0`) of the session, when known. */
  display?: string;
  /** logind session type on Linux: `x11`, `wayland`, `tty`, `mir`, `unspecified`... */
  type?: string;
  graphical: boolean;
  remote: boolean;
  /** Whether the session is the one in front (active seat session, connected RDP session...), when known. */
  active?: boolean;
  /** When the session began (ISO 8601, UTC), when the OS says in a form read here. */
  since?: string;
  /**
   * At the computer (`console`: its screen, a local tty) or from elsewhere (`remote`: RDP, ssh), when the OS says
   * (a disconnected Windows session says neither).
   */
  session?: SessionKind;
  /**
   * The name this person is reported and chosen by, when it is not `name`: `DOMAIN\name` while another person of
   * the same name from another domain is logged on too (a terminal server), so the two are never taken for one.
   */
  label?: string;
}

/** The name a person is reported to the server by, and that a chat's `endUserName` is compared with. */
export function reportedName(user: DetectedUser): string {
  return user.label ?? user.name;
}

/**
 * A wall-clock time the OS printed in this computer's time zone (`2024-05-14 08:58[:01]`), as ISO 8601 UTC; null
 * when it is no real time. Both `loginctl` and `query user` print local time, and the agent runs in that zone.
 */
function localTime(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second = 0,
): string | null {
  const at = new Date(year, month - 1, day, hour, minute, second);
  // Date rolls 2024-02-31 over into March: a field out of range means the text was not a time.
  if (Number.isNaN(at.getTime()) || at.getMonth() !== month - 1 || at.getDate() !== day) return null;
  if (at.getHours() !== hour || at.getMinutes() !== minute) return null;
  return at.toISOString();
}

// ---------------------------------------------------------------------------------------------------------
// Linux: loginctl
// ---------------------------------------------------------------------------------------------------------

export interface LoginctlListEntry {
  sessionId: string;
  uid: number;
  user: string;
}

/**
 * Parses `loginctl list-sessions --no-legend`. Only the first three columns (SESSION UID USER) are stable
 * across systemd versions: later columns (SEAT, TTY, STATE, LEADER, CLASS, IDLE...) come and go, and old
 * versions print a blank SEAT for seatless sessions, so they are ignored here.
 */
export function parseLoginctlList(stdout: string): LoginctlListEntry[] {
  const entries: LoginctlListEntry[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^\s*(\S+)\s+(\d+)\s+(\S+)/.exec(line);
    if (!match) continue; // blank lines, a legend, "No sessions."
    const [, sessionId = '', uid = '', user = ''] = match;
    entries.push({ sessionId, uid: Number(uid), user });
  }
  return entries;
}

/** The properties of `loginctl show-session ID -p ...` this module uses. */
export interface LoginctlSession {
  name?: string;
  uid?: number;
  type?: string;
  class?: string;
  remote?: boolean;
  display?: string;
  state?: string;
  active?: boolean;
  /** When the session began (`Timestamp`), ISO 8601 UTC. */
  since?: string;
}

/** The properties requested from `loginctl show-session`. A session exposes its uid as `User`. */
export const LOGINCTL_PROPERTIES = [
  'Name',
  'User',
  'Type',
  'Class',
  'Remote',
  'Display',
  'State',
  'Active',
  'Timestamp',
];

/**
 * Reads logind's `Timestamp=Tue 2024-05-14 08:58:01 CEST`: the local time (the zone's abbreviation is this
 * computer's, or UTC); undefined when blank (`n/a`) or in another form.
 */
export function parseLoginctlTimestamp(value: string | undefined): string | undefined {
  const match = /(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?: (\S+))?/.exec(value ?? '');
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (match[7] === 'UTC' || match[7] === 'GMT') {
    const at = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    return Number.isNaN(at.getTime()) ? undefined : at.toISOString();
  }
  return localTime(year, month, day, hour, minute, second) ?? undefined;
}

function parseUid(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim());
}

function parseYesNo(value: string | undefined): boolean | undefined {
  if (value === 'yes') return true;
  if (value === 'no') return false;
  return undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/** Parses the `Key=value` lines of `loginctl show-session`. */
export function parseLoginctlShow(stdout: string): LoginctlSession {
  const props = new Map<string, string>();
  for (const line of stdout.split(/\r?\n/)) {
    const equals = line.indexOf('=');
    if (equals <= 0) continue;
    props.set(line.slice(0, equals).trim(), line.slice(equals + 1));
  }
  return {
    name: nonEmpty(props.get('Name')),
    // `User` is the real session property; `UID` is accepted too in case some version prints it.
    uid: parseUid(props.get('User')) ?? parseUid(props.get('UID')),
    type: nonEmpty(props.get('Type')),
    class: nonEmpty(props.get('Class')),
    remote: parseYesNo(props.get('Remote')?.trim()),
    display: nonEmpty(props.get('Display')),
    state: nonEmpty(props.get('State')),
    active: parseYesNo(props.get('Active')?.trim()),
    since: parseLoginctlTimestamp(props.get('Timestamp')),
  };
}

const GRAPHICAL_SESSION_TYPES = new Set(['x11', 'wayland', 'mir']);

/**
 * Turns a logind session into a user, or null when it is not a person's session: greeters (gdm,
 * lightdm), the per-user service manager (`Class=manager`, systemd 256+) and sessions being torn down.
 */
export function loginctlSessionToUser(
  entry: LoginctlListEntry,
  session: LoginctlSession,
): DetectedUser | null {
  if (session.class !== 'user') return null;
  if (session.state === 'closing') return null;
  const type = session.type;
  const user: DetectedUser = {
    name: session.name ?? entry.user,
    uid: session.uid ?? entry.uid,
    sessionId: entry.sessionId,
    graphical: (type !== undefined && GRAPHICAL_SESSION_TYPES.has(type)) || session.display !== undefined,
    remote: session.remote === true,
  };
  if (session.remote !== undefined) user.session = session.remote ? 'remote' : 'console';
  if (session.display !== undefined) user.display = session.display;
  if (type !== undefined) user.type = type;
  if (session.active !== undefined) user.active = session.active;
  else if (session.state !== undefined) user.active = session.state === 'active';
  if (session.since !== undefined) user.since = session.since;
  return user;
}

// ---------------------------------------------------------------------------------------------------------
// who (Linux fallback, macOS)
// ---------------------------------------------------------------------------------------------------------

const X_DISPLAY = /^:\d+(\.\d+)?$/;

/** Splits a trailing `(comment)` off a `who` line; the comment may itself hold parentheses (tmux). */
function splitTrailingComment(line: string): { rest: string; comment?: string } {
  if (!line.endsWith(')')) return { rest: line };
  let depth = 0;
  for (let index = line.length - 1; index >= 0; index -= 1) {
    const char = line[index];
    if (char === ')') depth += 1;
    else if (char === '(') {
      depth -= 1;
      if (depth === 0) return { rest: line.slice(0, index).trimEnd(), comment: line.slice(index + 1, -1) };
    }
  }
  return { rest: line };
}

/**
 * Whether the `(comment)` of a `who` line names a local origin rather than the remote host of an ssh or
 * telnet login: an X display (`:0`), a GNU screen window (`:pts/3:S.0`), a tmux pane (`tmux(1234).%0`),
 * or what coreutils 9.4+ prints when it reads logind instead of utmp (`(tty2)`, `(login screen)`).
 */
function isLocalWhoComment(comment: string, line: string): boolean {
  const value = comment.trim();
  if (value === '' || value.startsWith(':')) return true;
  if (value === line || value === 'login screen') return true;
  if (/^(tty|pts\/|ttys|console)/.test(value)) return true;
  return value.startsWith('tmux(');
}

/**
 * Parses plain `who` output (NAME LINE TIME [(COMMENT)]) from coreutils or BSD/macOS. The time format
 * depends on the locale and is not used. One entry per line: the caller dedupes.
 */
export function parseWho(stdout: string): DetectedUser[] {
  const users: DetectedUser[] = [];
  for (const raw of stdout.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') continue;
    const { rest, comment } = splitTrailingComment(line);
    const [name, tty] = rest.split(/\s+/);
    if (!name || !tty) continue;
    const commentDisplay =
      comment !== undefined && X_DISPLAY.test(comment.trim()) ? comment.trim() : undefined;
    const display = X_DISPLAY.test(tty) ? tty : commentDisplay;
    const remote = comment !== undefined && !isLocalWhoComment(comment, tty);
    const user: DetectedUser = {
      name,
      graphical: display !== undefined || tty === 'console' || /^seat\d+$/.test(tty),
      remote,
      session: remote ? 'remote' : 'console',
    };
    if (display !== undefined) user.display = display;
    users.push(user);
  }
  return users;
}

// ---------------------------------------------------------------------------------------------------------
// macOS console owner
// ---------------------------------------------------------------------------------------------------------

/** Owners of /dev/console that are not a person: the login window and the setup assistant. */
const MAC_NON_USERS = new Set(['root', '_mbsetupuser', 'loginwindow']);

/** Parses `stat -f %Su /dev/console`: the user in front of the Mac, or null at the login window. */
export function parseConsoleOwner(stdout: string): string | null {
  const name = stdout.trim();
  if (name === '' || MAC_NON_USERS.has(name)) return null;
  return name;
}

/** Parses `id -u NAME`. */
export function parseIdUid(stdout: string): number | undefined {
  return parseUid(stdout);
}

// ---------------------------------------------------------------------------------------------------------
// Windows: query user (quser), tasklist
// ---------------------------------------------------------------------------------------------------------

/** `State` words meaning a connected session in the Windows display languages seen in the field. */
const WINDOWS_ACTIVE_STATES = /^(activ|aktiv|actif|attiv|ativ|actie|aktyw)/i;

/** A data line: [NAME [SESSIONNAME]] ID STATE IDLE LOGON-TIME (which may hold spaces: "5/13/2024 8:58 AM"). */
const QUERY_USER_LINE = /^(.+?)\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S.*)$/;

/**
 * Reads the LOGON TIME of `query user`, as this computer's display language prints it: `5/13/2024 8:58 AM` (US),
 * `13/05/2024 08:58` (UK), `13.05.2024 08:58` (German), `2024-05-13 08:58` (ISO). Undefined for other forms.
 */
export function parseQueryUserLogonTime(text: string): string | undefined {
  const value = text.trim();
  let parts: [number, number, number, number, number] | null = null;
  const iso = /^(\d{4})-(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})/.exec(value);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})/.exec(value);
  const slashed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})\s+(\d{1,2}):(\d{2})(?:\s*([AP]M))?$/i.exec(value);
  if (iso) parts = [Number(iso[1]), Number(iso[2]), Number(iso[3]), Number(iso[4]), Number(iso[5])];
  else if (dotted)
    parts = [Number(dotted[3]), Number(dotted[2]), Number(dotted[1]), Number(dotted[4]), Number(dotted[5])];
  else if (slashed) {
    const meridiem = slashed[6]?.toUpperCase();
    let hour = Number(slashed[4]);
    if (meridiem !== undefined && (hour < 1 || hour > 12)) return undefined;
    if (meridiem === 'PM' && hour < 12) hour += 12;
    if (meridiem === 'AM' && hour === 12) hour = 0;
    // Month first with AM/PM (the US), day first without (the UK and most others).
    const [month, day] = meridiem
      ? [Number(slashed[1]), Number(slashed[2])]
      : [Number(slashed[2]), Number(slashed[1])];
    parts = [Number(slashed[3]), month, day, hour, Number(slashed[5])];
  }
  if (parts === null) return undefined;
  return localTime(...parts) ?? undefined;
}

function stripMarker(line: string): string {
  // Every line starts with a one-character marker column: ` ` or `>` for the caller's own session.
  return line.startsWith(' ') || line.startsWith('>') ? line.slice(1) : line;
}

/** Column where SESSIONNAME starts, from the (possibly localized) header's second word. */
function sessionColumn(header: string): number | undefined {
  const match = /^(\s*\S+\s+)\S/.exec(header);
  return match?.[1]?.length;
}

function splitNameAndSession(prefix: string, column: number | undefined): { name: string; session: string } {
  if (column !== undefined && prefix.length > column && /\s/.test(prefix[column - 1] ?? '')) {
    const name = prefix.slice(0, column).trim();
    if (name !== '') return { name, session: prefix.slice(column).trim() };
  }
  if (column !== undefined && prefix.length <= column) return { name: prefix.trim(), session: '' };
  // No usable header: the session name never holds spaces, so it is the last word when there are two.
  const words = prefix.trim().split(/\s+/);
  if (words.length < 2) return { name: words[0] ?? '', session: '' };
  return { name: words.slice(0, -1).join(' '), session: words[words.length - 1] ?? '' };
}

/**
 * Parses `query user` (quser) output:
 *
 *  USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME
 * >alice                 console             1  Active      none   5/13/2024 8:58 AM
 *  carol                                     3  Disc        1:02   5/12/2024 4:40 PM
 *
 * The header and the STATE words are localized and SESSIONNAME is blank for disconnected sessions, so
 * lines are matched on the numeric ID column and split at the header's SESSIONNAME column.
 */
export function parseQueryUser(stdout: string): DetectedUser[] {
  const users: DetectedUser[] = [];
  let column: number | undefined;
  let sawHeader = false;
  for (const raw of stdout.split(/\r?\n/)) {
    if (raw.trim() === '') continue;
    const line = stripMarker(raw.trimEnd());
    const match = QUERY_USER_LINE.exec(line);
    if (!match) {
      if (!sawHeader) {
        sawHeader = true;
        column = sessionColumn(line);
      }
      continue;
    }
    const [, prefix = '', id = '', state = '', , logonTime = ''] = match;
    const { name, session } = splitNameAndSession(prefix, column);
    if (name === '') continue;
    const connected = session !== '' && WINDOWS_ACTIVE_STATES.test(state);
    users.push({
      name,
      sessionId: id,
      graphical: true,
      remote: session !== '' && session.toLowerCase() !== 'console',
      active: connected,
      ...optional('session', windowsSessionKind(session)),
      ...optional('since', parseQueryUserLogonTime(logonTime)),
    });
  }
  return users;
}

/** A Windows SESSIONNAME: `console`, `rdp-tcp#12`…, or blank for a disconnected session (which says neither). */
function windowsSessionKind(sessionName: string): SessionKind | undefined {
  if (sessionName === '') return undefined;
  return sessionName.toLowerCase() === 'console' ? 'console' : 'remote';
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function parseCsvLine(line: string): string[] {
  const fields: string[] = [];
  for (const match of line.matchAll(/"((?:[^"]|"")*)"/g)) fields.push((match[1] ?? '').replaceAll('""', '"'));
  return fields;
}

/**
 * Parses `tasklist /V /FO CSV /NH /FI "IMAGENAME eq explorer.exe"`: one desktop shell per interactive
 * session. Used where `query.exe` does not exist (Windows Home editions).
 */
export function parseTasklistExplorer(stdout: string): DetectedUser[] {
  const users: DetectedUser[] = [];
  for (const raw of stdout.split(/\r?\n/)) {
    if (!raw.startsWith('"')) continue; // "INFO: No tasks are running which match the specified criteria."
    const [, , session = '', id = '', , , account = ''] = parseCsvLine(raw);
    if (!/^\d+$/.test(id) || account === '' || account === 'N/A') continue;
    const slash = account.lastIndexOf('\\');
    const user: DetectedUser = {
      name: slash >= 0 ? account.slice(slash + 1) : account,
      sessionId: id,
      graphical: true,
      remote: session !== '' && session.toLowerCase() !== 'console',
      active: session !== '',
      ...optional('session', windowsSessionKind(session)),
    };
    if (slash > 0) user.domain = account.slice(0, slash);
    users.push(user);
  }
  return users;
}

// ---------------------------------------------------------------------------------------------------------
// Merging
// ---------------------------------------------------------------------------------------------------------

/**
 * How useful a session is to open a page in: graphical first, then in front (not disconnected or switched
 * out: a disconnected RDP session shows nothing to anyone), then local.
 */
function rank(user: DetectedUser): number {
  return (user.graphical ? 4 : 0) + (user.active === false ? 0 : 2) + (user.remote ? 0 : 1);
}

/**
 * Keeps one entry per person, the one of their most useful session (graphical, active, local), and
 * sorts the users the same way, so graphical local users come first. User-level facts (uid, domain)
 * missing from the kept session are taken from the others. People of one name from different domains stay
 * apart, each labelled `DOMAIN\name`.
 */
export function dedupeUsers(users: DetectedUser[], caseInsensitive = false): DetectedUser[] {
  const key = (name: string): string => (caseInsensitive ? name.toLowerCase() : name);
  const byName = new Map<string, DetectedUser[]>();
  for (const user of users) byName.set(key(user.name), [...(byName.get(key(user.name)) ?? []), user]);
  const kept: DetectedUser[] = [];
  for (const sessions of byName.values()) {
    const domains = new Set(
      sessions.flatMap((user) => (user.domain === undefined ? [] : [key(user.domain)])),
    );
    if (domains.size < 2) {
      kept.push(mostUseful(sessions));
      continue;
    }
    // Two people of one name from different domains: one entry each, named with its domain. A session whose
    // domain is unknown could be either's, so it is left out rather than shown to the wrong one.
    for (const domain of domains) {
      const person = mostUseful(
        sessions.filter((user) => user.domain !== undefined && key(user.domain) === domain),
      );
      kept.push({ ...person, label: `${person.domain}\\${person.name}` });
    }
  }
  return kept.sort((a, b) => rank(b) - rank(a) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** One person's most useful session, with the user-level facts (uid, domain) the others know. */
function mostUseful(sessions: readonly DetectedUser[]): DetectedUser {
  let kept: DetectedUser | undefined;
  for (const user of sessions) {
    if (!kept) {
      kept = { ...user };
      continue;
    }
    const [best, other] = rank(user) > rank(kept) ? [{ ...user }, kept] : [kept, user];
    if (best.uid === undefined && other.uid !== undefined) best.uid = other.uid;
    if (best.domain === undefined && other.domain !== undefined) best.domain = other.domain;
    kept = best;
  }
  if (!kept) throw new Error('no session');
  return kept;
}

// ---------------------------------------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------------------------------------

async function resolveUids(users: DetectedUser[], run: CommandRunner): Promise<void> {
  const names = [...new Set(users.filter((user) => user.uid === undefined).map((user) => user.name))];
  const uids = new Map<string, number>();
  await Promise.all(
    names.map(async (name) => {
      const result = await run('id', ['-u', '--', name]);
      const uid = result.code === 0 ? parseIdUid(result.stdout) : undefined;
      if (uid !== undefined) uids.set(name, uid);
    }),
  );
  for (const user of users) {
    const uid = uids.get(user.name);
    if (user.uid === undefined && uid !== undefined) user.uid = uid;
  }
}

async function detectWithWho(run: CommandRunner): Promise<DetectedUser[]> {
  const result = await run('who', []);
  if (result.code !== 0) return [];
  const users = parseWho(result.stdout);
  await resolveUids(users, run);
  return users;
}

async function detectLinux(run: CommandRunner): Promise<DetectedUser[]> {
  const list = await run('loginctl', ['list-sessions', '--no-legend']);
  // No systemd-logind (containers, non-systemd distributions, WSL without systemd): fall back to utmp.
  if (list.code !== 0) return detectWithWho(run);
  const properties = LOGINCTL_PROPERTIES.flatMap((property) => ['-p', property]);
  const sessions = await Promise.all(
    parseLoginctlList(list.stdout).map(async (entry) => {
      const show = await run('loginctl', ['show-session', entry.sessionId, ...properties]);
      // A session that ended between the two calls ("No session '7' known") is simply skipped.
      if (show.code !== 0) return null;
      return loginctlSessionToUser(entry, parseLoginctlShow(show.stdout));
    }),
  );
  return sessions.filter((user): user is DetectedUser => user !== null);
}

async function detectMac(run: CommandRunner): Promise<DetectedUser[]> {
  const [owner, who] = await Promise.all([run('stat', ['-f', '%Su', '/dev/console']), run('who', [])]);
  const consoleUser = owner.code === 0 ? parseConsoleOwner(owner.stdout) : null;
  const users: DetectedUser[] = [];
  if (consoleUser !== null)
    users.push({ name: consoleUser, graphical: true, remote: false, active: true, session: 'console' });
  if (who.code === 0) {
    for (const user of parseWho(who.stdout)) {
      // With fast user switching, several users own a `console` line; only the console owner is in front.
      if (user.graphical && !user.remote) user.active = user.name === consoleUser;
      users.push(user);
    }
  }
  await resolveUids(users, run);
  return users;
}

async function detectWindows(run: CommandRunner): Promise<DetectedUser[]> {
  const query = await run('query', ['user']);
  if (query.code === 0) return parseQueryUser(query.stdout);
  // Exit code 1 with "No User exists for *" (localized) on stderr: nobody is logged on.
  if (query.code !== 127) return parseQueryUser(query.stdout);
  // query.exe is missing on Windows Home editions: list the desktop shells instead.
  const tasks = await run('tasklist', ['/V', '/FO', 'CSV', '/NH', '/FI', 'IMAGENAME eq explorer.exe']);
  return tasks.code === 0 ? parseTasklistExplorer(tasks.stdout) : [];
}

/**
 * Lists the users logged on to this computer, one entry per user (their most useful session), graphical
 * local users first. Never throws for a missing or failing command: it then reports fewer users.
 */
export async function detectLoggedOnUsers(
  platform: NodeJS.Platform = process.platform,
  run: CommandRunner = runCommand,
): Promise<DetectedUser[]> {
  switch (platform) {
    case 'win32':
      return dedupeUsers(await detectWindows(run), true);
    case 'darwin':
      return dedupeUsers(await detectMac(run));
    case 'linux':
      return dedupeUsers(await detectLinux(run));
    default:
      // FreeBSD, OpenBSD, SunOS...: `who` is the common denominator.
      return dedupeUsers(await detectWithWho(run));
  }
}
