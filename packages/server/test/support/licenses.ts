import { createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LicenseTerms } from '@parley/protocol';
import { uuidv7 } from '../../src/ids.js';
import { newKeyPair, signLicense } from '../../src/license/licenseFile.js';

const DAY_MS = 86_400_000;

/** A license signing key of a test: its public half in a PEM file (for PARLEY_LICENSE_KEYS), and what it signs. */
export class TestLicenseKey {
  readonly publicFile: string;
  private readonly dir: string;
  private readonly privateKey: KeyObject;

  constructor() {
    const { privatePem, publicPem } = newKeyPair();
    this.dir = mkdtempSync(join(tmpdir(), 'parley-license-'));
    this.publicFile = join(this.dir, 'license-public.pem');
    writeFileSync(this.publicFile, publicPem);
    this.privateKey = createPrivateKey(privatePem);
  }

  /** A license file: Direct Access for 100 devices and 365 days from `now`, unless `terms` say otherwise. */
  issue(terms: Partial<LicenseTerms> & { days?: number } = {}, now = new Date()): string {
    const { days = 365, ...rest } = terms;
    return signLicense(
      {
        id: uuidv7(now.getTime()),
        licensee: 'Example Corp',
        features: ['direct-access'],
        deviceLimit: 100,
        issuedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + days * DAY_MS).toISOString(),
        ...rest,
      },
      this.privateKey,
    );
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A clock the test moves: the license service reads it at every check. */
export class TestClock {
  private offsetMs = 0;
  readonly now = (): Date => new Date(Date.now() + this.offsetMs);

  advanceDays(days: number): void {
    this.offsetMs += days * DAY_MS;
  }

  advanceMs(ms: number): void {
    this.offsetMs += ms;
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

export const days = (n: number): number => n * DAY_MS;
