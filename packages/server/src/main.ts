#!/usr/bin/env node
import pino from 'pino';
import { configFromEnv } from './config.js';
import { startDemoAgent } from './demo/demoAgent.js';
import { isSelfSigned } from './http/tls.js';
import { startServer } from './server.js';

/** `npm start`: one server node from the environment, operator `admin`, and the demo agent. */
async function main(): Promise<void> {
  const config = configFromEnv();
  const log = pino({ level: config.logLevel });
  if (config.tls?.warning) log.warn(config.tls.warning);
  const server = await startServer({ ...config, logger: log });
  const admin = server.admin ?? { created: false, generatedPassword: null };

  const lines = ['', `  Parley is running: ${server.url}`, ''];
  if (admin.generatedPassword) {
    lines.push(
      `  Sign in as admin with password: ${admin.generatedPassword}`,
      '  (printed once: keep it, or set PARLEY_ADMIN_PASSWORD before the first start)',
    );
  } else if (admin.created) {
    lines.push('  Sign in as admin with the password in PARLEY_ADMIN_PASSWORD.');
  } else {
    lines.push('  Sign in as admin (or any operator) with the password you chose.');
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);

  const operator = await server.store.operators.findByUsername('admin');
  const demo =
    config.demoAgent && operator
      ? await startDemoAgent(server, {
          dataDir: config.dataDir,
          adminId: operator.id,
          log,
          // A self-signed certificate is its own CA; one a CA issued is checked against the system's CAs.
          ca: config.tls && isSelfSigned(config.tls.cert) ? config.tls.certFile : null,
        })
      : null;
  if (demo)
    process.stdout.write(
      '  A demo agent for this machine is running: open Devices and chat with yourself.\n\n',
    );

  const stop = async () => {
    demo?.kill('SIGTERM');
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
