import { z } from 'zod/mini';

/**
 * Licenses (issue 9): a license file is the signed terms of one license (Ed25519), as `parley license issue`
 * prints it and `POST /api/license`, `parley license import` and the console's License page take it.
 */

/** What a license can cover; instant messaging needs `direct-access`. */
export const LicenseFeature = z.enum(['direct-access']);
export type LicenseFeature = z.infer<typeof LicenseFeature>;

/** The product's names for the features, as the License page lists them. */
export const LICENSE_FEATURE_NAMES: Record<LicenseFeature, string> = { 'direct-access': 'Direct Access' };

/** A license file is never longer than this (the API refuses a larger body before parsing it). */
export const MAX_LICENSE_FILE_BYTES = 16 * 1024;

/** The evaluation license the server gives itself on its first start. */
export const EVALUATION = { devices: 20, days: 30 } as const;

/** A license is Expiring (and administrators see a banner) from this many days before it expires. */
export const EXPIRING_DAYS = 15;

const isoTime = z.iso.datetime();

/** What a license grants: the part its signature covers. */
export const LicenseTerms = z.strictObject({
  id: z.string().check(z.minLength(1), z.maxLength(64)),
  licensee: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  features: z.array(LicenseFeature).check(z.maxLength(16)),
  deviceLimit: z.number().check(z.int(), z.gte(0), z.lte(10_000_000)),
  issuedAt: isoTime,
  expiresAt: isoTime,
});
export type LicenseTerms = z.infer<typeof LicenseTerms>;

export const LICENSE_FORMAT = 'parley-license/1';

/** The file: its terms, the fingerprint of the public key that verifies it, and the signature (base64). */
export const LicenseFile = z.strictObject({
  format: z.literal(LICENSE_FORMAT),
  license: LicenseTerms,
  key: z.string().check(z.minLength(1), z.maxLength(128)),
  signature: z.string().check(z.minLength(1), z.maxLength(256)),
});
export type LicenseFile = z.infer<typeof LicenseFile>;

/**
 * The bytes a license's signature covers: the format, then its terms as JSON in one fixed order, so the file can
 * be re-indented (or sent as a JSON body) and still verify, while any change to a term does not.
 */
export function licenseSigningBytes(terms: LicenseTerms): Uint8Array {
  const canonical = {
    id: terms.id,
    licensee: terms.licensee,
    features: terms.features,
    deviceLimit: terms.deviceLimit,
    issuedAt: terms.issuedAt,
    expiresAt: terms.expiresAt,
  };
  return new TextEncoder().encode(`${LICENSE_FORMAT}\n${JSON.stringify(canonical)}`);
}

/** As the product shows it: Expiring from EXPIRING_DAYS before expiry; Exceeded: more devices than the limit. */
export const LicenseStatus = z.enum(['Valid', 'Expiring', 'Expired', 'Exceeded', 'Invalid']);
export type LicenseStatus = z.infer<typeof LicenseStatus>;

/** `GET /api/license`, and `POST /api/license`'s answer. */
export const LicenseView = z.object({
  /** Valid or Expiring: the license counts. */
  valid: z.boolean(),
  /** Instant messaging may be used: a valid license with `direct-access`. */
  directAccess: z.boolean(),
  /** For people, when Direct Access is not available or the license is Expiring: why, and what to do. */
  reason: z.optional(z.string()),
  status: LicenseStatus,
  id: z.nullable(z.string()),
  licensee: z.nullable(z.string()),
  features: z.array(LicenseFeature),
  deviceLimit: z.number().check(z.int()),
  /** Enrolled devices that are not removed. */
  devicesUsed: z.number().check(z.int()),
  issuedAt: z.nullable(z.string()),
  expiresAt: z.nullable(z.string()),
  /** The server's own evaluation license. */
  evaluation: z.boolean(),
});
export type LicenseView = z.infer<typeof LicenseView>;

/** `POST /api/license`: the license file's text (as text/plain, a JSON string, or the file's JSON itself). */
export const ImportLicenseBody = z.union([
  z.string().check(z.minLength(1), z.maxLength(MAX_LICENSE_FILE_BYTES)),
  z.record(z.string(), z.unknown()),
]);
export type ImportLicenseBody = z.infer<typeof ImportLicenseBody>;
