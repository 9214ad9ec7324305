import { LICENSE_FEATURE_NAMES, type LicenseView } from '@parley/protocol';
import { Upload } from 'lucide-react';
import { type FormEvent, useEffect, useId, useState } from 'react';
import { Loaded, PageHead } from '../admin/AdminPage';
import { Outcome, Section } from '../admin/Section';
import { useSession } from '../auth/session';
import { Notice } from '../chat/Notice';
import { setPageTitle } from '../chat/tabBadge';
import { Button } from '../kit/Button';
import { type Column, Table } from '../kit/Table';
import './license.css';
import { useImportLicense, useLicense } from './licenseQuery';

interface Row {
  name: string;
  count: number;
  available: number;
  expiresAt: string | null;
  status: string;
}

const COLUMNS: readonly Column<Row>[] = [
  { key: 'name', header: 'Name', rowHeader: true, cell: (row) => row.name },
  { key: 'count', header: 'Count', cell: (row) => row.count },
  { key: 'available', header: 'Available', cell: (row) => row.available },
  { key: 'expiry', header: 'Expiry date', cell: (row) => row.expiresAt?.slice(0, 10) ?? '—' },
  {
    key: 'status',
    header: 'Status',
    cell: (row) => (
      <span className={`license__status license__status--${row.status.toLowerCase()}`}>{row.status}</span>
    ),
  },
];

/** The table as the product shows it: one row per license (Direct Access is the only one so far). */
function rows(license: LicenseView): Row[] {
  const covered = license.features.includes('direct-access');
  const count = covered ? license.deviceLimit : 0;
  return [
    {
      name: LICENSE_FEATURE_NAMES['direct-access'],
      count,
      available: Math.max(0, count - license.devicesUsed),
      expiresAt: license.expiresAt,
      status: covered || license.status !== 'Valid' ? license.status : 'Not licensed',
    },
  ];
}

function Installed({ license }: { license: LicenseView }) {
  return (
    <>
      <Table
        className="license"
        caption="Licenses"
        columns={COLUMNS}
        rows={rows(license)}
        rowKey={(row) => row.name}
      />
      <dl className="license__facts">
        <dt>Licensee</dt>
        <dd>
          {license.licensee ?? '—'}
          {license.evaluation ? ' (evaluation license)' : ''}
        </dd>
        <dt>Devices enrolled</dt>
        <dd>{license.devicesUsed}</dd>
        {license.issuedAt && (
          <>
            <dt>Issued</dt>
            <dd>{license.issuedAt.slice(0, 10)}</dd>
          </>
        )}
        {license.id && (
          <>
            <dt>License id</dt>
            <dd>
              <code>{license.id}</code>
            </dd>
          </>
        )}
      </dl>
      {license.reason && (
        <Notice icon="alert" tone={license.directAccess ? 'warning' : 'danger'}>
          <span className="sentence">{license.reason}.</span>
        </Notice>
      )}
    </>
  );
}

/** The upload: a license file chosen or its text pasted; dimmed, with the reason, without settings.manage. */
function ImportLicense({ allowed }: { allowed: boolean }) {
  const importing = useImportLicense();
  const [text, setText] = useState('');
  const fileId = useId();
  const textId = useId();
  const reasonId = useId();
  const reason = allowed ? undefined : reasonId;

  async function chosen(file: File | undefined) {
    if (file) setText(await file.text());
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    if (text.trim()) importing.mutate(text);
  }

  return (
    <Section title="Import a license">
      <form className="license__import" onSubmit={submit}>
        {!allowed && (
          <p id={reasonId} className="muted">
            Importing a license needs the settings.manage capability.
          </p>
        )}
        <div className="field">
          <label htmlFor={fileId}>License file</label>
          <input
            id={fileId}
            type="file"
            accept=".license,.json,.txt,application/json,text/plain"
            disabled={!allowed}
            aria-describedby={reason}
            onChange={(event) => void chosen(event.target.files?.[0])}
          />
        </div>
        <div className="field">
          <label htmlFor={textId}>License text</label>
          <textarea
            id={textId}
            rows={8}
            spellCheck={false}
            value={text}
            disabled={!allowed}
            aria-describedby={reason}
            placeholder="Choose the file, or paste what parley license issue printed"
            onChange={(event) => setText(event.target.value)}
          />
        </div>
        <div>
          <Button
            variant="primary"
            type="submit"
            icon={Upload}
            busy={importing.isPending}
            disabled={!allowed || text.trim() === ''}
            aria-describedby={reason}
          >
            Import license
          </Button>
        </div>
        <Outcome change={importing} done="License imported." />
      </form>
    </Section>
  );
}

/** `/license`: the installed license, its status and why, and (for settings.manage) importing a new one. */
export function LicensePage() {
  const license = useLicense();
  const capabilities = useSession().data?.operator?.capabilities ?? [];
  useEffect(() => {
    setPageTitle('License · Parley');
  }, []);
  return (
    <div className="page">
      <PageHead title="License" sub="Instant messaging (Direct Access) needs a valid license." />
      <Loaded query={license} what="the license">
        {(installed) => <Installed license={installed} />}
      </Loaded>
      <ImportLicense allowed={capabilities.includes('settings.manage')} />
    </div>
  );
}
