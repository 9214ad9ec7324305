import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod/mini';
import { AddressList } from './http/addresses.js';
import { keyFileWarning, readTlsIdentity, type TlsIdentity } from './http/tls.js';
import type { LogFormat } from './logging.js';
import type { StoreLocation } from './store/open.js';

// zod/mini loads no locale: the server's answers and logs keep zod's English messages. Every entry point and the
// tests' server factory import this module; the browser bundles never do (packages/protocol stays locale-free).
z.config(z.locales.en());

export const DEFAULT_ORGANIZATION = 'IT Help Desk';
/** Loopback: a Prometheus on the server's own machine scrapes without a token. */
export const DEFAULT_METRICS_ALLOW = ['127.0.0.0/8', '::1'];

export interface Config {
  /** Where people reach the server when a TLS proxy stands in front (its origin passes the Origin check). */
  publicUrl: string | null;
  /** The organisation whose help desk this is: the end user's chat page names it. */
  organization: string;
  host: string;
  port: number;
  /**
   * PARLEY_TLS_CERT and PARLEY_TLS_KEY, read at start: the server serves HTTPS and WSS itself. `certFile` is where
   * the certificate came from (the demo agent trusts it when it is self-signed); `warning` is about the key file.
   */
  tls: (TlsIdentity & { certFile: string; warning: string | null }) | null;
  dataDir: string;
  store: StoreLocation;
  natsUrl: string | null;
  adminPassword: string | null;
  demoAgent: boolean;
  /** Names this process among the cluster's nodes; device presence records it. */
  nodeId: string;
  logLevel: string;
  /** `text`: JSON logs to `<dataDir>/parley.log`, warnings and errors for people on stderr; `json`: all on stdout. */
  logFormat: LogFormat;
  /** Failed and successful sign-ins allowed per client address and minute. */
  loginAttemptsPerMinute: number;
  /** Names besides IP literals, localhost, this machine and the public URL's host that requests may address. */
  allowedHosts: string[];
  /** TLS proxies whose X-Forwarded-For / -Proto headers are believed (addresses or networks). */
  trustedProxies: string[];
  /** Who may scrape /metrics: these addresses or networks, or anyone sending this bearer token. */
  metricsAllow: string[];
  metricsToken: string | null;
  /** A console session ends after this long without a request. */
  sessionIdleMinutes: number;
  /** PEM files of the public keys whose licenses this server trusts (PARLEY_LICENSE_KEYS). */
  licenseKeyFiles: string[];
}

/** A comma-separated list; blanks dropped. */
const list = z.pipe(
  z._default(z.string(), ''),
  z.transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ),
);

function addresses(name: string) {
  return list.check((context) => {
    try {
      new AddressList(context.value);
    } catch (error) {
      context.issues.push({
        code: 'custom',
        input: context.value,
        message: `${name}: ${(error as Error).message}`,
      });
    }
  });
}

const Env = z.object({
  HOST: z._default(z.string(), '0.0.0.0'),
  PORT: z._default(z.coerce.number().check(z.int(), z.gte(0), z.lte(65535)), 8080),
  PARLEY_DATA_DIR: z._default(z.string(), './data'),
  DATABASE_URL: z.optional(
    z.string().check(z.regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')),
  ),
  NATS_URL: z.optional(z.string()),
  PARLEY_PUBLIC_URL: z.optional(
    z.url({ protocol: /^https?$/, error: 'PARLEY_PUBLIC_URL must be an http(s) URL' }),
  ),
  PARLEY_TLS_CERT: z.optional(z.string().check(z.minLength(1))),
  PARLEY_TLS_KEY: z.optional(z.string().check(z.minLength(1))),
  PARLEY_ADMIN_PASSWORD: z.optional(
    z.string().check(z.minLength(8, 'PARLEY_ADMIN_PASSWORD must have at least 8 characters')),
  ),
  PARLEY_DEMO_AGENT: z._default(z.enum(['0', '1']), '1'),
  PARLEY_NODE_ID: z.optional(z.string()),
  PARLEY_ORGANIZATION: z._default(z.string().check(z.minLength(1), z.maxLength(120)), DEFAULT_ORGANIZATION),
  PARLEY_LOG_LEVEL: z._default(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    'info',
  ),
  PARLEY_LOG_FORMAT: z._default(z.enum(['text', 'json']), 'text'),
  PARLEY_LOGIN_ATTEMPTS_PER_MINUTE: z._default(z.coerce.number().check(z.int(), z.positive()), 10),
  PARLEY_ALLOWED_HOSTS: list,
  PARLEY_TRUSTED_PROXIES: z._default(addresses('PARLEY_TRUSTED_PROXIES'), []),
  PARLEY_METRICS_ALLOW: z._default(addresses('PARLEY_METRICS_ALLOW'), DEFAULT_METRICS_ALLOW),
  PARLEY_SESSION_IDLE_MINUTES: z._default(z.coerce.number().check(z.int(), z.gte(1), z.lte(7 * 24 * 60)), 30),
  PARLEY_LICENSE_KEYS: list,
  PARLEY_METRICS_TOKEN: z.optional(
    z.string().check(z.minLength(16, 'PARLEY_METRICS_TOKEN must have at least 16 characters')),
  ),
});

/** Reads the server's settings from the environment; throws with every problem listed. */
export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.PARLEY_DATA_DIR);
  const tls = readTlsIdentity(e.PARLEY_TLS_CERT, e.PARLEY_TLS_KEY);
  return {
    publicUrl: e.PARLEY_PUBLIC_URL ? new URL(e.PARLEY_PUBLIC_URL).origin : null,
    organization: e.PARLEY_ORGANIZATION,
    host: e.HOST,
    port: e.PORT,
    tls:
      tls && e.PARLEY_TLS_CERT
        ? { ...tls, certFile: resolve(e.PARLEY_TLS_CERT), warning: keyFileWarning(e.PARLEY_TLS_KEY) }
        : null,
    dataDir,
    store: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'sqlite', file: resolve(dataDir, 'parley.db') },
    natsUrl: e.NATS_URL ?? null,
    adminPassword: e.PARLEY_ADMIN_PASSWORD ?? null,
    demoAgent: e.PARLEY_DEMO_AGENT === '1',
    // Stable across restarts, so a node that crashed finds and clears the presence it left behind.
    nodeId: e.PARLEY_NODE_ID ?? `${hostname()}:${e.PORT}`,
    logLevel: e.PARLEY_LOG_LEVEL,
    logFormat: e.PARLEY_LOG_FORMAT,
    loginAttemptsPerMinute: e.PARLEY_LOGIN_ATTEMPTS_PER_MINUTE,
    allowedHosts: e.PARLEY_ALLOWED_HOSTS,
    trustedProxies: e.PARLEY_TRUSTED_PROXIES,
    metricsAllow: e.PARLEY_METRICS_ALLOW,
    metricsToken: e.PARLEY_METRICS_TOKEN ?? null,
    sessionIdleMinutes: e.PARLEY_SESSION_IDLE_MINUTES,
    licenseKeyFiles: e.PARLEY_LICENSE_KEYS.map((file) => resolve(file)),
  };
}
