import { createPrivateKey } from 'node:crypto';
import { EVALUATION, type LicenseView } from '@parley/protocol';
import type { Logger } from 'pino';
import { audit, type Doer } from '../audit/audit.js';
import { type Bus, subjects } from '../bus/bus.js';
import { uuidv7 } from '../ids.js';
import { type CommandResult, Refused } from '../result.js';
import type { Store } from '../store/store.js';
import { newKeyPair, signLicense, type TrustedKey, trustedKey, verifyLicense } from './licenseFile.js';
import { exceededReason, type Installed, licenseView, outsideTerm } from './licenseStatus.js';

/**
 * The license is read again this often even when no `license_changed` came (one lost on the bus, an import made
 * with `parley license import` on the server).
 */
export const LICENSE_CACHE_MS = 30_000;

const DAY_MS = 86_400_000;
const SYSTEM: Doer = { name: 'system', address: null };

export type DirectAccess = { allowed: true } | { allowed: false; code: 'license_required'; message: string };

const ALLOWED: DirectAccess = { allowed: true };

/**
 * The installed license: the first start's evaluation, imports, the status the console shows, whether Direct
 * Access may be used now (asked by the policy for every chat frame: cached per node, reset over the bus), and the
 * device limit an enrollment checks inside its transaction.
 */
export class LicenseService {
  private cache: { at: number; installed: Promise<Installed>; devicesUsed: Promise<number> } | null = null;

  constructor(
    private readonly store: Store,
    private readonly bus: Bus,
    /** The public keys of PARLEY_LICENSE_KEYS; the evaluation key comes from the database. */
    private readonly keys: readonly TrustedKey[],
    private readonly now: () => Date = () => new Date(),
    private readonly log?: Logger,
  ) {
    bus.subscribe(subjects.license, () => this.forget());
  }

  forget(): void {
    this.cache = null;
  }

  /**
   * On the first start of a database: an evaluation license signed by a key made for it, of which only the public
   * half is kept. The key's row is written once (ON CONFLICT DO NOTHING), so a restart or a second node starting at
   * the same moment makes no second evaluation.
   */
  async ensureEvaluation(): Promise<boolean> {
    if ((await this.store.licenses.evaluationKey()) !== undefined) return false;
    const { privatePem, publicPem } = newKeyPair();
    const at = this.now();
    const terms = {
      id: uuidv7(at.getTime()),
      licensee: 'Evaluation',
      features: ['direct-access' as const],
      deviceLimit: EVALUATION.devices,
      issuedAt: at.toISOString(),
      expiresAt: new Date(at.getTime() + EVALUATION.days * DAY_MS).toISOString(),
    };
    const file = signLicense(terms, createPrivateKey(privatePem));
    const created = await this.store.transaction(async (tx) => {
      if (!(await tx.licenses.addEvaluationKey(publicPem, terms.issuedAt))) return false;
      // A license imported before the first start (parley license import) stays; the evaluation is spent anyway.
      if (!(await tx.licenses.installIfNone({ file, installedAt: terms.issuedAt, installedBy: SYSTEM.name })))
        return false;
      await audit(tx, SYSTEM, 'license.evaluation', `license:${terms.id}`, {
        deviceLimit: terms.deviceLimit,
        expiresAt: terms.expiresAt,
      });
      return true;
    });
    if (created) {
      this.log?.info({ expiresAt: terms.expiresAt }, 'evaluation license created');
      this.changed();
    }
    return created;
  }

  /** The status of the installed license now, with the devices enrolled counted afresh. */
  async view(): Promise<LicenseView> {
    const [installed, devicesUsed] = await Promise.all([
      this.cached().installed,
      this.store.devices.countEnrolled(),
    ]);
    return licenseView(installed, devicesUsed, this.now());
  }

  /** Whether instant messaging may be used now: the cached license, judged against the clock of this moment. */
  async directAccess(): Promise<DirectAccess> {
    const { installed, devicesUsed } = this.cached();
    const view = licenseView(await installed, await devicesUsed, this.now());
    if (view.directAccess) return ALLOWED;
    return {
      allowed: false,
      code: 'license_required',
      message: view.reason ?? 'instant messaging needs a valid Direct Access license',
    };
  }

  /**
   * Installs a license file, or refuses it (`invalid_license`, nothing changed) when it does not verify against a
   * trusted key, was issued in the future or has expired. Every node reads it again at once.
   */
  async import(text: string, doer: Doer): Promise<CommandResult<LicenseView>> {
    const verified = verifyLicense(text.trim(), await this.trustedKeys(this.store));
    const problem = verified.ok ? outsideTerm(verified.terms, this.now()) : verified.reason;
    if (!verified.ok || problem !== null)
      return { ok: false, code: 'invalid_license', message: `license refused: ${problem}` };
    const { terms } = verified;
    const at = this.now();
    await this.store.transaction(async (tx) => {
      await tx.licenses.install({ file: text.trim(), installedAt: at.toISOString(), installedBy: doer.name });
      await audit(
        tx,
        doer,
        'license.import',
        `license:${terms.id}`,
        {
          licensee: terms.licensee,
          features: terms.features,
          deviceLimit: terms.deviceLimit,
          expiresAt: terms.expiresAt,
        },
        at,
      );
    });
    this.changed();
    return { ok: true, value: await this.view() };
  }

  /**
   * Inside an enrollment's transaction: throws `license_exceeded` when every seat the license allows is taken (the
   * license row stays locked until the transaction ends, so enrollments take turns for the last seat).
   */
  async seatAvailable(tx: Store): Promise<void> {
    const file = await tx.licenses.lockInstalled();
    const installed = await this.verify(tx, file);
    if (installed.kind !== 'verified') {
      const { reason } = licenseView(installed, 0, this.now());
      throw new Refused('license_required', 403, `no device can be enrolled: ${reason}`);
    }
    const used = await tx.devices.countEnrolled();
    if (used >= installed.terms.deviceLimit)
      throw new Refused('license_exceeded', 403, exceededReason(installed.terms.deviceLimit, used));
  }

  private changed(): void {
    this.forget();
    this.bus.publish(subjects.license, { type: 'license_changed' });
  }

  private cached(): { installed: Promise<Installed>; devicesUsed: Promise<number> } {
    const now = this.now().getTime();
    if (!this.cache || now - this.cache.at >= LICENSE_CACHE_MS || now < this.cache.at) {
      const installed = this.store.licenses
        .installed()
        .then((stored) => this.verify(this.store, stored?.file));
      const devicesUsed = this.store.devices.countEnrolled();
      const entry = { at: now, installed, devicesUsed };
      this.cache = entry;
      // A failed read is not kept: the next check reads again.
      Promise.all([installed, devicesUsed]).catch((error: unknown) => {
        if (this.cache === entry) this.cache = null;
        this.log?.error({ err: error }, 'reading the license failed');
      });
    }
    return this.cache;
  }

  private async trustedKeys(store: Store): Promise<TrustedKey[]> {
    const evaluation = await store.licenses.evaluationKey();
    return evaluation === undefined ? [...this.keys] : [...this.keys, trustedKey(evaluation, true)];
  }

  /** The stored file verified again: one changed outside an import is Invalid. */
  private async verify(store: Store, file: string | undefined): Promise<Installed> {
    if (file === undefined) return { kind: 'none' };
    const verified = verifyLicense(file, await this.trustedKeys(store));
    return verified.ok
      ? { kind: 'verified', terms: verified.terms, evaluation: verified.evaluation }
      : { kind: 'invalid', reason: verified.reason };
  }
}
