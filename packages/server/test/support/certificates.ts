import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { requestJson, type ServerLink } from '../../../agent/src/serverLink.js';
import { readTlsIdentity, type TlsIdentity } from '../../src/http/tls.js';
import { ADMIN_PASSWORD } from './server.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A private certificate authority made in the test (pure JS: no openssl on the machine needed). */
export interface TestCa {
  /** The CA's certificate (PEM): what `--ca` is given. */
  cert: string;
  certificate: forge.pki.Certificate;
  key: forge.pki.rsa.PrivateKey;
}

/** A server's certificate and its private key, both PEM. */
export interface TestServerCertificate {
  cert: string;
  key: string;
}

/** An RSA key pair made by node (fast), in forge's form. */
function keyPair(): { privateKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey } {
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = forge.pki.privateKeyFromPem(privateKey);
  return { privateKey: key, publicKey: forge.pki.setRsaPublicKey(key.n, key.e) };
}

function newCertificate(publicKey: forge.pki.rsa.PublicKey, subject: string): forge.pki.Certificate {
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = publicKey;
  // Positive: a leading 0 nibble-free byte keeps the serial from reading as negative.
  certificate.serialNumber = `01${randomBytes(15).toString('hex')}`;
  certificate.validity.notBefore = new Date(Date.now() - DAY_MS);
  certificate.validity.notAfter = new Date(Date.now() + 30 * DAY_MS);
  certificate.setSubject([{ name: 'commonName', value: subject }]);
  return certificate;
}

export function makeCa(name: string): TestCa {
  const { privateKey, publicKey } = keyPair();
  const certificate = newCertificate(publicKey, name);
  certificate.setIssuer(certificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  certificate.sign(privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(certificate), certificate, key: privateKey };
}

/** A server certificate for `localhost` and 127.0.0.1 (and `names`), signed by `ca`. */
export function makeServerCertificate(ca: TestCa, names: string[] = []): TestServerCertificate {
  const { privateKey, publicKey } = keyPair();
  const certificate = newCertificate(publicKey, 'localhost');
  certificate.setIssuer(ca.certificate.subject.attributes);
  certificate.setExtensions([
    { name: 'basicConstraints', cA: false, critical: true },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        ...names.map((value) => ({ type: 2, value })),
      ],
    },
  ]);
  certificate.sign(ca.key, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(certificate), key: forge.pki.privateKeyToPem(privateKey) };
}

/** Writes PEM text to `dir/name`, readable by its owner only, and returns the path. */
export function writePem(dir: string, name: string, pem: string): string {
  const file = join(dir, name);
  writeFileSync(file, pem, { mode: 0o600 });
  return file;
}

/** A private CA, a second CA that signed nothing here, and a server identity of the first, all as files. */
export interface TlsFixture {
  dir: string;
  ca: TestCa;
  caFile: string;
  otherCaFile: string;
  /** Read from its files as PARLEY_TLS_CERT and PARLEY_TLS_KEY are at start. */
  tls: TlsIdentity;
}

export function tlsFixture(prefix: string): TlsFixture {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const ca = makeCa('Parley Test CA');
  const certificate = makeServerCertificate(ca);
  const tls = readTlsIdentity(
    writePem(dir, 'cert.pem', certificate.cert),
    writePem(dir, 'key.pem', certificate.key),
  );
  if (!tls) throw new Error('no TLS identity');
  return {
    dir,
    ca,
    caFile: writePem(dir, 'ca.pem', ca.cert),
    otherCaFile: writePem(dir, 'other-ca.pem', makeCa('Some Other CA').cert),
    tls,
  };
}

/** Signs in as admin over an https link (the agent's request function: fetch takes no CA); the session cookie. */
export async function signInOverTls(link: ServerLink): Promise<{ cookie: string; setCookie: string }> {
  const answer = await requestJson(link, 'POST', '/api/auth/login', {
    username: 'admin',
    password: ADMIN_PASSWORD,
  });
  if (answer.status !== 200) throw new Error(`login failed: ${answer.status}`);
  const setCookie = [answer.headers['set-cookie'] ?? []].flat()[0] ?? '';
  return { cookie: setCookie.split(';')[0] ?? '', setCookie };
}
