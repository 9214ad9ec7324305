#!/usr/bin/env node
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CAPABILITIES,
  type Capability,
  CreateEnrollmentTokenBody,
  CreateOperatorBody,
  LicenseFeature,
  LicenseTerms,
  NewPassword,
} from '@parley/protocol';
import { Command, InvalidArgumentError } from 'commander';
import { CLI } from './audit/audit.js';
import { LocalBus } from './bus/bus.js';
import { configFromEnv } from './config.js';
import { DeviceService, ENROLLMENT_TOKEN_HOURS } from './devices/devices.js';
import { uuidv7 } from './ids.js';
import { LicenseService } from './license/license.js';
import { newKeyPair, privateKeyFromPem, readTrustedKeys, signLicense } from './license/licenseFile.js';
import { withGroups } from './operators/operator.js';
import { OperatorService } from './operators/operators.js';
import { Policy } from './rights/policy.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';

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
  .description('print a token for `parley-agent enroll` (one device, valid 24 h, unless told otherwise)')
  .option('--by <username>', 'operator the token is created for', 'admin')
  .option('--uses <n>', 'how many devices may enroll with it (a fleet rollout)', '1')
  .option('--hours <n>', 'hours it stays valid', String(ENROLLMENT_TOKEN_HOURS))
  .option('--label <text>', 'what the token is for, shown in the console')
  .option('--group <id>', 'a static device group every device enrolled with it joins')
  .action(async (options: { by: string; uses: string; hours: string; label?: string; group?: string }) => {
    const body = CreateEnrollmentTokenBody.safeParse({
      maxUses: Number(options.uses),
      expiresInHours: Number(options.hours),
      ...(options.label ? { label: options.label } : {}),
      ...(options.group ? { deviceGroupId: options.group } : {}),
    });
    if (!body.success)
      throw new Error(body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    await withServices(async ({ store }) => {
      const record = await store.operators.findByUsername(options.by);
      if (!record) throw new Error(`no operator named ${options.by}; start the server once to create admin`);
      const config = configFromEnv();
      const bus = new LocalBus();
      const devices = new DeviceService(store, bus, config.nodeId);
      const license = new LicenseService(store, bus, readTrustedKeys(config.licenseKeyFiles));
      const created = await devices.createEnrollmentToken(
        await withGroups(store, record),
        new Policy(store, bus, license),
        body.data,
        CLI,
      );
      check(created);
      const { token, expiresAt } = created.value;
      process.stdout.write(`${token}\n`);
      process.stderr.write(
        `valid until ${expiresAt}; on the device: parley-agent enroll --server URL --token - (and the token on standard input)\n`,
      );
    });
  });

/**
 * The password for `operator create` and `operator passwd`: from a no-echo prompt on a terminal, or the first line
 * of standard input (`… < file`, a pipe). Never an argument: every user of the machine can read command lines.
 */
async function readPassword(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    let text = '';
    for await (const chunk of input) text += String(chunk);
    return (text.split(/\r?\n/)[0] ?? '').trimEnd();
  }
  process.stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  input.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let typed = '';
    const onData = (key: string) => {
      for (const char of key) {
        if (char === '\u0003') {
          input.setRawMode(false);
          reject(new Error('cancelled'));
          return;
        }
        if (char === '\r' || char === '\n') {
          input.setRawMode(false);
          input.pause();
          input.off('data', onData);
          process.stderr.write('\n');
          resolve(typed);
          return;
        }
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    };
    input.on('data', onData);
  });
}

function newPassword(text: string): string {
  const parsed = NewPassword.safeParse(text);
  if (!parsed.success) throw new Error(`password: ${parsed.error.issues[0]?.message ?? 'not accepted'}`);
  return parsed.data;
}

/** Runs `work` against the database the environment names, with the services a command needs. */
async function withServices<T>(
  work: (services: { store: Store; operators: OperatorService }) => Promise<T>,
): Promise<T> {
  const config = configFromEnv();
  const store = await openStore(config.store);
  try {
    return await work({ store, operators: new OperatorService(store, new LocalBus()) });
  } finally {
    await store.close();
  }
}

async function operatorId(store: Store, username: string): Promise<string> {
  const operator = await store.operators.findByUsername(username);
  if (!operator) throw new Error(`no operator named ${username}`);
  return operator.id;
}

function check(result: { ok: true } | { ok: false; message: string }): asserts result is { ok: true } {
  if (!result.ok) throw new Error(result.message);
}

const operators = program
  .command('operator')
  .description(
    'operators of the console (passwords are read from a prompt or standard input, never arguments)',
  );

operators
  .command('create <username>')
  .description('create an operator; the password comes from a prompt or the first line of standard input')
  .option('--display-name <name>', 'the name end users see')
  .option('--capabilities <list>', `comma-separated: ${CAPABILITIES.join(', ')}`, '')
  .action(async (username: string, options: { displayName?: string; capabilities: string }) => {
    const capabilities = options.capabilities
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    const unknown = capabilities.filter((name) => !(CAPABILITIES as readonly string[]).includes(name));
    if (unknown.length > 0) throw new Error(`no such capability: ${unknown.join(', ')}`);
    const body = CreateOperatorBody.safeParse({
      username,
      password: newPassword(await readPassword(`Password for ${username}: `)),
      ...(options.displayName ? { displayName: options.displayName } : {}),
    });
    if (!body.success)
      throw new Error(body.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    await withServices(async ({ operators }) => {
      const created = await operators.create(
        { ...body.data, capabilities: capabilities as Capability[] },
        CLI,
      );
      check(created);
      process.stdout.write(`created operator ${username}\n`);
    });
  });

operators
  .command('list')
  .description('list the operators: username, display name, state, capabilities')
  .action(async () => {
    await withServices(async ({ operators }) => {
      for (const operator of await operators.list()) {
        const state = operator.superAdministrator
          ? 'super-administrator'
          : operator.disabled
            ? 'disabled'
            : 'active';
        const capabilities = [...new Set(operator.effectiveCapabilities.map((c) => c.capability))].join(',');
        process.stdout.write(`${operator.username}\t${operator.displayName}\t${state}\t${capabilities}\n`);
      }
    });
  });

operators
  .command('passwd <username>')
  .description("set an operator's password (a lost admin password too); their sessions end")
  .action(async (username: string) => {
    const password = newPassword(await readPassword(`New password for ${username}: `));
    await withServices(async ({ store, operators }) => {
      check(await operators.resetPassword(await operatorId(store, username), password, CLI));
      process.stdout.write(`password of ${username} changed; their sessions ended\n`);
    });
  });

operators
  .command('disable <username>')
  .description('disable an operator: they cannot sign in, their sessions and chats end')
  .option('--enable', 'enable the operator again instead')
  .action(async (username: string, options: { enable?: boolean }) => {
    await withServices(async ({ store, operators }) => {
      check(await operators.update(await operatorId(store, username), { disabled: !options.enable }, CLI));
      process.stdout.write(`${username} ${options.enable ? 'enabled' : 'disabled'}\n`);
    });
  });

const license = program
  .command('license')
  .description('Direct Access licenses: signing keys, license files, importing one into this server');

license
  .command('keygen')
  .description(
    'make a license signing key pair: DIR/license-private.pem (keep it secret) and DIR/license-public.pem',
  )
  .requiredOption(
    '--out <dir>',
    'folder for the two files (made if missing; existing keys are not overwritten)',
  )
  .action((options: { out: string }) => {
    const { privatePem, publicPem } = newKeyPair();
    mkdirSync(options.out, { recursive: true, mode: 0o700 });
    const privateFile = join(options.out, 'license-private.pem');
    const publicFile = join(options.out, 'license-public.pem');
    // 'wx': a key that signed licenses already is never replaced by mistake.
    writeFileSync(privateFile, privatePem, { mode: 0o600, flag: 'wx' });
    writeFileSync(publicFile, publicPem, { mode: 0o644, flag: 'wx' });
    process.stdout.write(`${privateFile}\n${publicFile}\n`);
    process.stderr.write(
      `servers that should trust its licenses: PARLEY_LICENSE_KEYS=${publicFile}\n` +
        `issue one: parley license issue --key ${privateFile} --licensee NAME --devices N --days D\n`,
    );
  });

function positive(what: string) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1)
      throw new InvalidArgumentError(`${what} must be a whole number ≥ 1`);
    return value;
  };
}

license
  .command('issue')
  .description('print a license file signed with a private key from `parley license keygen`')
  .requiredOption('--key <file>', 'the private key (license-private.pem)')
  .requiredOption('--licensee <name>', 'who the license is for')
  .requiredOption('--devices <n>', 'how many devices may be enrolled', positive('--devices'))
  .requiredOption('--days <d>', 'how long it is valid, from now', positive('--days'))
  .option('--features <list>', `comma-separated: ${LicenseFeature.options.join(', ')}`, 'direct-access')
  .action((options: { key: string; licensee: string; devices: number; days: number; features: string }) => {
    const key = privateKeyFromPem(readFileSync(options.key, 'utf8'), options.key);
    const now = Date.now();
    const terms = LicenseTerms.safeParse({
      id: uuidv7(now),
      licensee: options.licensee,
      features: [...new Set(options.features.split(',').map((name) => name.trim()))].filter(Boolean),
      deviceLimit: options.devices,
      issuedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + options.days * 86_400_000).toISOString(),
    });
    if (!terms.success)
      throw new Error(terms.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    process.stdout.write(signLicense(terms.data, key));
  });

license
  .command('import <file>')
  .description('install a license file on this server (running nodes read it within 30 s)')
  .action(async (file: string) => {
    const config = configFromEnv();
    const keys = readTrustedKeys(config.licenseKeyFiles);
    await withServices(async ({ store }) => {
      const imported = await new LicenseService(store, new LocalBus(), keys).import(
        readFileSync(file, 'utf8'),
        CLI,
      );
      if (!imported.ok) throw new Error(imported.message);
      const { licensee, deviceLimit, expiresAt, status } = imported.value;
      process.stdout.write(
        `license of ${licensee} installed: ${deviceLimit} devices until ${expiresAt?.slice(0, 10)} (${status})\n`,
      );
    });
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
