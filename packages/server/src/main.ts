#!/usr/bin/env node
import { configFromEnv } from './config.js';
import { startDemoAgent } from './demo/demoAgent.js';
import { isSelfSigned } from './http/tls.js';
import { createLogger } from './logging.js';
import { startServer } from './server.js';
import { startBanner } from './startBanner.js';

/** `npm start`: one server node from the environment, operator `admin`, and the demo agent. */
async function main(): Promise<void> {
  const config = configFromEnv();
  const { log, logFile } = createLogger({
    format: config.logFormat,
    level: config.logLevel,
    dataDir: config.dataDir,
  });
  if (config.tls?.warning) log.warn(config.tls.warning);
  const server = await startServer({ ...config, logger: log });
  const admin = server.admin ?? { created: false, generatedPassword: null };

  const operator = await server.store.operators.findByUsername('admin');
  // A demo agent that fails is said, never fatal: the banner (with a generated password) must still come.
  const demo =
    config.demoAgent && operator
      ? await startDemoAgent(server, {
          dataDir: config.dataDir,
          adminId: operator.id,
          log,
          // A self-signed certificate is its own CA; one a CA issued is checked against the system's CAs.
          ca: config.tls && isSelfSigned(config.tls.cert) ? config.tls.certFile : null,
        }).catch((error: unknown) => {
          log.warn({ err: error }, 'the demo agent did not start');
          return null;
        })
      : null;
  // Before the banner: whoever reads it may stop the server at once (a signal before its handler kills the process).
  // Ctrl-C reaches a whole process group, so SIGINT and a supervisor's SIGTERM may both come: one shutdown. The
  // handlers stay: a signal that found none (tsx's loader re-raises it then) would end the process mid-close.
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    demo?.agent.kill('SIGTERM');
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);

  process.stdout.write(
    startBanner({ url: server.url, admin, demoDevice: demo?.deviceName ?? null, logFile }),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
