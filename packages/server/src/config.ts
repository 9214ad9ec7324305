import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { AddressList } from './http/addresses.js';
import { keyFileWarning, readTlsIdentity, type TlsIdentity } from './http/tls.js';
import type { LogFormat } from './logging.js';
import type { StoreLocation } from './store/open.js';

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
const list = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
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
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PARLEY_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgres:// URL')
    .optional(),
  NATS_URL: z.string().optional(),
  PARLEY_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'PARLEY_PUBLIC_URL must be an http(s) URL' })
    .optional(),
  PARLEY_TLS_CERT: z.string().min(1).optional(),
  PARLEY_TLS_KEY: z.string().min(1).optional(),
  PARLEY_ADMIN_PASSWORD: z
    .string()
    .min(8, 'PARLEY_ADMIN_PASSWORD must have at least 8 characters')
    .optional(),
  PARLEY_DEMO_AGENT: z.enum(['0', '1']).default('1'),
  PARLEY_NODE_ID: z.string().optional(),
  PARLEY_ORGANIZATION: z.string().min(1).max(120).default(DEFAULT_ORGANIZATION),
  PARLEY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PARLEY_LOG_FORMAT: z.enum(['text', 'json']).default('text'),
  PARLEY_LOGIN_ATTEMPTS_PER_MINUTE: z.coerce.number().int().positive().default(10),
  PARLEY_ALLOWED_HOSTS: list,
  PARLEY_TRUSTED_PROXIES: addresses('PARLEY_TRUSTED_PROXIES').default([]),
  PARLEY_METRICS_ALLOW: addresses('PARLEY_METRICS_ALLOW').default(DEFAULT_METRICS_ALLOW),
  PARLEY_SESSION_IDLE_MINUTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 60)
    .default(30),
  PARLEY_LICENSE_KEYS: list,
  PARLEY_METRICS_TOKEN: z
    .string()
    .min(16, 'PARLEY_METRICS_TOKEN must have at least 16 characters')
    .optional(),
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
