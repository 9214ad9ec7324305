import { describe, expect, it } from 'vitest';
import type { CommandResult, CommandRunner } from './exec.js';
import {
  dedupeUsers,
  detectLoggedOnUsers,
  LOGINCTL_PROPERTIES,
  loginctlSessionToUser,
  parseConsoleOwner,
  parseIdUid,
  parseLoginctlList,
  parseLoginctlShow,
  parseLoginctlTimestamp,
  parseQueryUser,
  parseQueryUserLogonTime,
  parseTasklistExplorer,
  parseWho,
  reportedName,
} from './users.js';

// --- Captured outputs -------------------------------------------------------------------------------------

/** Ubuntu 22.04 (systemd 249): SESSION UID USER SEAT TTY, blank SEAT for an ssh session. */
const LOGINCTL_LIST_249 = `      2 1000 alice seat0 tty2
     c1  128 gdm   seat0 tty1
     14 1001 bob         pts/0
      7 1000 alice       pts/1
`;

/** Fedora 40 (systemd 255): STATE IDLE SINCE columns, `-` for empty cells. */
const LOGINCTL_LIST_255 = `      3 1000 alice seat0 tty2  active no   -
      8 1002 carol -     pts/0 active no   -
     c1   42 gdm   seat0 tty1  online no   -
`;

/** systemd 256: LEADER and CLASS columns, and the per-user manager as a session of its own. */
const LOGINCTL_LIST_256 = `      2 1000 alice seat0 1620   user    tty2 no   -
      4 1000 alice -     2201   manager -    no   -
     c1  120 gdm   seat0 1090   greeter tty1 no   -
`;

const SHOW_ALICE_WAYLAND = `User=1000
Name=alice
Display=
Remote=no
Type=wayland
Class=user
Active=yes
State=active
`;

const SHOW_ALICE_SSH = `User=1000
Name=alice
Display=
Remote=yes
Type=tty
Class=user
Active=yes
State=active
`;

const SHOW_GDM_GREETER = `User=128
Name=gdm
Display=
Remote=no
Type=wayland
Class=greeter
Active=no
State=online
`;

const SHOW_BOB_SSH_CLOSING = `User=1001
Name=bob
Display=
Remote=yes
Type=tty
Class=user
Active=yes
State=closing
`;

const SHOW_CAROL_SSH = `User=1002
Name=carol
Display=
Remote=yes
Type=tty
Class=user
Active=yes
State=active
`;

const SHOW_ALICE_MANAGER = `User=1000
Name=alice
Display=
Remote=no
Type=unspecified
Class=manager
Active=yes
State=active
`;

/** lightdm + Xorg session: Display is set. */
const SHOW_DAVE_X11 = `User=1003
Name=dave
Display=:0
Remote=no
Type=x11
Class=user
Active=yes
State=active
`;

/** coreutils `who` on utmp, ISO time (any non-C locale). */
const WHO_UTMP = `alice    tty7         2024-05-13 08:58 (:0)
alice    pts/0        2024-05-13 09:01 (:0)
bob      pts/1        2024-05-13 09:15 (192.168.1.20)
root     tty1         2024-05-13 09:30
dave     pts/2        2024-05-13 09:40 (tmux(4242).%0)
erin     pts/3        2024-05-13 09:41 (:pts/1:S.0)
frank    pts/4        2024-05-13 09:45 (ws-frank.corp.example.com)
`;

/** coreutils 9.4+ reading logind instead of utmp (Fedora 40, Ubuntu 24.04). */
const WHO_LOGIND = `alice    seat0        2024-05-13 08:58 (login screen)
alice    tty2         2024-05-13 08:58 (tty2)
bob      pts/1        2024-05-13 09:15 (10.0.0.7)
`;

/** coreutils `who` in the C locale: `%b %e` dates, a display as the line. */
const WHO_C_LOCALE = `gina     :0           May  3 08:58 (:0)
gina     pts/0        May  3 09:01 (:0.0)
`;

/** macOS `who`: BSD columns, trailing blank, fast user switching (two console owners). */
const WHO_MAC = `alice    console  May 13 08:58 
alice    ttys000  May 13 09:01 
bob      console  May 13 07:30 
carol    ttys001  May 13 09:15 (192.168.1.20)
`;

const QUERY_USER = [
  ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
  ' alice                 console             1  Active       none  5/13/2024 8:58 AM',
  '>bob                   rdp-tcp#3           2  Active          .  5/13/2024 9:15 AM',
  ' carol                                     3  Disc         1:02  5/12/2024 4:40 PM',
  ' bob                                       4  Disc      1+02:13  5/10/2024 11:05 AM',
  '',
].join('\r\n');

const QUERY_USER_SPACES = [
  ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
  ' John Smith            rdp-tcp#5           5  Active          7  5/13/2024 10:02 AM',
  ' Jane Doe                                  6  Disc            2  5/13/2024 7:12 AM',
  '',
].join('\r\n');

/** German Windows: localized header and states. */
const QUERY_USER_DE = [
  ' BENUTZERNAME          SITZUNGSNAME       ID  STATUS  LEERLAUF   ANMELDEZEIT',
  '>max.mustermann        console             1  Aktiv        Kein  13.05.2024 08:58',
  ' erika                                     2  Getr.        1:02  12.05.2024 16:40',
  ' jonas                 rdp-tcp#1           3  Aktiv           5  13.05.2024 09:12',
  '',
].join('\r\n');

const TASKLIST_EXPLORER = [
  '"explorer.exe","5068","Console","1","112,344 K","Running","DESKTOP-7H2K9QL\\alice","0:00:41","N/A"',
  '"explorer.exe","9120","RDP-Tcp#3","2","98,016 K","Running","CONTOSO\\bob","0:00:12","N/A"',
  '',
].join('\r\n');

const TASKLIST_NONE = '\r\nINFO: No tasks are running which match the specified criteria.\r\n';

// --- Fake runner: the OS's answers ------------------------------------------------------------------------

const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', code: 0 });
const fail = (code: number, stderr: string, stdout = ''): CommandResult => ({ stdout, stderr, code });
const notFound = (command: string): CommandResult => fail(127, `spawn ${command} ENOENT`);

const SHOW_ARGS = LOGINCTL_PROPERTIES.flatMap((property) => ['-p', property]).join(' ');
const show = (id: string): string => `loginctl show-session ${id} ${SHOW_ARGS}`;

function fakeRunner(answers: Record<string, CommandResult>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  const run = async (command: string, args: string[]): Promise<CommandResult> => {
    const line = [command, ...args].join(' ');
    calls.push(line);
    return answers[line] ?? notFound(command);
  };
  return Object.assign(run, { calls });
}

/** A time as this computer's clock shows it (the OS prints logon times so), in ISO 8601 UTC. */
const local = (year: number, month: number, day: number, hour: number, minute: number, second = 0): string =>
  new Date(year, month - 1, day, hour, minute, second).toISOString();

/** A `query user` session as parsed before its SESSIONNAME and LOGON TIME are read. */
const windows = (name: string, sessionId: string, active: boolean) => ({
  name,
  sessionId,
  graphical: true,
  remote: false,
  active,
});

// --- Parsers ----------------------------------------------------------------------------------------------

describe('parseLoginctlList', () => {
  it('reads SESSION UID USER and ignores the varying later columns', () => {
    expect(parseLoginctlList(LOGINCTL_LIST_249)).toEqual([
      { sessionId: '2', uid: 1000, user: 'alice' },
      { sessionId: 'c1', uid: 128, user: 'gdm' },
      { sessionId: '14', uid: 1001, user: 'bob' },
      { sessionId: '7', uid: 1000, user: 'alice' },
    ]);
    expect(parseLoginctlList(LOGINCTL_LIST_256).map((entry) => entry.sessionId)).toEqual(['2', '4', 'c1']);
  });

  it('skips a legend and "No sessions."', () => {
    const withLegend = `SESSION  UID USER  SEAT  TTY\n      2 1000 alice seat0 tty2\n\n1 sessions listed.\n`;
    expect(parseLoginctlList(withLegend)).toEqual([{ sessionId: '2', uid: 1000, user: 'alice' }]);
    expect(parseLoginctlList('No sessions.\n')).toEqual([]);
    expect(parseLoginctlList('')).toEqual([]);
  });
});

describe('parseLoginctlShow', () => {
  it('reads the properties, blank Display as absent', () => {
    expect(parseLoginctlShow(SHOW_ALICE_WAYLAND)).toEqual({
      name: 'alice',
      uid: 1000,
      type: 'wayland',
      class: 'user',
      remote: false,
      display: undefined,
      state: 'active',
      active: true,
    });
    expect(parseLoginctlShow(SHOW_DAVE_X11)).toMatchObject({ display: ':0', type: 'x11' });
  });

  it('accepts UID= as well as User=', () => {
    expect(parseLoginctlShow('UID=1005\nName=hank\n').uid).toBe(1005);
  });
});

describe('loginctlSessionToUser', () => {
  const entry = { sessionId: '2', uid: 1000, user: 'alice' };

  it('keeps user sessions with their facts', () => {
    expect(loginctlSessionToUser(entry, parseLoginctlShow(SHOW_ALICE_WAYLAND))).toEqual({
      name: 'alice',
      uid: 1000,
      sessionId: '2',
      type: 'wayland',
      graphical: true,
      remote: false,
      session: 'console',
      active: true,
    });
    expect(loginctlSessionToUser(entry, parseLoginctlShow(SHOW_ALICE_SSH))).toMatchObject({
      graphical: false,
      remote: true,
      session: 'remote',
      type: 'tty',
    });
  });

  it('drops greeters, user managers and closing sessions', () => {
    expect(loginctlSessionToUser(entry, parseLoginctlShow(SHOW_GDM_GREETER))).toBeNull();
    expect(loginctlSessionToUser(entry, parseLoginctlShow(SHOW_ALICE_MANAGER))).toBeNull();
    expect(loginctlSessionToUser(entry, parseLoginctlShow(SHOW_BOB_SSH_CLOSING))).toBeNull();
  });

  it('falls back to the list for name and uid', () => {
    const user = loginctlSessionToUser(entry, parseLoginctlShow('Class=user\nType=tty\nState=online\n'));
    expect(user).toEqual({
      name: 'alice',
      uid: 1000,
      sessionId: '2',
      type: 'tty',
      graphical: false,
      remote: false,
      active: false,
    });
  });
});

describe('parseWho', () => {
  it('parses utmp-based coreutils output', () => {
    expect(parseWho(WHO_UTMP)).toEqual([
      { name: 'alice', display: ':0', graphical: true, remote: false, session: 'console' },
      { name: 'alice', display: ':0', graphical: true, remote: false, session: 'console' },
      { name: 'bob', graphical: false, remote: true, session: 'remote' },
      { name: 'root', graphical: false, remote: false, session: 'console' },
      { name: 'dave', graphical: false, remote: false, session: 'console' },
      { name: 'erin', graphical: false, remote: false, session: 'console' },
      { name: 'frank', graphical: false, remote: true, session: 'remote' },
    ]);
  });

  it('parses logind-based coreutils output (seat0, "login screen", "(tty2)")', () => {
    expect(parseWho(WHO_LOGIND)).toEqual([
      { name: 'alice', graphical: true, remote: false, session: 'console' },
      { name: 'alice', graphical: false, remote: false, session: 'console' },
      { name: 'bob', graphical: false, remote: true, session: 'remote' },
    ]);
  });

  it('parses C-locale dates and a display as the line', () => {
    expect(parseWho(WHO_C_LOCALE)).toEqual([
      { name: 'gina', display: ':0', graphical: true, remote: false, session: 'console' },
      { name: 'gina', display: ':0.0', graphical: true, remote: false, session: 'console' },
    ]);
  });

  it('parses macOS output with the console line', () => {
    expect(parseWho(WHO_MAC)).toEqual([
      { name: 'alice', graphical: true, remote: false, session: 'console' },
      { name: 'alice', graphical: false, remote: false, session: 'console' },
      { name: 'bob', graphical: true, remote: false, session: 'console' },
      { name: 'carol', graphical: false, remote: true, session: 'remote' },
    ]);
  });

  it('returns nothing for empty output', () => {
    expect(parseWho('')).toEqual([]);
    expect(parseWho('\n')).toEqual([]);
  });
});

describe('parseConsoleOwner and parseIdUid', () => {
  it('ignores the login window and setup assistant owners', () => {
    expect(parseConsoleOwner('alice\n')).toBe('alice');
    expect(parseConsoleOwner('root\n')).toBeNull();
    expect(parseConsoleOwner('_mbsetupuser\n')).toBeNull();
    expect(parseConsoleOwner('')).toBeNull();
  });

  it('reads id -u', () => {
    expect(parseIdUid('501\n')).toBe(501);
    expect(parseIdUid('')).toBeUndefined();
  });
});

describe('parseQueryUser', () => {
  it('parses sessions, the > marker and blank SESSIONNAME of disconnected sessions', () => {
    expect(parseQueryUser(QUERY_USER)).toEqual([
      { ...windows('alice', '1', true), session: 'console', since: local(2024, 5, 13, 8, 58) },
      { ...windows('bob', '2', true), remote: true, session: 'remote', since: local(2024, 5, 13, 9, 15) },
      // Disconnected: no SESSIONNAME, so neither console nor remote.
      { ...windows('carol', '3', false), since: local(2024, 5, 12, 16, 40) },
      { ...windows('bob', '4', false), since: local(2024, 5, 10, 11, 5) },
    ]);
  });

  it('keeps user names with spaces whole, by the header columns', () => {
    expect(parseQueryUser(QUERY_USER_SPACES)).toEqual([
      {
        ...windows('John Smith', '5', true),
        remote: true,
        session: 'remote',
        since: local(2024, 5, 13, 10, 2),
      },
      { ...windows('Jane Doe', '6', false), since: local(2024, 5, 13, 7, 12) },
    ]);
  });

  it('parses a localized (German) header and states', () => {
    expect(parseQueryUser(QUERY_USER_DE)).toEqual([
      { ...windows('max.mustermann', '1', true), session: 'console', since: local(2024, 5, 13, 8, 58) },
      { ...windows('erika', '2', false), since: local(2024, 5, 12, 16, 40) },
      { ...windows('jonas', '3', true), remote: true, session: 'remote', since: local(2024, 5, 13, 9, 12) },
    ]);
  });

  it('splits on words when the header is missing', () => {
    const lines = QUERY_USER.split('\r\n').slice(1).join('\n');
    expect(parseQueryUser(lines).map((user) => [user.name, user.remote, user.active])).toEqual([
      ['alice', false, true],
      ['bob', true, true],
      ['carol', false, false],
      ['bob', false, false],
    ]);
  });

  it('returns nothing for empty output', () => {
    expect(parseQueryUser('')).toEqual([]);
  });
});

describe('parseTasklistExplorer', () => {
  it('reads one desktop per explorer.exe, with domains', () => {
    expect(parseTasklistExplorer(TASKLIST_EXPLORER)).toEqual([
      {
        name: 'alice',
        domain: 'DESKTOP-7H2K9QL',
        sessionId: '1',
        graphical: true,
        remote: false,
        session: 'console',
        active: true,
      },
      {
        name: 'bob',
        domain: 'CONTOSO',
        sessionId: '2',
        graphical: true,
        remote: true,
        session: 'remote',
        active: true,
      },
    ]);
    expect(parseTasklistExplorer(TASKLIST_NONE)).toEqual([]);
  });
});

describe('dedupeUsers', () => {
  it('keeps the graphical, local, active session and fills the uid from another', () => {
    const users = dedupeUsers([
      { name: 'alice', sessionId: '7', uid: 1000, graphical: false, remote: true, active: true },
      { name: 'alice', sessionId: '2', graphical: true, remote: false, active: true },
      { name: 'alice', sessionId: '9', graphical: true, remote: false, active: false },
    ]);
    expect(users).toEqual([
      { name: 'alice', sessionId: '2', uid: 1000, graphical: true, remote: false, active: true },
    ]);
  });

  it('sorts graphical users first, active before switched-out, local before remote, then by name', () => {
    const users = dedupeUsers([
      { name: 'zed', graphical: false, remote: true },
      { name: 'bob', graphical: true, remote: true },
      { name: 'carol', graphical: true, remote: false },
      { name: 'alice', graphical: true, remote: false, active: false },
    ]);
    expect(users.map((user) => user.name)).toEqual(['carol', 'bob', 'alice', 'zed']);
  });

  it('compares names case-insensitively when asked (Windows)', () => {
    const users = [
      { name: 'Alice', graphical: true, remote: true },
      { name: 'alice', graphical: true, remote: false },
    ];
    expect(dedupeUsers(users, true)).toEqual([{ name: 'alice', graphical: true, remote: false }]);
    expect(dedupeUsers(users)).toHaveLength(2);
  });

  it('keeps two people of one name from different domains apart, each labelled with its domain (terminal server)', () => {
    const users = dedupeUsers(
      [
        { name: 'maria', domain: 'CONTOSO', sessionId: '3', graphical: true, remote: true },
        { name: 'maria', domain: 'TS-01', sessionId: '1', graphical: true, remote: false },
        { name: 'Maria', domain: 'contoso', sessionId: '4', graphical: false, remote: true },
        // No domain known: it could be either's, so it is nobody's.
        { name: 'maria', sessionId: '9', graphical: true, remote: false, active: true },
        { name: 'jonas', domain: 'CONTOSO', sessionId: '5', graphical: true, remote: true },
      ],
      true,
    );
    expect(users.map((user) => [reportedName(user), user.sessionId])).toEqual([
      ['TS-01\\maria', '1'],
      ['jonas', '5'],
      ['CONTOSO\\maria', '3'],
    ]);
    // One person with a domain-less session too is one entry, named as before.
    const one = dedupeUsers(
      [
        { name: 'maria', domain: 'CONTOSO', sessionId: '3', graphical: true, remote: true },
        { name: 'maria', sessionId: '9', graphical: true, remote: false },
      ],
      true,
    );
    expect(one.map((user) => [reportedName(user), user.sessionId, user.domain])).toEqual([
      ['maria', '9', 'CONTOSO'],
    ]);
  });
});

// --- detectLoggedOnUsers ----------------------------------------------------------------------------------

describe('detectLoggedOnUsers on Linux', () => {
  it('uses loginctl: one entry per user, greeter dropped, graphical local first', async () => {
    const run = fakeRunner({
      'loginctl list-sessions --no-legend': ok(LOGINCTL_LIST_249),
      [show('2')]: ok(SHOW_ALICE_WAYLAND),
      [show('c1')]: ok(SHOW_GDM_GREETER),
      [show('14')]: ok(SHOW_CAROL_SSH.replace('1002', '1001').replace('carol', 'bob')),
      [show('7')]: ok(SHOW_ALICE_SSH),
    });
    expect(await detectLoggedOnUsers('linux', run)).toEqual([
      {
        name: 'alice',
        uid: 1000,
        sessionId: '2',
        type: 'wayland',
        graphical: true,
        remote: false,
        session: 'console',
        active: true,
      },
      {
        name: 'bob',
        uid: 1001,
        sessionId: '14',
        type: 'tty',
        graphical: false,
        remote: true,
        session: 'remote',
        active: true,
      },
    ]);
    expect(run.calls).not.toContain('who');
  });

  it('skips manager and closing sessions and sessions that vanished', async () => {
    const run = fakeRunner({
      'loginctl list-sessions --no-legend': ok(
        `${LOGINCTL_LIST_256}     14 1001 bob   -     3001   user    pts/0 no  -\n`,
      ),
      [show('2')]: ok(SHOW_DAVE_X11.replace('1003', '1000').replace('dave', 'alice')),
      [show('4')]: ok(SHOW_ALICE_MANAGER),
      [show('c1')]: fail(1, "Failed to get session: No session 'c1' known\n"),
      [show('14')]: ok(SHOW_BOB_SSH_CLOSING),
    });
    expect(await detectLoggedOnUsers('linux', run)).toEqual([
      {
        name: 'alice',
        uid: 1000,
        sessionId: '2',
        display: ':0',
        type: 'x11',
        graphical: true,
        remote: false,
        session: 'console',
        active: true,
      },
    ]);
  });

  it('handles systemd 255 output with an ssh-only user', async () => {
    const run = fakeRunner({
      'loginctl list-sessions --no-legend': ok(LOGINCTL_LIST_255),
      [show('3')]: ok(SHOW_ALICE_WAYLAND),
      [show('8')]: ok(SHOW_CAROL_SSH),
      [show('c1')]: ok(SHOW_GDM_GREETER),
    });
    const users = await detectLoggedOnUsers('linux', run);
    expect(users.map((user) => [user.name, user.sessionId, user.graphical, user.remote])).toEqual([
      ['alice', '3', true, false],
      ['carol', '8', false, true],
    ]);
  });

  it('returns nobody when loginctl lists no sessions', async () => {
    const run = fakeRunner({ 'loginctl list-sessions --no-legend': ok('') });
    expect(await detectLoggedOnUsers('linux', run)).toEqual([]);
  });

  it('falls back to who (with id -u) when loginctl is missing', async () => {
    const run = fakeRunner({
      who: ok(WHO_UTMP),
      'id -u -- alice': ok('1000\n'),
      'id -u -- bob': ok('1001\n'),
      'id -u -- root': ok('0\n'),
      'id -u -- dave': ok('1003\n'),
      'id -u -- erin': ok('1004\n'),
      'id -u -- frank': fail(1, "id: 'frank': no such user\n"),
    });
    expect(await detectLoggedOnUsers('linux', run)).toEqual([
      { name: 'alice', uid: 1000, display: ':0', graphical: true, remote: false, session: 'console' },
      { name: 'dave', uid: 1003, graphical: false, remote: false, session: 'console' },
      { name: 'erin', uid: 1004, graphical: false, remote: false, session: 'console' },
      { name: 'root', uid: 0, graphical: false, remote: false, session: 'console' },
      { name: 'bob', uid: 1001, graphical: false, remote: true, session: 'remote' },
      { name: 'frank', graphical: false, remote: true, session: 'remote' },
    ]);
  });

  it('falls back to who when loginctl fails (no systemd as PID 1)', async () => {
    const run = fakeRunner({
      'loginctl list-sessions --no-legend': fail(
        1,
        "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down\n",
      ),
      who: ok(WHO_LOGIND),
      'id -u -- alice': ok('1000\n'),
      'id -u -- bob': ok('1001\n'),
    });
    expect(await detectLoggedOnUsers('linux', run)).toEqual([
      { name: 'alice', uid: 1000, graphical: true, remote: false, session: 'console' },
      { name: 'bob', uid: 1001, graphical: false, remote: true, session: 'remote' },
    ]);
  });

  it('returns nobody when neither loginctl nor who answers', async () => {
    expect(await detectLoggedOnUsers('linux', fakeRunner({}))).toEqual([]);
  });
});

describe('detectLoggedOnUsers on macOS', () => {
  it('puts the console owner first and marks switched-out console users inactive', async () => {
    const run = fakeRunner({
      'stat -f %Su /dev/console': ok('alice\n'),
      who: ok(WHO_MAC),
      'id -u -- alice': ok('501\n'),
      'id -u -- bob': ok('502\n'),
      'id -u -- carol': ok('503\n'),
    });
    expect(await detectLoggedOnUsers('darwin', run)).toEqual([
      { name: 'alice', uid: 501, graphical: true, remote: false, session: 'console', active: true },
      { name: 'bob', uid: 502, graphical: true, remote: false, session: 'console', active: false },
      { name: 'carol', uid: 503, graphical: false, remote: true, session: 'remote' },
    ]);
  });

  it('reports nobody at the login window', async () => {
    const run = fakeRunner({ 'stat -f %Su /dev/console': ok('root\n'), who: ok('') });
    expect(await detectLoggedOnUsers('darwin', run)).toEqual([]);
  });

  it('ignores the setup assistant but keeps ssh users', async () => {
    const run = fakeRunner({
      'stat -f %Su /dev/console': ok('_mbsetupuser\n'),
      who: ok('admin    ttys000  May 13 09:15 (10.1.2.3)\n'),
      'id -u -- admin': ok('501\n'),
    });
    expect(await detectLoggedOnUsers('darwin', run)).toEqual([
      { name: 'admin', uid: 501, graphical: false, remote: true, session: 'remote' },
    ]);
  });
});

describe('detectLoggedOnUsers on Windows', () => {
  it('parses query user, one entry per user, connected console first', async () => {
    const run = fakeRunner({ 'query user': ok(QUERY_USER) });
    expect(await detectLoggedOnUsers('win32', run)).toEqual([
      { ...windows('alice', '1', true), session: 'console', since: local(2024, 5, 13, 8, 58) },
      { ...windows('bob', '2', true), remote: true, session: 'remote', since: local(2024, 5, 13, 9, 15) },
      { ...windows('carol', '3', false), since: local(2024, 5, 12, 16, 40) },
    ]);
  });

  it('reports nobody on "No User exists for *"', async () => {
    const run = fakeRunner({ 'query user': fail(1, 'No User exists for *\r\n') });
    expect(await detectLoggedOnUsers('win32', run)).toEqual([]);
    expect(run.calls).toEqual(['query user']);
  });

  it('falls back to explorer.exe processes where query.exe is missing (Home editions)', async () => {
    const run = fakeRunner({
      'tasklist /V /FO CSV /NH /FI IMAGENAME eq explorer.exe': ok(TASKLIST_EXPLORER),
    });
    const users = await detectLoggedOnUsers('win32', run);
    expect(users.map((user) => `${user.domain}\\${user.name}`)).toEqual([
      'DESKTOP-7H2K9QL\\alice',
      'CONTOSO\\bob',
    ]);
  });
});

describe('detectLoggedOnUsers elsewhere', () => {
  it('uses who on the BSDs', async () => {
    const run = fakeRunner({ who: ok('alice    ttyv0    May 13 08:58\n'), 'id -u -- alice': ok('1001\n') });
    expect(await detectLoggedOnUsers('freebsd', run)).toEqual([
      { name: 'alice', uid: 1001, graphical: false, remote: false, session: 'console' },
    ]);
  });
});

// --- A computer several people use --------------------------------------------------------------------------

/** Windows Server with Remote Desktop Services: the console and a crowd of RDP sessions, one disconnected. */
const QUERY_USER_TERMINAL_SERVER = [
  ' USERNAME              SESSIONNAME        ID  STATE   IDLE TIME  LOGON TIME',
  ...Array.from(
    { length: 28 },
    (_, i) =>
      ` clerk${String(i + 1).padStart(2, '0')}               rdp-tcp#${i + 10}`.padEnd(40) +
      `${String(i + 3).padStart(3)}  Active          .  5/14/2024 ${(i % 12) + 1}:0${i % 10} PM`,
  ),
  '>maria.jensen          console             1  Active       none  5/14/2024 7:45 AM',
  ' oskar                                     2  Disc         1:02  5/13/2024 4:40 PM',
  '',
].join('\r\n');

/** xrdp on Linux: a local desktop and remote X sessions, each with its logind Timestamp. */
const LOGINCTL_LIST_XRDP = `      2 1000 maria seat0 tty2
      5 1001 jonas       -
      6 1002 lena        -
`;
const showXrdp = (uid: number, name: string, remote: boolean, display: string, since: string): string =>
  `User=${uid}\nName=${name}\nDisplay=${display}\nRemote=${remote ? 'yes' : 'no'}\nType=x11\nClass=user\nActive=yes\nState=active\nTimestamp=${since}\n`;

describe('a terminal server', () => {
  it('query user: every session, the console marked, remote sessions remote, each with its logon time', async () => {
    const users = await detectLoggedOnUsers(
      'win32',
      fakeRunner({ 'query user': ok(QUERY_USER_TERMINAL_SERVER) }),
    );
    expect(users).toHaveLength(30);
    expect(users[0]).toEqual({
      ...windows('maria.jensen', '1', true),
      session: 'console',
      since: local(2024, 5, 14, 7, 45),
    });
    expect(users.filter((user) => user.session === 'remote')).toHaveLength(28);
    expect(users.find((user) => user.name === 'clerk02')).toEqual({
      ...windows('clerk02', '4', true),
      remote: true,
      session: 'remote',
      since: local(2024, 5, 14, 14, 1),
    });
    // A disconnected session shows nothing to anyone: it comes last, and says neither console nor remote.
    expect(users.at(-1)).toEqual({ ...windows('oskar', '2', false), since: local(2024, 5, 13, 16, 40) });
  });

  it('loginctl: the local desktop and the remote X sessions, with their session ids and since when', async () => {
    const run = fakeRunner({
      'loginctl list-sessions --no-legend': ok(LOGINCTL_LIST_XRDP),
      [show('2')]: ok(showXrdp(1000, 'maria', false, ':0', 'Tue 2024-05-14 07:45:10 UTC')),
      [show('5')]: ok(showXrdp(1001, 'jonas', true, ':10', 'Tue 2024-05-14 09:02:33 UTC')),
      [show('6')]: ok(showXrdp(1002, 'lena', true, ':11', 'n/a')),
    });
    const x11 = (name: string, uid: number, sessionId: string, display: string, remote: boolean) => ({
      name,
      uid,
      sessionId,
      display,
      type: 'x11',
      graphical: true,
      remote,
      session: remote ? 'remote' : 'console',
      active: true,
    });
    expect(await detectLoggedOnUsers('linux', run)).toEqual([
      { ...x11('maria', 1000, '2', ':0', false), since: '2024-05-14T07:45:10.000Z' },
      { ...x11('jonas', 1001, '5', ':10', true), since: '2024-05-14T09:02:33.000Z' },
      // logind knows no start time for it: the session is still listed, without one.
      x11('lena', 1002, '6', ':11', true),
    ]);
  });
});

describe('logon times', () => {
  it('reads logind timestamps in UTC and in the local zone', () => {
    expect(parseLoginctlTimestamp('Tue 2024-05-14 07:45:10 UTC')).toBe('2024-05-14T07:45:10.000Z');
    expect(parseLoginctlTimestamp('Tue 2024-05-14 07:45:10 CEST')).toBe(local(2024, 5, 14, 7, 45, 10));
    expect(parseLoginctlTimestamp('n/a')).toBeUndefined();
    expect(parseLoginctlTimestamp(undefined)).toBeUndefined();
  });

  it('reads the LOGON TIME forms of query user, and nothing else', () => {
    expect(parseQueryUserLogonTime('5/13/2024 12:05 AM')).toBe(local(2024, 5, 13, 0, 5));
    expect(parseQueryUserLogonTime('5/13/2024 12:05 PM')).toBe(local(2024, 5, 13, 12, 5));
    expect(parseQueryUserLogonTime('13/05/2024 16:40')).toBe(local(2024, 5, 13, 16, 40));
    expect(parseQueryUserLogonTime('13.05.2024 16:40')).toBe(local(2024, 5, 13, 16, 40));
    expect(parseQueryUserLogonTime('2024-05-13 16:40')).toBe(local(2024, 5, 13, 16, 40));
    expect(parseQueryUserLogonTime('2024-02-31 16:40')).toBeUndefined();
    expect(parseQueryUserLogonTime('13/05/2024 4:40 PM')).toBeUndefined();
    expect(parseQueryUserLogonTime('yesterday')).toBeUndefined();
  });
});
