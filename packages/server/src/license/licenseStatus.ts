import { EXPIRING_DAYS, type LicenseStatus, type LicenseTerms, type LicenseView } from '@parley/protocol';

/** What a license's terms mean at a given moment and device count: pure, the clock is an argument. */

const DAY_MS = 86_400_000;
/** The issuing machine's clock may run this far ahead of the server's. */
export const ISSUE_CLOCK_SKEW_MS = 5 * 60_000;
const WHERE = 'under License';

/** The installed license as the server last read it from the database. */
export type Installed =
  | { kind: 'none' }
  | { kind: 'invalid'; reason: string }
  | { kind: 'verified'; terms: LicenseTerms; evaluation: boolean };

const day = (iso: string) => iso.slice(0, 10);

/** Why terms that verified cannot be used at `now` (null: they can): issued in the future, or expired. */
export function outsideTerm(terms: LicenseTerms, now: Date): string | null {
  if (Date.parse(terms.issuedAt) > now.getTime() + ISSUE_CLOCK_SKEW_MS)
    return `the license is not valid before ${day(terms.issuedAt)} (issued in the future)`;
  if (Date.parse(terms.expiresAt) <= now.getTime())
    return `the Direct Access license expired on ${day(terms.expiresAt)}: import a new one ${WHERE}`;
  return null;
}

/** More devices enrolled than the license allows: what the License page and an enrollment refusal say. */
export function exceededReason(deviceLimit: number, devicesUsed: number): string {
  const allows = deviceLimit === 1 ? '1 device' : `${deviceLimit} devices`;
  const are = devicesUsed === 1 ? '1 is' : `${devicesUsed} are`;
  return `the license allows ${allows} and ${are} enrolled: remove devices or import a license for more ${WHERE}`;
}

function status(
  terms: LicenseTerms,
  devicesUsed: number,
  now: Date,
): { status: LicenseStatus; reason?: string } {
  const outside = outsideTerm(terms, now);
  if (outside)
    return { status: Date.parse(terms.expiresAt) <= now.getTime() ? 'Expired' : 'Invalid', reason: outside };
  if (devicesUsed > terms.deviceLimit)
    return { status: 'Exceeded', reason: exceededReason(terms.deviceLimit, devicesUsed) };
  const left = Date.parse(terms.expiresAt) - now.getTime();
  if (left <= EXPIRING_DAYS * DAY_MS) {
    const days = Math.ceil(left / DAY_MS);
    return {
      status: 'Expiring',
      reason: `the Direct Access license expires on ${day(terms.expiresAt)} (in ${days === 1 ? '1 day' : `${days} days`}): import a new one ${WHERE}`,
    };
  }
  return { status: 'Valid' };
}

/** `GET /api/license`: the installed license's status at `now` with `devicesUsed` enrolled. */
export function licenseView(installed: Installed, devicesUsed: number, now: Date): LicenseView {
  if (installed.kind !== 'verified') {
    return {
      valid: false,
      directAccess: false,
      reason:
        installed.kind === 'none'
          ? `no license is installed: import one ${WHERE}`
          : `the stored license was changed outside an import (${installed.reason}): import the license file again ${WHERE}`,
      status: 'Invalid',
      id: null,
      licensee: null,
      features: [],
      deviceLimit: 0,
      devicesUsed,
      issuedAt: null,
      expiresAt: null,
      evaluation: false,
    };
  }
  const { terms } = installed;
  const state = status(terms, devicesUsed, now);
  const valid = state.status === 'Valid' || state.status === 'Expiring';
  const covered = terms.features.includes('direct-access');
  const reason =
    valid && !covered
      ? `the license of ${terms.licensee} does not include Direct Access: import one that does ${WHERE}`
      : state.reason;
  return {
    valid,
    directAccess: valid && covered,
    ...(reason === undefined ? {} : { reason }),
    status: state.status,
    id: terms.id,
    licensee: terms.licensee,
    features: terms.features,
    deviceLimit: terms.deviceLimit,
    devicesUsed,
    issuedAt: terms.issuedAt,
    expiresAt: terms.expiresAt,
    evaluation: installed.evaluation,
  };
}
