#!/usr/bin/env node
import { createReadStream, existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { Agent, defaultDeviceName } from './agent.js';
import { defaultConfigPath, pageStatePath, privateDirectory, readConfig, writeConfig } from './config.js';
import { enroll } from './enroll.js';
import { splitCommandLine } from './platform/commandLine.js';
import { openUrl, planOpen, userManagerRunning } from './platform/opener.js';
import { type DetectedUser, detectLoggedOnUsers } from './platform/users.js';
import { rotateCredential } from './rotate.js';
import { configuredLink, type Reach } from './serverLink.js';

const program = new Command('parley-agent').description('Parley device agent');

/** The first line of a file or stream, trimmed. */
async function firstLine(input: AsyncIterable<string | Buffer>): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += String(chunk);
    if (text.includes('\n')) break;
  }
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/** `--token -`: the first line of standard input; on a terminal, asked for. */
async function tokenFromInput(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Enrollment token: ');
  const token = await firstLine(process.stdin);
  process.stdin.pause();
  return token;
}

/** The enrollment token: --token-file, `--token -` (standard input), PARLEY_ENROLL_TOKEN, or --token itself. */
async function enrollmentToken(options: { token?: string; tokenFile?: string }): Promise<string> {
  const token =
    options.tokenFile !== undefined
      ? await firstLine(createReadStream(options.tokenFile))
      : options.token === '-'
        ? await tokenFromInput()
        : (options.token ?? process.env.PARLEY_ENROLL_TOKEN ?? '');
  if (token === '')
    throw new Error(
      'no enrollment token: give it as `--token -` (standard input), --token-file FILE or PARLEY_ENROLL_TOKEN, or --token TOKEN',
    );
  return token;
}

program
  .command('enroll')
  .description('exchange an enrollment token for this device’s credential')
  .requiredOption('--server <url>', 'the Parley server, e.g. https://help.example.com')
  .option(
    '--token <token>',
    'enrollment token from the console or `parley enrollment-token create`; `-` reads it from standard input. ' +
      'Other users of this computer can see a command line: prefer `-`, --token-file or PARLEY_ENROLL_TOKEN',
  )
  .option('--token-file <file>', 'read the enrollment token from this file (its first line)')
  .option('--name <name>', 'device name shown to operators', defaultDeviceName())
  .option('--config <file>', 'where to store the credential', defaultConfigPath())
  .option(
    '--ca <file>',
    'trust this PEM CA for the server’s certificate instead of the system’s (kept for run)',
  )
  .option('--insecure', 'allow plain http:// to a server that is not this computer (kept for run)')
  .action(
    async (
      options: { server: string; token?: string; tokenFile?: string; name: string; config: string } & Reach,
    ) => {
      const token = await enrollmentToken(options);
      const config = await enroll(options.server, token, options.name, `${process.platform}`, {
        ca: options.ca,
        insecure: options.insecure,
      });
      await writeConfig(options.config, config);
      process.stderr.write(
        `parley-agent: enrolled as ${config.deviceId}; credential stored in ${options.config}\n`,
      );
    },
  );

program
  .command('run')
  .description('connect to the server and show chats to the logged-on user')
  .option('--config <file>', 'the credential file written by enroll', defaultConfigPath())
  .option(
    '--user <name>',
    'report this user as logged on instead of detecting (kiosks, tests); again for several people',
    (name: string, previous: string[] | boolean | undefined) => [
      ...(Array.isArray(previous) ? previous : []),
      name,
    ],
  )
  .option('--no-user', 'report nobody logged on')
  .option('--fallback-user <name>', 'report this user when detection finds nobody (headless machines)')
  .option('--open-with <command>', 'show the end-user page with this command (URL as last argument)')
  .option('--ca <file>', 'trust this PEM CA for the server’s certificate (over the one enroll stored)')
  .option('--insecure', 'allow plain http:// to a server that is not this computer')
  .action(
    async (
      options: {
        config: string;
        user?: string[] | boolean;
        fallbackUser?: string;
        openWith?: string;
      } & Reach,
    ) => {
      const config = readConfig(options.config);
      const detectUsers = async (): Promise<DetectedUser[]> => {
        if (options.user === false) return [];
        if (Array.isArray(options.user))
          return options.user.map((name) => ({ name, graphical: true, remote: false }));
        const found = await detectLoggedOnUsers();
        if (found.length > 0 || !options.fallbackUser) return found;
        return [{ name: options.fallbackUser, graphical: true, remote: false }];
      };
      const openWith =
        options.openWith === undefined ? undefined : splitCommandLine(options.openWith, '--open-with');
      const statePath = pageStatePath(options.config);
      await privateDirectory(dirname(statePath));
      const agent = new Agent({
        config,
        configFile: options.config,
        reach: { ca: options.ca, insecure: options.insecure },
        pageStatePath: statePath,
        detectUsers,
        openPage: async (url, endUser) => {
          const plan = planOpen(url, {
            platform: process.platform,
            agentUid: process.getuid?.() ?? null,
            agentUser: userInfo().username,
            target: endUser,
            userManager: process.platform === 'linux' && userManagerRunning(endUser?.uid, existsSync),
            ...(openWith ? { openWith } : {}),
          });
          await openUrl(plan);
        },
      });
      await agent.start();
      process.stderr.write(`parley-agent: running as ${config.name}, server ${config.server}\n`);
      const stop = () => {
        agent.stop().finally(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
  );

program
  .command('rotate')
  .description('replace this device’s credential with a new one (the old one stops working once it is saved)')
  .option('--config <file>', 'the credential file written by enroll', defaultConfigPath())
  .option('--ca <file>', 'trust this PEM CA for the server’s certificate (over the one enroll stored)')
  .option('--insecure', 'allow plain http:// to a server that is not this computer')
  .action(async (options: { config: string } & Reach) => {
    const link = configuredLink(readConfig(options.config), { ca: options.ca, insecure: options.insecure });
    const config = await rotateCredential(options.config, link);
    process.stderr.write(
      `parley-agent: new credential for ${config.deviceId} stored in ${options.config}; a running agent uses it from its next connection\n`,
    );
  });

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`parley-agent: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
