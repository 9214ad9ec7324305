#!/usr/bin/env node
import { Command } from 'commander';
import { LocalBus } from './bus/bus.js';
import { configFromEnv } from './config.js';
import { DeviceService } from './devices/devices.js';
import { openStore } from './store/open.js';

/** `parley`: the server's command line. Administrative commands work on the database in the environment. */
const program = new Command('parley').description('Parley help-desk chat server');

program
  .command('start')
  .description('start a server node (same as npm start)')
  .action(async () => {
    await import('./main.js');
  });

const tokens = program.command('enrollment-token').description('device enrollment tokens');
tokens
  .command('create')
  .description('print a one-time token for `parley-agent enroll` (valid 24 h)')
  .option('--by <username>', 'operator the token is created for', 'admin')
  .action(async (options: { by: string }) => {
    const config = configFromEnv();
    const store = await openStore(config.store);
    try {
      const operator = await store.operators.findByUsername(options.by);
      if (!operator)
        throw new Error(`no operator named ${options.by}; start the server once to create admin`);
      const devices = new DeviceService(store, new LocalBus(), config.nodeId);
      const { token, expiresAt } = await devices.createEnrollmentToken(operator.id);
      process.stdout.write(`${token}\n`);
      process.stderr.write(
        `valid until ${expiresAt}; on the device: parley-agent enroll --server URL --token ${token}\n`,
      );
    } finally {
      await store.close();
    }
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
