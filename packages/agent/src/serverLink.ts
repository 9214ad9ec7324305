import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { assertTrusted } from './fileTrust.js';

/**
 * How the agent reaches its server, for every command that talks to it (`enroll`, `run`, `rotate`): which URLs are
 * allowed, which certificates are trusted, and one JSON request function over node:https that honours them (Node 20's
 * fetch cannot be given a CA of its own). The agent's socket takes the same options (`socketTls`).
 */

/** What the agent config stores (written at enroll) and `--ca` / `--insecure` override. */
export interface Reach {
  /** A PEM file of the CA(s) trusted for the server's certificate, instead of the system's. */
  ca?: string | undefined;
  /** Allows plain http:// (ws://) to a server that is not this computer. */
  insecure?: boolean | undefined;
}

export interface ServerLink {
  /** The server's origin: https://host[:port], or http:// to loopback (or with `insecure`). */
  origin: string;
  /** The trusted CA certificates (PEM) and their file; null: the system's CAs. */
  ca: { pem: string; file: string } | null;
  insecure: boolean;
}

/** An answer larger than this is cut off: enrollment and rotation answers are a few hundred bytes. */
const MAX_ANSWER_BYTES = 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

/** 127.0.0.0/8, ::1 and `localhost`: this computer, where plain http crosses no network. */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/**
 * The server's origin from `--server`: https, or http to this computer. Plain http to anything else is refused
 * unless `insecure`, with one line that says why and what to do.
 */
export function checkServerUrl(server: string, insecure = false): string {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new Error(`${JSON.stringify(server)} is not a URL: give the server as https://host[:port]`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Error(`${url.protocol}// is not a server URL: give the server as https://host[:port]`);
  if (url.protocol === 'http:' && !insecure && !isLoopback(url.hostname)) {
    throw new Error(
      `refusing plain ${url.origin}: the device credential and every chat would cross the network unencrypted ` +
        'and unauthenticated; use https:// (with --ca FILE for a private CA), or add --insecure to allow it anyway',
    );
  }
  return url.origin;
}

/**
 * Reads a `--ca` file. It decides whom the agent believes to be its server, so it must be one nobody else can
 * change: owned by this account or root and writable by no one else, in a directory of the same kind (POSIX; on
 * Windows the file's ACL is the administrator's business).
 */
export function readCa(file: string, platform = process.platform): { pem: string; file: string } {
  const path = resolve(file);
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the CA file ${path} (--ca): ${(error as Error).message}`);
  }
  try {
    new X509Certificate(pem);
  } catch {
    throw new Error(`the CA file ${path} (--ca) holds no PEM certificate`);
  }
  assertTrusted('CA file', path, 'anyone who can change it can impersonate the server', { platform });
  return { pem, file: path };
}

/** The link for a server URL and what the config or flags say. Throws for a refused URL or an unusable CA file. */
export function serverLink(server: string, reach: Reach = {}): ServerLink {
  const insecure = reach.insecure === true;
  return {
    origin: checkServerUrl(server, insecure),
    ca: reach.ca ? readCa(reach.ca) : null,
    insecure,
  };
}

/**
 * The link of an enrolled agent: its config's server, CA and choice, each flag given on the command line (`run`,
 * `rotate`) taking precedence over what the config stored.
 */
export function configuredLink(config: { server: string } & Reach, flags: Reach = {}): ServerLink {
  return serverLink(config.server, {
    ca: flags.ca ?? config.ca,
    insecure: flags.insecure ?? config.insecure,
  });
}

/** What the agent config keeps of a link: the CA file (absolute) and an insecure choice, when there are. */
export function reachOf(link: ServerLink): { ca?: string; insecure?: true } {
  return { ...(link.ca ? { ca: link.ca.file } : {}), ...(link.insecure ? { insecure: true } : {}) };
}

/** The agent's WebSocket: wss:// for an https server. */
export function agentSocketUrl(link: ServerLink): string {
  const url = new URL('/ws/agent', link.origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.href;
}

/** TLS options for a socket or request to the server: the CA when there is one (the system's otherwise). */
export function socketTls(link: ServerLink): { ca?: string } {
  return link.ca ? { ca: link.ca.pem } : {};
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

/** One line on why the server could not be reached, with the fix where there is one. */
export function describeTransportError(error: Error, link: ServerLink): string {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const where = `cannot reach ${link.origin}`;
  if (UNTRUSTED.has(code)) {
    const trusted = link.ca ? `the CA in ${link.ca.file}` : 'a CA this system trusts';
    return `${where}: its certificate is not issued by ${trusted} (${code}); give --ca the PEM file of the CA that issued it`;
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return `${where}: its certificate is not valid now (${code}); renew the server's certificate`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${where}: its certificate is not for ${new URL(link.origin).hostname} (${error.message}); use a name it was issued for`;
  if (code === 'EPROTO' && /wrong version number|packet length too long/i.test(error.message))
    return `${where}: the server does not speak TLS on that port (is it http://?)`;
  return `${where}: ${error.message}${code && !error.message.includes(code) ? ` (${code})` : ''}`;
}

export interface JsonAnswer {
  status: number;
  /** The answer's JSON, or null when it had none (or none that parsed). */
  body: unknown;
  headers: IncomingHttpHeaders;
}

/**
 * A JSON request to the server over the link (its CA, its origin as `Origin`). Resolves with any HTTP status;
 * rejects, with `describeTransportError`'s line, when no answer came.
 */
export function requestJson(
  link: ServerLink,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  const url = new URL(path, link.origin);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolvePromise, reject) => {
    const request = transport.request(
      url,
      {
        method,
        headers: {
          origin: link.origin,
          accept: 'application/json',
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }),
          ...headers,
        },
        ...socketTls(link),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) {
            response.destroy(new Error(`the answer is larger than ${MAX_ANSWER_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('error', (error) => reject(new Error(describeTransportError(error, link))));
        response.on('end', () => {
          let parsed: unknown = null;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            // Not JSON (a proxy's error page): the status still says what happened.
          }
          resolvePromise({ status: response.statusCode ?? 0, body: parsed, headers: response.headers });
        });
      },
    );
    request.setTimeout(REQUEST_TIMEOUT_MS, () =>
      request.destroy(new Error(`no answer in ${REQUEST_TIMEOUT_MS / 1000} s`)),
    );
    request.on('error', (error) => reject(new Error(describeTransportError(error, link))));
    request.end(payload);
  });
}

/** POSTs JSON to the server: enrollment, and credential rotation with the device's credential in `headers`. */
export function postJson(
  link: ServerLink,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<JsonAnswer> {
  return requestJson(link, 'POST', path, body, headers);
}
