import { useEffect } from 'react';
import { setPageTitle } from '../chat/tabBadge';
import { Link } from './router';
import { HOME, href } from './routes';

/** An address that is no page of the console. */
export function NotFoundPage() {
  useEffect(() => {
    setPageTitle('Page not found · Parley');
  }, []);
  return (
    <div className="page">
      <h1 className="page__title">Page not found</h1>
      <p>
        <Link to={href(HOME)}>Go to the device list</Link>
      </p>
    </div>
  );
}
