import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { Logger } from 'pino';
import { SYSTEM } from '../audit/audit.js';
import { withGroups } from '../operators/operator.js';
import type { ParleyServer } from '../server.js';

function agentCli(): string {
  const pkg = createRequire(import.meta.url).resolve('@parley/agent/package.json');
  return join(dirname(pkg), 'dist', 'cli.js');
}

function run(args: string[], stdio: 'inherit' | 'pipe', env: NodeJS.ProcessEnv = process.env): ChildProcess {
  return spawn(process.execPath, [agentCli(), ...args], { stdio, env });
}

async function enrolledDeviceExists(server: ParleyServer, configFile: string): Promise<boolean> {
  if (!existsSync(configFile)) return false;
  try {
    const { deviceId } = JSON.parse(readFileSync(configFile, 'utf8')) as { deviceId?: string };
    return typeof deviceId === 'string' && (await server.store.devices.find(deviceId)) !== undefined;
  } catch {
    return false;
  }
}

/** The name the demo agent enrolled its device under (the machine's name unless changed). */
function enrolledName(configFile: string): string {
  try {
    const { name } = JSON.parse(readFileSync(configFile, 'utf8')) as { name?: unknown };
    return typeof name === 'string' ? name : hostname();
  } catch {
    return hostname();
  }
}

/**
 * `npm start`'s agent for this machine, so a newcomer can chat with themselves at once: enrolled with a token the
 * server makes for `admin`, run as a child process, reporting whoever runs `npm start` when detection finds nobody.
 */
export async function startDemoAgent(
  server: ParleyServer,
  options: { dataDir: string; adminId: string; log: Logger; ca?: string | null },
): Promise<{ agent: ChildProcess; deviceName: string }> {
  const configFile = join(options.dataDir, 'demo-agent.json');
  const ca = options.ca ? ['--ca', options.ca] : [];
  if (!(await enrolledDeviceExists(server, configFile))) {
    const { devices, policy, store } = server.services;
    const admin = await store.operators.findById(options.adminId);
    if (!admin) throw new Error('the demo agent is enrolled for admin, who does not exist');
    const created = await devices.createEnrollmentToken(await withGroups(store, admin), policy, {}, SYSTEM);
    if (!created.ok) throw new Error(`demo agent enrollment token: ${created.message}`);
    const { token } = created.value;
    // In the environment, which only this account and root can read: a command line every user of the machine can.
    const enroll = run(['enroll', '--server', server.url, '--config', configFile, ...ca], 'inherit', {
      ...process.env,
      PARLEY_ENROLL_TOKEN: token,
    });
    const code = await new Promise<number | null>((resolve) => enroll.on('exit', resolve));
    if (code !== 0) throw new Error(`demo agent enrollment failed (exit ${code})`);
  }
  const agent = run(
    ['run', '--config', configFile, '--fallback-user', userInfo().username, ...ca],
    'inherit',
  );
  agent.on('exit', (code, signal) => {
    if (signal !== 'SIGTERM') options.log.warn({ code, signal }, 'demo agent stopped');
  });
  return { agent, deviceName: enrolledName(configFile) };
}
