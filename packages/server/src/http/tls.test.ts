import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCa, makeServerCertificate, writePem } from '../../test/support/certificates.js';
import { configFromEnv } from '../config.js';
import { isSelfSigned, keyFileWarning, readTlsIdentity } from './tls.js';

describe('PARLEY_TLS_CERT and PARLEY_TLS_KEY (issue 9)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'parley-tls-config-'));
  const ca = makeCa('Parley Test CA');
  const server = makeServerCertificate(ca);
  const other = makeServerCertificate(ca);
  const cert = writePem(dir, 'cert.pem', server.cert);
  const key = writePem(dir, 'key.pem', server.key);

  it('reads both at start, and refuses one without the other', () => {
    expect(configFromEnv({}).tls).toBeNull();
    expect(configFromEnv({ PARLEY_TLS_CERT: cert, PARLEY_TLS_KEY: key }).tls).toMatchObject({
      cert: server.cert,
      key: server.key,
      certFile: cert,
      warning: null,
    });
    expect(() => configFromEnv({ PARLEY_TLS_CERT: cert })).toThrow(
      /^PARLEY_TLS_KEY is missing: PARLEY_TLS_CERT .* and PARLEY_TLS_KEY .* go together/,
    );
    expect(() => configFromEnv({ PARLEY_TLS_KEY: key })).toThrow(/^PARLEY_TLS_CERT is missing/);
  });

  it('says which file is missing, unusable, or not the pair of the other', () => {
    expect(() => readTlsIdentity(join(dir, 'nope.pem'), key)).toThrow(
      `PARLEY_TLS_CERT: cannot read the certificate ${join(dir, 'nope.pem')}: no such file`,
    );
    expect(() => readTlsIdentity(key, key)).toThrow(/PARLEY_TLS_CERT: .* is not a PEM certificate/);
    expect(() => readTlsIdentity(cert, cert)).toThrow(
      /PARLEY_TLS_KEY: .* is not an unencrypted PEM private key/,
    );
    const wrongKey = writePem(dir, 'other-key.pem', other.key);
    expect(() => readTlsIdentity(cert, wrongKey)).toThrow(
      `PARLEY_TLS_KEY: ${wrongKey} is not the private key of the certificate in ${cert}`,
    );
  });

  it('warns about a key file other accounts can read', () => {
    const open = writePem(dir, 'open-key.pem', server.key);
    chmodSync(open, 0o644);
    expect(keyFileWarning(open, 'linux')).toMatch(/can be read by other accounts \(mode 644\): chmod 600 it/);
    expect(keyFileWarning(key, 'linux')).toBeNull();
  });

  it('tells a self-signed certificate (its own CA) from one a CA issued', () => {
    expect(isSelfSigned(ca.cert)).toBe(true);
    expect(isSelfSigned(server.cert)).toBe(false);
  });
});
