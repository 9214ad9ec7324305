import { createPrivateKey } from 'node:crypto';
import type { LicenseTerms } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { newKeyPair, signLicense, trustedKey, verifyLicense } from './licenseFile.js';
import { licenseView } from './licenseStatus.js';

const DAY = 86_400_000;
const t0 = Date.UTC(2027, 0, 1);
const terms = (over: Partial<LicenseTerms> = {}): LicenseTerms => ({
  id: 'lic-1',
  licensee: 'Example Corp',
  features: ['direct-access'],
  deviceLimit: 50,
  issuedAt: new Date(t0).toISOString(),
  expiresAt: new Date(t0 + 100 * DAY).toISOString(),
  ...over,
});

function keyPair(evaluation = false) {
  const { privatePem, publicPem } = newKeyPair();
  return { privateKey: createPrivateKey(privatePem), trusted: trustedKey(publicPem, evaluation) };
}

describe('license files (issue 9)', () => {
  const { privateKey, trusted } = keyPair();

  it('verify with the key that signed them, also re-indented, and not when a term or the signature changed', () => {
    const file = signLicense(terms(), privateKey);
    expect(verifyLicense(file, [trusted])).toEqual({ ok: true, terms: terms(), evaluation: false });
    expect(verifyLicense(JSON.stringify(JSON.parse(file)), [trusted]).ok).toBe(true);
    const oneByte = file.replace('Example Corp', 'Example Corq');
    expect(verifyLicense(oneByte, [trusted])).toMatchObject({
      ok: false,
      reason: /signature does not match/,
    });
    const parsed = JSON.parse(file) as { signature: string };
    const flipped = `${parsed.signature.startsWith('A') ? 'B' : 'A'}${parsed.signature.slice(1)}`;
    expect(verifyLicense(file.replace(parsed.signature, flipped), [trusted]).ok).toBe(false);
    expect(verifyLicense(file, [keyPair().trusted])).toMatchObject({ ok: false, reason: /does not trust/ });
    expect(verifyLicense('{"format":"x"}', [trusted])).toMatchObject({
      ok: false,
      reason: /not a Parley license/,
    });
    expect(verifyLicense('not json', [trusted])).toMatchObject({ ok: false, reason: /not JSON/ });
  });

  it('from the evaluation key, only evaluation-shaped ones: at most 20 devices for 30 days', () => {
    const evaluation = keyPair(true);
    const shaped = terms({ deviceLimit: 20, expiresAt: new Date(t0 + 30 * DAY).toISOString() });
    expect(verifyLicense(signLicense(shaped, evaluation.privateKey), [evaluation.trusted])).toMatchObject({
      ok: true,
      evaluation: true,
    });
    for (const big of [{ deviceLimit: 21 }, { expiresAt: new Date(t0 + 31 * DAY).toISOString() }])
      expect(
        verifyLicense(signLicense({ ...shaped, ...big }, evaluation.privateKey), [evaluation.trusted]),
      ).toMatchObject({ ok: false, reason: /evaluation key signs only evaluation licenses/ });
  });
});

describe('license status (issue 9)', () => {
  const verified = (over: Partial<LicenseTerms> = {}) =>
    ({ kind: 'verified', terms: terms(over), evaluation: false }) as const;
  const at = (day: number) => new Date(t0 + day * DAY);

  it('is Valid, Expiring from 15 days before expiry, then Expired, with reasons people understand', () => {
    expect(licenseView(verified(), 10, at(84))).toMatchObject({
      status: 'Valid',
      valid: true,
      directAccess: true,
    });
    expect(licenseView(verified(), 10, at(84)).reason).toBeUndefined();
    expect(licenseView(verified(), 10, at(85))).toMatchObject({
      status: 'Expiring',
      directAccess: true,
      reason: 'the Direct Access license expires on 2027-04-11 (in 15 days): import a new one under License',
    });
    expect(licenseView(verified(), 10, at(100))).toMatchObject({
      status: 'Expired',
      valid: false,
      directAccess: false,
      reason: 'the Direct Access license expired on 2027-04-11: import a new one under License',
    });
  });

  it('is Exceeded with more devices than the limit, Invalid before it was issued or when it does not verify', () => {
    expect(licenseView(verified(), 51, at(1))).toMatchObject({
      status: 'Exceeded',
      directAccess: false,
      reason:
        'the license allows 50 devices and 51 are enrolled: remove devices or import a license for more under License',
    });
    expect(licenseView(verified(), 50, at(1)).status).toBe('Valid');
    expect(licenseView(verified(), 0, at(-1))).toMatchObject({
      status: 'Invalid',
      reason: /not valid before 2027-01-01/,
    });
    expect(licenseView({ kind: 'invalid', reason: 'the signature does not match' }, 3, at(1))).toMatchObject({
      status: 'Invalid',
      directAccess: false,
      devicesUsed: 3,
      reason: /changed outside an import/,
    });
  });

  it('gives no Direct Access to a valid license without the feature, and says so', () => {
    expect(licenseView(verified({ features: [] }), 1, at(1))).toMatchObject({
      status: 'Valid',
      valid: true,
      directAccess: false,
      reason:
        'the license of Example Corp does not include Direct Access: import one that does under License',
    });
  });
});
