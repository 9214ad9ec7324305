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

/** Written readable by its owner only: it holds the device credential. */
export function writeConfig(file: string, config: AgentConfig): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}
