import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';

/** The certificate (chain) and private key the server serves HTTPS and WSS with, as PEM text. */
export interface TlsIdentity {
  cert: string;
  key: string;
}

function readPem(file: string, variable: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'not readable by this account'
          : (error as Error).message;
    throw new Error(`${variable}: cannot read the ${what} ${file}: ${reason}`);
  }
}

/**
 * Reads `PARLEY_TLS_CERT` and `PARLEY_TLS_KEY` (PEM files) at start, and checks that they are a certificate and the
 * private key that goes with it: a mistake is one clear line now, not a failed handshake for every client later.
 * Neither set: null (plain HTTP, or TLS ends at a proxy). Only one set: an error.
 */
export function readTlsIdentity(
  certFile: string | undefined,
  keyFile: string | undefined,
): TlsIdentity | null {
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) {
    throw new Error(
      `${certFile ? 'PARLEY_TLS_KEY' : 'PARLEY_TLS_CERT'} is missing: PARLEY_TLS_CERT (the certificate) and ` +
        'PARLEY_TLS_KEY (its private key) go together, both PEM files; set both or neither',
    );
  }
  const cert = readPem(certFile, 'PARLEY_TLS_CERT', 'certificate');
  const key = readPem(keyFile, 'PARLEY_TLS_KEY', 'private key');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch (error) {
    throw new Error(`PARLEY_TLS_CERT: ${certFile} is not a PEM certificate (${(error as Error).message})`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch (error) {
    throw new Error(
      `PARLEY_TLS_KEY: ${keyFile} is not an unencrypted PEM private key (${(error as Error).message})`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey))
    throw new Error(`PARLEY_TLS_KEY: ${keyFile} is not the private key of the certificate in ${certFile}`);
  return { cert, key };
}

/** A private key other accounts of the server can read is worth a warning (not a refusal: containers differ). */
export function keyFileWarning(keyFile: string | undefined, platform = process.platform): string | null {
  if (!keyFile || platform === 'win32') return null;
  const mode = statSync(keyFile).mode;
  return (mode & 0o077) === 0
    ? null
    : `PARLEY_TLS_KEY ${keyFile} can be read by other accounts (mode ${(mode & 0o777).toString(8)}): chmod 600 it`;
}

/** Whether the (first) certificate of `pem` signed itself: then it is its own CA, and can be trusted as such. */
export function isSelfSigned(pem: string): boolean {
  const certificate = new X509Certificate(pem);
  return certificate.checkIssued(certificate) && certificate.verify(certificate.publicKey);
}
