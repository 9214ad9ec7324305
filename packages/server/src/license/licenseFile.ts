import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  EVALUATION,
  LICENSE_FORMAT,
  LicenseFile,
  type LicenseTerms,
  licenseSigningBytes,
  MAX_LICENSE_FILE_BYTES,
} from '@parley/protocol';

/** Signing and verifying license files (Ed25519, node:crypto): pure, no database, no clock. */

const DAY_MS = 86_400_000;

/** A public key the server believes; an evaluation key only for evaluation-shaped licenses. */
export interface TrustedKey {
  fingerprint: string;
  key: KeyObject;
  evaluation: boolean;
}

/** Names a public key in a license file: the first 16 bytes of the SHA-256 of its SPKI encoding, in hex. */
export function fingerprint(key: KeyObject): string {
  const der = key.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 32);
}

export function newKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** An Ed25519 key from PEM text; throws naming `what` when it is not one. */
function keyFromPem(pem: string, half: 'public' | 'private', what: string): KeyObject {
  let key: KeyObject;
  try {
    key = half === 'public' ? createPublicKey(pem) : createPrivateKey(pem);
  } catch {
    throw new Error(`${what} is not a PEM ${half} key`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${what} is not an Ed25519 key`);
  return key;
}

export function publicKeyFromPem(pem: string, what = 'the key'): KeyObject {
  return keyFromPem(pem, 'public', what);
}

export function privateKeyFromPem(pem: string, what = 'the key'): KeyObject {
  return keyFromPem(pem, 'private', what);
}

/** The keys of PARLEY_LICENSE_KEYS (PEM files); throws naming the file that cannot be used. */
export function readTrustedKeys(files: readonly string[]): TrustedKey[] {
  return files.map((file) => {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`PARLEY_LICENSE_KEYS: cannot read ${file}: ${(error as Error).message}`);
    }
    const key = publicKeyFromPem(pem, `PARLEY_LICENSE_KEYS: ${file}`);
    return { fingerprint: fingerprint(key), key, evaluation: false };
  });
}

export function trustedKey(pem: string, evaluation: boolean): TrustedKey {
  const key = publicKeyFromPem(pem);
  return { fingerprint: fingerprint(key), key, evaluation };
}

/** The license file of `terms`, signed with `privateKey`, as `parley license issue` prints it. */
export function signLicense(terms: LicenseTerms, privateKey: KeyObject): string {
  const file: LicenseFile = {
    format: LICENSE_FORMAT,
    license: terms,
    key: fingerprint(createPublicKey(privateKey)),
    signature: sign(null, licenseSigningBytes(terms), privateKey).toString('base64'),
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** At most what the evaluation license may be: a key that signs only those cannot mint a larger one. */
function evaluationShaped(terms: LicenseTerms): boolean {
  const days = (Date.parse(terms.expiresAt) - Date.parse(terms.issuedAt)) / DAY_MS;
  return terms.deviceLimit <= EVALUATION.devices && days <= EVALUATION.days;
}

export type Verified = { ok: true; terms: LicenseTerms; evaluation: boolean } | { ok: false; reason: string };

/** Checks a license file's form and signature against the trusted keys (not its dates: see status.ts). */
export function verifyLicense(text: string, keys: readonly TrustedKey[]): Verified {
  if (Buffer.byteLength(text) > MAX_LICENSE_FILE_BYTES)
    return { ok: false, reason: 'the file is too large to be a license' };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the file is not a Parley license (not JSON)' };
  }
  const parsed = LicenseFile.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return { ok: false, reason: `the file is not a Parley license (${where}${issue?.message ?? 'invalid'})` };
  }
  const file = parsed.data;
  const trusted = keys.find((key) => key.fingerprint === file.key);
  if (!trusted)
    return {
      ok: false,
      reason: `the license is signed by a key this server does not trust (${file.key}); add its public key to PARLEY_LICENSE_KEYS`,
    };
  const signature = Buffer.from(file.signature, 'base64');
  if (!verify(null, licenseSigningBytes(file.license), trusted.key, signature))
    return { ok: false, reason: 'the signature does not match: the license was changed after it was signed' };
  if (Date.parse(file.license.expiresAt) <= Date.parse(file.license.issuedAt))
    return { ok: false, reason: 'the license expires before it was issued' };
  if (trusted.evaluation && !evaluationShaped(file.license))
    return {
      ok: false,
      reason: `the evaluation key signs only evaluation licenses (at most ${EVALUATION.devices} devices for ${EVALUATION.days} days)`,
    };
  return { ok: true, terms: file.license, evaluation: trusted.evaluation };
}
