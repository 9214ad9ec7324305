import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';

/** What `parley-agent enroll` stores and `parley-agent run` reads. */
export const AgentConfig = z.object({
  server: z.url({ protocol: /^https?$/ }),
  deviceId: z.string().min(1),
  credential: z.string().min(16),
  name: z.string().min(1),
});
export type AgentConfig = z.infer<typeof AgentConfig>;

export function defaultConfigPath(): string {
  if (process.platform === 'win32')
    return join(process.env.ProgramData ?? 'C:\\ProgramData', 'Parley', 'agent.json');
  if (process.getuid?.() === 0) return '/var/lib/parley-agent/agent.json';
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'parley', 'agent.json');
}

/** The page server's saved port and page keys, beside the credential file and as private. */
export function pageStatePath(configFile: string): string {
  return configFile.replace(/(\.json)?$/, '.pages.json');
}

export function readConfig(file: string): AgentConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new Error(`no agent configuration at ${file}: run \`parley-agent enroll\` first`);
  }
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
  file: string,
  platform: NodeJS.Platform,
  username: string,
): { command: string; args: string[] } | null {
  if (platform !== 'win32') return null;
  return {
    command: 'icacls',
    args: [file, '/inheritance:r', '/grant:r', '*S-1-5-18:F', '*S-1-5-32-544:F', `${username}:F`],
  };
}

/** Written readable by its owner only: it holds the device credential. */
export function writeConfig(file: string, config: AgentConfig): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
