import type { RecordingExportJob, RecordingFormat } from '@parley/protocol';
import { useMutation, useQuery } from '@tanstack/react-query';
import { Download } from 'lucide-react';
import { useState } from 'react';
import { problemText } from '../admin/AdminPage';
import { Section } from '../admin/Section';
import { Button } from '../kit/Button';
import { FormError, SelectField } from '../kit/Field';
import {
  type BrowseFilter,
  cancelExport,
  exportDownloadHref,
  exportStatus,
  startExport,
} from './recordingQueries';

export const FORMATS: { value: RecordingFormat; label: string }[] = [
  { value: 'txt', label: 'Text' },
  { value: 'csv', label: 'CSV' },
  { value: 'json', label: 'JSON' },
  { value: 'pdf', label: 'PDF' },
];

/** How often a running export's progress is asked for. */
const POLL_MS = 500;

/**
 * The filtered set as one zip: the server makes it in the background (POST), the progress is polled (GET) and shown
 * as a progress bar, Cancel stops it (DELETE), and the finished file is a download link.
 */
export function ExportPanel({
  filter,
  format,
  onFormat,
  count,
}: {
  filter: BrowseFilter;
  format: RecordingFormat;
  onFormat(format: RecordingFormat): void;
  count: number;
}) {
  const [jobId, setJobId] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => startExport(filter, format),
    onSuccess: (job) => setJobId(job.id),
  });
  const cancel = useMutation({ mutationFn: (id: string) => cancelExport(id) });
  const job = useQuery({
    queryKey: ['recordings', 'export', jobId],
    queryFn: () => exportStatus(jobId ?? ''),
    enabled: jobId !== null,
    refetchInterval: (query) =>
      query.state.data?.state === 'running' || !query.state.data ? POLL_MS : false,
  });
  const shown: RecordingExportJob | undefined = cancel.data ?? job.data ?? start.data;
  const running = shown?.state === 'running';
  const problem = problemText(start.error ?? cancel.error ?? job.error);
  return (
    <Section title="Export">
      <div className="recordings__export">
        <SelectField
          label="Format"
          name="format"
          value={format}
          onChange={(event) => onFormat(event.currentTarget.value as RecordingFormat)}
        >
          {FORMATS.map((f) => (
            <option key={f.value} value={f.value}>
              {f.label}
            </option>
          ))}
        </SelectField>
        <Button
          icon={Download}
          busy={start.isPending}
          disabledReason={running ? 'An export is running' : undefined}
          onClick={() => {
            cancel.reset();
            start.mutate();
          }}
        >
          {count === 1 ? 'Export 1 conversation' : `Export ${count} conversations`}
        </Button>
      </div>
      {problem && <FormError>{problem}</FormError>}
      {shown && (
        <div className="recordings__progress">
          <progress aria-label="Export progress" max={Math.max(shown.total, 1)} value={shown.done} />
          <p role="status">
            {shown.state === 'running' && `Exporting ${shown.done} of ${shown.total}…`}
            {shown.state === 'done' &&
              `Ready: ${shown.total === 1 ? '1 conversation' : `${shown.total} conversations`}.`}
            {shown.state === 'cancelled' && 'Export cancelled.'}
            {shown.state === 'failed' && (shown.message ?? 'The export failed.')}
          </p>
          {running && (
            <Button busy={cancel.isPending} onClick={() => cancel.mutate(shown.id)}>
              Cancel export
            </Button>
          )}
          {shown.state === 'done' && (
            <a className="button button--primary" href={exportDownloadHref(shown)} download>
              <Download size={16} aria-hidden="true" />
              <span>Download zip</span>
            </a>
          )}
        </div>
      )}
    </Section>
  );
}
