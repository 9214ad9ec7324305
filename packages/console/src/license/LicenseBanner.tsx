import { Link } from '../app/router';
import { href } from '../app/routes';
import { Notice } from '../chat/Notice';
import { needsAttention, useLicense } from './licenseQuery';

/** For administrators (settings.manage), on every screen: the license is Expiring, Expired, Exceeded or Invalid. */
export function LicenseBanner() {
  const license = useLicense().data;
  if (!needsAttention(license)) return null;
  const expiring = license.status === 'Expiring';
  return (
    <div className="banner">
      <Notice icon="alert" tone={expiring ? 'warning' : 'danger'} role={expiring ? 'status' : 'alert'}>
        <span className="sentence">
          License {license.status.toLowerCase()}: {license.reason}.
        </span>{' '}
        <Link to={href('license')}>Go to License</Link>
      </Notice>
    </div>
  );
}
