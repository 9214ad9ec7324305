import { CAPABILITY_DESCRIPTIONS, type Capability } from '@parley/protocol';
import { ShieldOff } from 'lucide-react';
import { useEffect } from 'react';
import { Link } from '../app/router';
import { HOME, href } from '../app/routes';
import { setPageTitle } from '../chat/tabBadge';

/** A screen the signed-in operator lacks the capability for: which one, what it allows, whom to ask. */
export function MissingCapabilityPage({ capability }: { capability: Capability }) {
  useEffect(() => {
    setPageTitle('Not allowed · Parley');
  }, []);
  return (
    <div className="page">
      <div className="card card--empty">
        <ShieldOff size={28} aria-hidden="true" />
        <h1 className="page__title">You need the {capability} capability</h1>
        <p>
          This page needs the <strong>{capability}</strong> capability: {CAPABILITY_DESCRIPTIONS[capability]}{' '}
          Ask an administrator to give it to you.
        </p>
        <p>
          <Link to={href(HOME)}>Go to the device list</Link>
        </p>
      </div>
    </div>
  );
}
