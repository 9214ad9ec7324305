import type { RecordingEntry, RecordingTranscript } from '@parley/protocol';
import { useInfiniteQuery } from '@tanstack/react-query';
import { Lock, LockOpen, Trash2 } from 'lucide-react';
import { useEffect, useId, useState } from 'react';
import { Loaded, LoadMore, PageHead } from '../admin/AdminPage';
import { Outcome, Section } from '../admin/Section';
import { Link, navigate } from '../app/router';
import { href, type ScreenProps } from '../app/routes';
import { useSession } from '../auth/session';
import { chatTitle } from '../chat/eventText';
import { setPageTitle } from '../chat/tabBadge';
import { dateTime } from '../chat/time';
import { Button } from '../kit/Button';
import { AlertDialog } from '../kit/Dialog';
import { FORMATS } from './ExportPanel';
import {
  deleteRecording,
  fileHref,
  setLocked,
  setNote,
  transcriptQuery,
  useRecordingChange,
} from './recordingQueries';
import './recordings.css';

function speaker(entry: RecordingEntry): string {
  if (!entry.from) return '';
  return entry.from.role === 'operator' ? `${entry.from.name} (operator)` : entry.from.name;
}

/** The conversation: who said what and when, the events in line. */
function Transcript({ entries }: { entries: readonly RecordingEntry[] }) {
  return (
    <ol className="transcript" aria-label="Transcript">
      {entries.map((e) => (
        <li key={e.seq} className={`transcript__entry transcript__entry--${e.kind}`}>
          <time dateTime={e.at}>{dateTime(e.at)}</time>
          {e.kind === 'message' ? (
            <>
              <span className={`transcript__who transcript__who--${e.from?.role ?? 'none'}`}>
                {speaker(e)}
              </span>
              <span className="transcript__text">{e.text}</span>
            </>
          ) : (
            <span className="transcript__event">{e.text}</span>
          )}
        </li>
      ))}
    </ol>
  );
}

function NoteEditor({ recording, mayNote }: { recording: RecordingTranscript; mayNote: boolean }) {
  const [note, setText] = useState(recording.note ?? '');
  const noteId = useId();
  const save = useRecordingChange((text: string) => setNote(recording.chatId, text));
  return (
    <Section title="Note">
      <form
        className="recording__note"
        onSubmit={(event) => {
          event.preventDefault();
          save.mutate(note);
        }}
      >
        <div className="field">
          <label htmlFor={noteId}>Note</label>
          <textarea
            id={noteId}
            rows={3}
            maxLength={4000}
            value={note}
            onChange={(event) => setText(event.currentTarget.value)}
          />
        </div>
        <Button
          type="submit"
          busy={save.isPending}
          disabledReason={mayNote ? undefined : 'Needs the recordings.view capability'}
        >
          Save note
        </Button>
        <Outcome change={save} done="Note saved." />
      </form>
    </Section>
  );
}

/** One recorded conversation: its facts, transcript, note, lock and delete, and its exports. */
export function RecordingPage({ params }: ScreenProps<'/recordings/:chatId'>) {
  const pages = useInfiniteQuery(transcriptQuery(params.chatId));
  const recording = { ...pages, data: pages.data?.pages[0] };
  const entries = pages.data?.pages.flatMap((page) => page.entries) ?? [];
  const capabilities = useSession().data?.operator?.capabilities ?? [];
  const mayManage = capabilities.includes('recordings.manage');
  const [confirming, setConfirming] = useState(false);
  const lock = useRecordingChange((locked: boolean) => setLocked(params.chatId, locked));
  const remove = useRecordingChange(
    () => deleteRecording(params.chatId),
    () => navigate(href('recordings')),
  );
  const title = recording.data
    ? chatTitle(recording.data.endUser, recording.data.deviceName)
    : 'Conversation';
  useEffect(() => setPageTitle(`${title} · Parley`), [title]);
  const manageReason = mayManage ? undefined : 'Needs the recordings.manage capability';
  return (
    <div className="page recording">
      <p>
        <Link to={href('recordings')}>All past conversations</Link>
      </p>
      <Loaded query={recording} what="the conversation">
        {(r) => (
          <>
            <PageHead
              title={title}
              sub={`${r.operator} · ${dateTime(r.startedAt)} – ${r.endedAt ? dateTime(r.endedAt) : 'still open'} · ${r.messageCount === 1 ? '1 message' : `${r.messageCount} messages`}${r.lockedAt ? ' · Locked' : ''}`}
              actions={
                <div className="recording__actions">
                  <Button
                    icon={r.lockedAt ? LockOpen : Lock}
                    busy={lock.isPending}
                    disabledReason={manageReason}
                    onClick={() => lock.mutate(!r.lockedAt)}
                  >
                    {r.lockedAt ? 'Unlock' : 'Lock'}
                  </Button>
                  <Button
                    icon={Trash2}
                    disabledReason={manageReason ?? (r.lockedAt ? 'Unlock it first' : undefined)}
                    onClick={() => setConfirming(true)}
                  >
                    Delete
                  </Button>
                </div>
              }
            />
            <Outcome change={lock} done={r.lockedAt ? 'Locked: the purge keeps it.' : 'Unlocked.'} />
            <nav className="recording__exports" aria-label="Export this conversation">
              {FORMATS.map((f) => (
                <a
                  key={f.value}
                  className="button button--ghost button--small"
                  href={fileHref(r.chatId, f.value)}
                  download
                >
                  {f.label}
                </a>
              ))}
            </nav>
            <Section title="Conversation">
              <Transcript entries={entries} />
              {(pages.hasNextPage || (pages.data?.pages.length ?? 0) > 1) && (
                <LoadMore pages={pages} className="recording__more" end="The end of the conversation." />
              )}
            </Section>
            <NoteEditor recording={r} mayNote={capabilities.includes('recordings.view')} />
            {confirming && (
              <AlertDialog
                title="Delete this recording?"
                onClose={() => setConfirming(false)}
                confirm={{
                  label: 'Delete',
                  busy: remove.isPending,
                  onConfirm: () => remove.mutate(undefined),
                }}
              >
                {`The conversation with ${r.endUser} on ${r.deviceName} is deleted for good.`}
              </AlertDialog>
            )}
            {remove.error && <Outcome change={remove} done="" />}
          </>
        )}
      </Loaded>
    </div>
  );
}
