import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod/mini';
import { assertTrusted } from './fileTrust.js';
import { type CommandRunner, runCommand } from './platform/exec.js';

// zod/mini loads no locale: the agent's messages (a bad config file, a bad page state) keep zod's English. Every
// entry point imports this module.
z.config(z.locales.en());

/** What `parley-agent enroll` stores and `parley-agent run` reads. */
export const AgentConfig = z.object({
  server: z.url({ protocol: /^https?$/ }),
  deviceId: z.string().check(z.minLength(1)),
  credential: z.string().check(z.minLength(16)),
  name: z.string().check(z.minLength(1)),
  /** The PEM file of the CA trusted for the server's certificate (`--ca`, absolute); unset: the system's CAs. */
  ca: z.optional(z.string().check(z.minLength(1))),
  /** `--insecure` at enroll: plain http(s) to a server that is not this computer is allowed. */
  insecure: z.optional(z.boolean()),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

/** Where an agent run as root keeps its credential: the systemd unit's and the launchd daemon's StateDirectory. */
export const ROOT_CONFIG_PATH = '/var/lib/parley-agent/agent.json';

export function defaultConfigPath(): string {
  if (process.platform === 'win32')
    return join(process.env.ProgramData ?? 'C:\\ProgramData', 'Parley', 'agent.json');
  if (process.getuid?.() === 0) return ROOT_CONFIG_PATH;
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'parley', 'agent.json');
}

/**
 * The page server's saved port and page keys: in a directory of their own beside the credential file
 * (`agent.state/pages.json`), which `privateDirectory` makes private before anything is written in it.
 */
export function pageStatePath(configFile: string): string {
  return join(configFile.replace(/(\.json)?$/, '.state'), 'pages.json');
}

export function readConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no agent configuration at ${file}: run \`parley-agent enroll\` first`);
  }
  // It names the server and holds the credential: nobody else may have changed or read it.
  assertTrusted(
    'agent configuration',
    file,
    'anyone who can change it can point the agent at another server',
    {
      secret: true,
    },
  );
  const parsed = AgentConfig.safeParse(JSON.parse(text));
  if (!parsed.success)
    throw new Error(`agent configuration ${file} is invalid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * On Windows a file mode means nothing and ProgramData is readable by every user: the credential file gets an
 * ACL of its own instead (SYSTEM, Administrators and the enrolling account; SIDs so that it works in any language).
 */
export function configAclCommand(
  path: string,
  platform: NodeJS.Platform,
  username: string,
  /** A directory: what is made inside it inherits the ACL (object and container inherit). */
  directory = false,
): { command: string; args: string[] } | null {
  if (platform !== 'win32') return null;
  const full = directory ? '(OI)(CI)F' : 'F';
  return {
    command: 'icacls',
    args: [
      path,
      '/inheritance:r',
      '/grant:r',
      `*S-1-5-18:${full}`,
      `*S-1-5-32-544:${full}`,
      `${username}:${full}`,
    ],
  };
}

/** Makes `dir` (and its parents) and leaves it readable by the agent's account only: mode 0700, or an ACL. */
export async function privateDirectory(dir: string, run: CommandRunner = runCommand): Promise<void> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const acl = configAclCommand(dir, process.platform, userInfo().username, true);
  if (!acl) return;
  const result = await run(acl.command, acl.args);
  if (result.code !== 0) throw new Error(`could not restrict ${dir}: ${result.stderr || result.stdout}`);
}

/**
 * Saves the configuration readable by its owner only (it holds the device credential): written to a new file made
 * private before anything is in it (and given its ACL on Windows), then renamed over the old one, so no reader ever
 * sees half a file or a moment of wider access, and a crash leaves the old credential whole.
 */
export async function writeConfig(
  file: string,
  config: AgentConfig,
  run: CommandRunner = runCommand,
): Promise<void> {
  // Private before the file is in it: on Windows the file inherits the directory's ACL from its first byte.
  await privateDirectory(dirname(file), run);
  const temporary = `${file}.${randomBytes(6).toString('hex')}.new`;
  try {
    // wx: never through a file (or link) someone else put there.
    writeFileSync(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(temporary, 0o600);
    const acl = configAclCommand(temporary, process.platform, userInfo().username);
    if (acl) {
      const result = await run(acl.command, acl.args);
      if (result.code !== 0) throw new Error(`could not restrict ${file}: ${result.stderr || result.stdout}`);
    }
    renameSync(temporary, file);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}
