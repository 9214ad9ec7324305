import type { Capability, DeviceSummary } from '@parley/protocol';
import pino from 'pino';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { type ParleyServer, type ServerConfig, startServer } from '../../packages/server/src/server.js';
import { nameAdmin } from '../../packages/server/test/support/admin.js';
import { type TempDatabase, tempSqlite } from '../../packages/server/test/support/databases.js';
import { ADMIN_PASSWORD, ApiClient, addOperator } from '../../packages/server/test/support/server.js';
import { AgentProcess, type Opener } from './agentProcess.js';
import { launchChromium } from './browser.js';

export interface HarnessOptions {
  organization?: string;
  /** The public keys whose licenses the server trusts, and the clock it judges their expiry by. */
  license?: Pick<ServerConfig, 'licenseKeyFiles' | 'licenseClock'>;
  /** Awaited after each conversation of a recordings export (a test holds it to see the progress bar). */
  exportStep?: ServerConfig['exportStep'];
  /** Leave `admin` without a display name, as a first start does ("Administrator" otherwise). */
  adminUnnamed?: boolean;
}

/**
 * One browser test file's world: the real server (SQLite file, port chosen once so it can be restarted on the same
 * address), an API client signed in as `admin`, Chromium, and the agent processes the file starts.
 */
export class Harness {
  readonly agents: AgentProcess[] = [];
  private readonly agentsByDevice = new Map<string, AgentProcess>();
  readonly api: ApiClient;
  private readonly contexts: BrowserContext[] = [];
  /** What Chromium refused under a page's Content-Security-Policy; `stop` fails the file when there is any. */
  private readonly policyViolations: string[] = [];
  private readonly endUserBrowsers = new Map<string, { context: BrowserContext; pageUrl: string }>();

  private constructor(
    private server: ParleyServer,
    private readonly database: TempDatabase,
    private readonly options: HarnessOptions,
    readonly browser: Browser,
  ) {
    this.api = new ApiClient(server.url);
  }

  static async start(options: HarnessOptions = {}): Promise<Harness> {
    const database = tempSqlite();
    const server = await Harness.listen(database, 0, options);
    if (!options.adminUnnamed) await nameAdmin(server);
    const harness = new Harness(server, database, options, await launchChromium());
    await harness.api.login();
    return harness;
  }

  private static listen(
    database: TempDatabase,
    port: number,
    { organization, license, exportStep }: HarnessOptions,
  ): Promise<ParleyServer> {
    return startServer({
      host: '127.0.0.1',
      port,
      store: database.location,
      nodeId: 'e2e-node',
      natsUrl: null,
      loginAttemptsPerMinute: 60,
      logger: pino({ level: process.env.PARLEY_TEST_LOG ?? 'silent' }),
      adminPassword: ADMIN_PASSWORD,
      ...(organization ? { organization } : {}),
      ...(exportStep ? { exportStep } : {}),
      ...license,
    });
  }

  get url(): string {
    return this.server.url;
  }

  get services(): ParleyServer['services'] {
    return this.server.services;
  }

  private stoppedPort: number | null = null;

  /** Stops the server (peers see it go away); `startServerAgain` brings it back on the same port and database. */
  async stopServer(): Promise<void> {
    this.stoppedPort = this.server.port;
    await this.server.close();
  }

  async startServerAgain(): Promise<void> {
    if (this.stoppedPort === null) throw new Error('the server is running');
    this.server = await Harness.listen(this.database, this.stoppedPort, this.options);
    this.stoppedPort = null;
  }

  /** Creates an operator; the devices named get Read and Write for them (chatting needs both). */
  async addOperator(input: {
    username: string;
    password: string;
    displayName?: string;
    capabilities?: Capability[];
    deviceNames?: string[];
  }): Promise<void> {
    const { deviceNames = [], ...operator } = input;
    const devices = (await this.api.request('GET', '/api/devices')).body as unknown as DeviceSummary[];
    const ids = deviceNames.map((name) => {
      const device = devices.find((d) => d.name === name);
      if (!device) throw new Error(`no device named ${name}`);
      return device.id;
    });
    await addOperator(this.server, { ...operator, devices: ids });
  }

  /** The Content-Security-Policy violations seen so far, which a test that provokes them on purpose takes. */
  takePolicyViolations(): string[] {
    return this.policyViolations.splice(0);
  }

  async stop(): Promise<void> {
    for (const agent of this.agents) {
      if (agent.child.pid && agent.child.exitCode === null) {
        try {
          process.kill(agent.child.pid, 'SIGCONT');
        } catch {
          // already gone
        }
      }
    }
    await Promise.all(this.agents.map((a) => a.stop()));
    await this.browser.close();
    if (this.stoppedPort === null) await this.server.close();
    await this.database.drop();
    if (this.policyViolations.length > 0) {
      throw new Error(`the pages broke their Content-Security-Policy:\n${this.policyViolations.join('\n')}`);
    }
  }

  /** Enrolls and runs a real `parley-agent` reporting `user` as logged on (null: nobody). */
  async startAgent(
    name: string,
    user: string | readonly string[] | null,
    opener: Opener = 'records',
  ): Promise<AgentProcess> {
    const token = (await this.api.request('POST', '/api/enrollment-tokens')).body.token as string;
    const agent = await AgentProcess.start(this.url, token, name, user, opener);
    this.agents.push(agent);
    this.agentsByDevice.set(name, agent);
    return agent;
  }

  /** The agent `startAgent` started for the device named `deviceName`. */
  agent(deviceName: string): AgentProcess {
    const agent = this.agentsByDevice.get(deviceName);
    if (!agent) throw new Error(`no agent for ${deviceName}`);
    return agent;
  }

  async newContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<BrowserContext> {
    const context = await this.browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
    context.setDefaultTimeout(15_000);
    context.on('console', (message) => {
      if (message.type() === 'error' && message.text().includes('Content Security Policy')) {
        this.policyViolations.push(`${message.location().url}: ${message.text()}`);
      }
    });
    this.contexts.push(context);
    return context;
  }

  /** A console page signed in as `username`, on the device list. */
  async signIn(context?: BrowserContext, username = 'admin', password = ADMIN_PASSWORD): Promise<Page> {
    const page = await (context ?? (await this.newContext())).newPage();
    await page.goto(this.url);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Devices' }).waitFor();
    return page;
  }

  /** Waits until the device's row shows it online with `user` logged on (or just online). */
  async deviceReady(page: Page, deviceName: string, user: string | null): Promise<void> {
    const row = page.getByRole('row').filter({ hasText: deviceName });
    await row.getByText('Online').waitFor();
    if (user) await row.getByRole('cell', { name: user, exact: true }).waitFor();
  }

  /** Actions > Direct Access > Instant Messaging on a device's row. */
  async instantMessaging(page: Page, deviceName: string): Promise<void> {
    const row = page.getByRole('row').filter({ hasText: deviceName });
    await row.getByRole('button', { name: 'Actions' }).click();
    await page.getByRole('menuitem', { name: 'Direct Access' }).click();
    await page.getByRole('menuitem', { name: 'Instant Messaging' }).click();
  }

  /** Opens a chat on a device from the console and returns its window. */
  async openChat(page: Page, deviceName: string, user: string): Promise<Locator> {
    await this.deviceReady(page, deviceName, user);
    await this.instantMessaging(page, deviceName);
    const window = chatWindow(page, user, deviceName);
    await window.waitFor();
    return window;
  }

  /**
   * The end-user page the agent opened (the `index`-th launch file it asked the OS to open), in the end user's
   * browser: one context per launch, so opening it again is the same browser, which keeps the page key (the launch
   * file is gone once its page connected; the page's address then works in that browser only).
   */
  async endUserPage(agent: AgentProcess, index = 0, context?: BrowserContext): Promise<Page> {
    await until(() => agent.openedUrls().length > index, 15_000, 'the agent to open the end-user page');
    const launch = agent.openedUrls()[index] ?? '';
    const known = this.endUserBrowsers.get(launch);
    const browser =
      context ?? known?.context ?? (await this.newContext({ viewport: { width: 640, height: 720 } }));
    const page = await browser.newPage();
    await page.goto(known?.pageUrl ?? launch);
    await page.getByRole('log').waitFor();
    if (!known) this.endUserBrowsers.set(launch, { context: browser, pageUrl: page.url() });
    return page;
  }
}

/** The chat window (region) for a user on a device. */
export function chatWindow(page: Page, user: string, deviceName: string): Locator {
  return page.getByRole('region', { name: `Chat with ${user} on ${deviceName}` });
}

/**
 * The operator's Close on an open chat: it asks ("End the conversation for both of you?"), End chat answers; a chat
 * that is not recorded then offers Undo for a few seconds, which End now skips.
 */
export async function endChat(window: Locator): Promise<void> {
  await window.getByRole('button', { name: 'Close', exact: true }).click();
  const question = window.getByRole('alertdialog', { name: 'End the chat' });
  await question.getByText('End the conversation for both of you?').waitFor();
  const recorded = (await question.getByText('This chat is recorded').count()) > 0;
  await question.getByRole('button', { name: 'End chat' }).click();
  if (!recorded) await window.getByRole('button', { name: 'End now' }).click();
}

/** Types a message in a scope's box and presses Send. */
export async function say(scope: Page | Locator, text: string): Promise<void> {
  await scope.getByRole('textbox', { name: 'Message' }).fill(text);
  await scope.getByRole('button', { name: 'Send' }).click();
}

/** The texts of the messages shown in a log, in order. */
export function messageTexts(scope: Page | Locator): Promise<string[]> {
  return scope
    .getByRole('log')
    .locator('.msg__text')
    .evaluateAll((nodes) => nodes.map((node) => node.textContent ?? ''));
}

/** Polls until `check` is true (for conditions outside the browser, e.g. files the agent writes). */
export async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Makes a page believe its tab is in the background (hidden, not focused) or back in front: headless Chromium keeps
 * every page visible and focused, so the test overrides what the page reads and fires the events it listens to.
 */
export async function setTabVisible(page: Page, visible: boolean): Promise<void> {
  await page.evaluate((show) => {
    Object.defineProperty(document, 'visibilityState', {
      configurable: true,
      get: () => (show ? 'visible' : 'hidden'),
    });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => !show });
    document.hasFocus = () => show;
    document.dispatchEvent(new Event('visibilitychange'));
    window.dispatchEvent(new Event(show ? 'focus' : 'blur'));
  }, visible);
}

/** An init script (`context.addInitScript(startHidden)`): pages of that context start as background tabs. */
export function startHidden(): void {
  Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
  document.hasFocus = () => false;
}

/** Pauses the agent process (its connections go silent, as when the network drops) until `resume`. */
export function freeze(agent: AgentProcess): void {
  if (!agent.child.pid) throw new Error('agent has no pid');
  process.kill(agent.child.pid, 'SIGSTOP');
}

export function resume(agent: AgentProcess): void {
  if (agent.child.pid && agent.child.exitCode === null) process.kill(agent.child.pid, 'SIGCONT');
}

/** Goes to an administration screen through the top bar's Administration link and the side navigation. */
export async function adminScreen(page: Page, name: string): Promise<void> {
  await page
    .getByRole('navigation', { name: 'Console' })
    .getByRole('link', { name: 'Administration' })
    .click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}
