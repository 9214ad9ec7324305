import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

/** The unprivileged account the attacker runs as: another local user of a shared computer. */
const NOBODY = { uid: 65534, gid: 65534 };

/*
 * The attacker's program, run by `node -e` as `nobody` (so no file of this checkout needs to be readable to it).
 * It takes commands as JSON lines on stdin and answers JSON lines on stdout.
 */
const ATTACKER = String.raw`
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
const { WebSocketServer } = await import(process.argv[1]);
const say = (message) => process.stdout.write(JSON.stringify(message) + '\n');
const seen = new Set();
let snooping = null;
const requests = [];
const frames = [];
let squat = null;

function snoop() {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    try {
      const line = readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\0').join(' ');
      if (/parley-chat-|127\.0\.0\.1:|[#?&](k|token)=/.test(line)) seen.add(line);
    } catch {}
  }
}

function tryRead(path) {
  const result = {};
  for (const [what, read] of [['file', () => readFileSync(path, 'utf8')], ['dir', () => readdirSync(dirname(path))]]) {
    try { read(); result[what] = 'read'; } catch (error) { result[what] = error.code; }
  }
  return result;
}

function squatOn(port, announce) {
  const http = createServer((request, response) => {
    requests.push({ url: request.url, headers: request.headers });
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<!doctype html><title>Help desk chat</title><p>Please type your password</p>');
  });
  const wss = new WebSocketServer({ server: http });
  wss.on('connection', (ws) => {
    ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
    // Pretends to be the agent: a made-up proof, then a fake operator message.
    ws.send(JSON.stringify({ type: 'page.challenge', nonce: 'n'.repeat(32), proof: 'p'.repeat(43) }));
    ws.send(JSON.stringify({ type: 'page.link', up: true }));
    ws.send(JSON.stringify({ type: 'chat.entries', chatId: 'x', entries: [{ kind: 'message', seq: 999, at: new Date().toISOString(), clientId: 'fake-0001', from: { role: 'operator', name: 'Administrator' }, text: 'FAKE: please send me your password' }] }));
  });
  const attempt = () => {
    http.once('error', () => setTimeout(attempt, 20));
    http.listen(port, '127.0.0.1', () => say({ type: announce, port: http.address().port }));
  };
  attempt();
  return { http, wss };
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  if (command.cmd === 'snoop') { snooping = setInterval(snoop, 1); say({ type: 'snooping' }); }
  if (command.cmd === 'unsnoop') { clearInterval(snooping); say({ type: 'unsnooped' }); }
  if (command.cmd === 'report') say({ type: 'report', cmdlines: [...seen] });
  if (command.cmd === 'read') say({ type: 'read', ...tryRead(command.path) });
  if (command.cmd === 'serve') squat = squatOn(0, 'serving');
  if (command.cmd === 'squat') squat = squatOn(command.port, 'squatting');
  if (command.cmd === 'seen') say({ type: 'seen', requests, frames });
  if (command.cmd === 'release') {
    for (const client of squat.wss.clients) client.terminate();
    squat.wss.close();
    squat.http.close(() => say({ type: 'released' }));
    squat.http.closeAllConnections();
  }
}
`;

export interface SeenByAttacker {
  requests: { url: string; headers: Record<string, string> }[];
  frames: { type: string; [key: string]: unknown }[];
}

/**
 * A process of another, unprivileged local user (`nobody`): it reads other processes' command lines, tries to read
 * files, serves on a port of 127.0.0.1, or takes over a port once it is free. Needs root to become `nobody` (Linux).
 */
export class LocalAttacker {
  private readonly lines: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];

  private constructor(private readonly child: ChildProcess) {
    if (!child.stdout) throw new Error('no stdout');
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static start(): LocalAttacker {
    if (process.platform !== 'linux' || process.getuid?.() !== 0) {
      throw new Error('the local-attacker tests run as root on Linux: they need a second OS user (nobody)');
    }
    const wsModule = join(dirname(createRequire(import.meta.url).resolve('ws')), 'wrapper.mjs');
    const child = spawn(process.execPath, ['--input-type=module', '-e', ATTACKER, wsModule], {
      ...NOBODY,
      cwd: '/',
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    return new LocalAttacker(child);
  }

  /** Sends a command and waits for the answer of type `answer`. */
  async ask<T extends Record<string, unknown>>(
    command: object,
    answer: string,
    timeoutMs = 15_000,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    this.child.stdin?.write(`${JSON.stringify(command)}\n`);
    for (;;) {
      const index = this.lines.findIndex((line) => line.type === answer);
      if (index >= 0) return this.lines.splice(index, 1)[0] as T;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`the attacker did not answer ${answer}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
