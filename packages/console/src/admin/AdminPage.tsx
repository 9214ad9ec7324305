import { type ReactNode, useEffect } from 'react';
import { isSignedOut } from '../api/http';
import { Link, useLocation } from '../app/router';
import { type ADMIN_SCREENS, adminScreensFor, href, parsePath } from '../app/routes';
import { useSession } from '../auth/session';
import { setPageTitle } from '../chat/tabBadge';
import { Button } from '../kit/Button';
import { FormError } from '../kit/Field';
import { type Column, Table } from '../kit/Table';
import './admin.css';

type AdminScreen = (typeof ADMIN_SCREENS)[number];

const LABELS: Record<AdminScreen, string> = {
  operators: 'Operators',
  operatorGroups: 'Operator groups',
  deviceGroups: 'Device groups',
  rights: 'Access rights',
  effectiveRights: 'Effective rights',
  enrollmentTokens: 'Enrollment tokens',
  recordingSettings: 'Recording',
  audit: 'Audit log',
};

/** The screen the address shows, for the navigation (an operator's own page is under Operators). */
function currentScreen(pathname: string): string {
  const name = parsePath(pathname).name;
  return name === 'operator' ? 'operators' : name;
}

/**
 * An administration screen: the administration navigation (only the screens this operator has the capability
 * for), the screen's heading, its main action and its content.
 */
export function AdminPage({
  title,
  sub,
  actions,
  children,
}: {
  title: string;
  sub?: ReactNode;
  actions?: ReactNode;
  children: ReactNode;
}) {
  useEffect(() => {
    setPageTitle(`${title} · Parley`);
  }, [title]);
  const capabilities = useSession().data?.operator?.capabilities ?? [];
  const current = currentScreen(useLocation().pathname);
  return (
    <div className="page admin">
      <nav className="admin__nav" aria-label="Administration">
        <ul>
          {adminScreensFor(capabilities).map((name) => (
            <li key={name}>
              <Link to={href(name)} aria-current={current === name ? 'page' : undefined}>
                {LABELS[name as AdminScreen]}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div className="admin__content">
        <PageHead title={title} sub={sub} actions={actions} />
        {children}
      </div>
    </div>
  );
}

/** A page's heading, the line under it and its main action. */
export function PageHead({ title, sub, actions }: { title: string; sub?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page__head">
      <div>
        <h1 className="page__title">{title}</h1>
        {sub && <p className="page__sub">{sub}</p>}
      </div>
      {actions}
    </div>
  );
}

/** A list query shown as a table (`caption` names it), or `empty` when there is nothing in it. */
export function LoadedTable<Row>({
  query,
  what,
  empty,
  ...table
}: {
  query: { data: Row[] | undefined; isError: boolean; error: Error | null };
  what: string;
  empty: string;
  caption: string;
  columns: readonly Column<Row>[];
  rowKey(row: Row): string;
  className?: string;
}) {
  return (
    <Loaded query={query} what={what}>
      {(rows) =>
        rows.length === 0 ? <p className="card card--empty">{empty}</p> : <Table rows={rows} {...table} />
      }
    </Loaded>
  );
}

/** A mutation's state as a form dialog shows it: busy while it runs, and what went wrong. */
export function formState(change: { isPending: boolean; error: Error | null }) {
  return { busy: change.isPending, error: problemText(change.error) };
}

/** A query's data once it is there; until then "Loading <what>…", or what went wrong. */
export function Loaded<T>({
  query,
  what,
  children,
}: {
  query: { data: T | undefined; isError: boolean; error: Error | null };
  what: string;
  children(data: T): ReactNode;
}) {
  if (query.data !== undefined) return children(query.data);
  if (query.isError) {
    const problem = problemText(query.error);
    return problem ? <FormError>{problem}</FormError> : null;
  }
  return (
    <p className="card card--empty muted" role="status">
      Loading {what}…
    </p>
  );
}

/** What a mutation's failure says (nothing when the session ended: the sign-in page says it). */
export function problemText(error: Error | null): string | null {
  return error && !isSignedOut(error) ? error.message : null;
}

/** Under a paged list: Load more while there are pages, then what `end` says. */
export function LoadMore({
  pages,
  end,
  className,
}: {
  pages: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage(): Promise<unknown> };
  end: string;
  className: string;
}) {
  return (
    <div className={className}>
      {pages.hasNextPage ? (
        <Button busy={pages.isFetchingNextPage} onClick={() => void pages.fetchNextPage()}>
          Load more
        </Button>
      ) : (
        <p className="muted">{end}</p>
      )}
    </div>
  );
}
