import {
  type RecordingExportJob as ExportJob,
  RecordingExportJob,
  type RecordingFilter,
  type RecordingFormat,
  RecordingPage,
  RecordingTranscriptPage,
  RecordingUsage,
} from '@parley/protocol';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiCommand, apiRequest } from '../api/http';
import { filterSearch } from '../api/search';

/** The browser's filter as typed: `datetime-local` times, every field a string (empty: no filter). */
export interface BrowseFilter {
  device: string;
  operator: string;
  endUser: string;
  from: string;
  to: string;
  q: string;
}

export const NO_FILTER: BrowseFilter = { device: '', operator: '', endUser: '', from: '', to: '', q: '' };

const TIMES = ['from', 'to'];
const RECORDINGS = 'recordings';

/** The filter in the address (`/recordings?device=…`), so a device's row and Back lead to the same list. */
export function filterFromSearch(search: string): BrowseFilter {
  const params = new URLSearchParams(search);
  const filter = { ...NO_FILTER };
  for (const key of Object.keys(NO_FILTER) as (keyof BrowseFilter)[]) filter[key] = params.get(key) ?? '';
  return filter;
}

export function recordingsSearch(filter: BrowseFilter, extra: Record<string, string> = {}): string {
  return filterSearch({ ...filter }, TIMES, extra);
}

/** The filter as the API's body takes it (an export of the set the list shows). */
export function apiFilter(filter: BrowseFilter): RecordingFilter {
  return Object.fromEntries(new URLSearchParams(recordingsSearch(filter))) as RecordingFilter;
}

export function recordingsQuery(filter: BrowseFilter) {
  return {
    queryKey: [RECORDINGS, 'list', filter] as const,
    queryFn: ({ pageParam }: { pageParam: string | null }) =>
      apiRequest(
        'GET',
        `/api/recordings/page${recordingsSearch(filter, pageParam ? { cursor: pageParam } : {})}`,
        RecordingPage,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page: { nextCursor: string | null }) => page.nextCursor,
  };
}

export const usageQuery = queryOptions({
  queryKey: [RECORDINGS, 'usage'] as const,
  queryFn: () => apiRequest('GET', '/api/recordings/usage', RecordingUsage),
});

/** A transcript a page of entries at a time (a long chat has thousands): each page after the last one's seq. */
export function transcriptQuery(chatId: string) {
  return {
    queryKey: [RECORDINGS, 'one', chatId] as const,
    queryFn: ({ pageParam }: { pageParam: number }) =>
      apiRequest(
        'GET',
        `/api/recordings/${encodeURIComponent(chatId)}${pageParam ? `?after=${pageParam}` : ''}`,
        RecordingTranscriptPage,
      ),
    initialPageParam: 0,
    getNextPageParam: (page: { nextAfter: number | null }) => page.nextAfter,
  };
}

export function fileHref(chatId: string, format: RecordingFormat): string {
  return `/api/recordings/${encodeURIComponent(chatId)}?format=${format}`;
}

/** A change to one recording (note, lock, delete); every recordings query is asked again after it. */
export function useRecordingChange<Input>(change: (input: Input) => Promise<void>, onDone?: () => void) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: change,
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: [RECORDINGS] });
      onDone?.();
    },
  });
}

export const setNote = (chatId: string, note: string) =>
  apiCommand('PUT', `/api/recordings/${encodeURIComponent(chatId)}/note`, { note });
export const setLocked = (chatId: string, locked: boolean) =>
  apiCommand('PUT', `/api/recordings/${encodeURIComponent(chatId)}/lock`, { locked });
export const deleteRecording = (chatId: string) =>
  apiCommand('DELETE', `/api/recordings/${encodeURIComponent(chatId)}`);

export const startExport = (filter: BrowseFilter, format: RecordingFormat) =>
  apiRequest('POST', '/api/recordings/exports', RecordingExportJob, { filter: apiFilter(filter), format });
export const exportStatus = (id: string) =>
  apiRequest('GET', `/api/recordings/exports/${encodeURIComponent(id)}`, RecordingExportJob);
export const cancelExport = (id: string) =>
  apiRequest('DELETE', `/api/recordings/exports/${encodeURIComponent(id)}`, RecordingExportJob);
export const exportDownloadHref = (job: ExportJob) =>
  `/api/recordings/exports/${encodeURIComponent(job.id)}/download`;
