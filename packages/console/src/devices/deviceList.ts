import { DevicePage, type DeviceRow, type DeviceSummary } from '@parley/protocol';
import { type InfiniteData, type QueryClient, skipToken, useQuery } from '@tanstack/react-query';
import type { DeviceChange } from '../api/consoleSocket';
import { apiRequest } from '../api/http';
import { filterSearch } from '../api/search';

/** The device list lives in the query cache under this key; the console socket is its only source. */
const devicesKey = ['devices'] as const;
/** Never refetched (there is nothing to fetch) and never dropped while signed in, watched or not. */
const kept = { staleTime: Number.POSITIVE_INFINITY, gcTime: Number.POSITIVE_INFINITY };

function byName(a: DeviceSummary, b: DeviceSummary): number {
  return (
    a.name.localeCompare(b.name, undefined, { sensitivity: 'base', numeric: true }) ||
    a.id.localeCompare(b.id)
  );
}

/** The list after a change from the socket, sorted by name (numbers in names in numeric order). */
export function applyDeviceChange(
  current: readonly DeviceSummary[] | undefined,
  change: Exclude<DeviceChange, { type: 'chats' }>,
): DeviceSummary[] {
  if (change.type === 'snapshot') return [...change.devices].sort(byName);
  const gone = change.type === 'removed' ? change.deviceId : change.device.id;
  const devices = (current ?? []).filter((device) => device.id !== gone);
  if (change.type === 'updated') devices.push(change.device);
  return devices.sort(byName);
}

/** The device list's filters as typed (every field a string; empty: no filter), kept in the address. */
export interface DeviceFilter {
  q: string;
  online: string;
  loggedOn: string;
  os: string;
  group: string;
  hasChat: string;
  sort: string;
}

export const NO_DEVICE_FILTER: DeviceFilter = {
  q: '',
  online: '',
  loggedOn: '',
  os: '',
  group: '',
  hasChat: '',
  sort: '',
};

export function deviceFilterFromSearch(search: string): DeviceFilter {
  const params = new URLSearchParams(search);
  const filter = { ...NO_DEVICE_FILTER };
  for (const key of Object.keys(NO_DEVICE_FILTER) as (keyof DeviceFilter)[])
    filter[key] = params.get(key) ?? '';
  return filter;
}

export function devicesSearch(filter: DeviceFilter, extra: Record<string, string> = {}): string {
  return filterSearch({ ...filter }, [], extra);
}

/** Pages of the device list, filtered and sorted by the server (issue 11: 10,000 devices). */
const pagesKey = ['device-pages'] as const;

export function devicePageQuery(filter: DeviceFilter) {
  return {
    queryKey: [...pagesKey, filter] as const,
    queryFn: ({ pageParam }: { pageParam: string | null }) =>
      apiRequest(
        'GET',
        `/api/devices/page${devicesSearch(filter, pageParam ? { cursor: pageParam } : {})}`,
        DevicePage,
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page: DevicePage) => page.nextCursor,
  };
}

/** How soon after a device changes the shown pages are asked again (which devices match may have changed). */
const REFETCH_MS = 1500;

/**
 * What the console socket calls with each change: it lands in the cache (kept while signed in); a shown row takes it
 * at once, and the pages are asked again soon after (at most once per REFETCH_MS) for what now matches.
 */
export function devicesSink(client: QueryClient): (change: DeviceChange) => void {
  client.setQueryDefaults(devicesKey, kept);
  let refetchDue = false;
  return (change) => {
    if (change.type !== 'chats')
      client.setQueryData<DeviceSummary[]>(devicesKey, (current) => applyDeviceChange(current, change));
    if (change.type === 'updated') patchRows(client, change.device.id, change.device);
    if (change.type === 'chats') patchRows(client, change.deviceId, { chats: change.chats });
    if (refetchDue) return;
    refetchDue = true;
    setTimeout(() => {
      refetchDue = false;
      void client.invalidateQueries({ queryKey: pagesKey });
    }, REFETCH_MS);
  };
}

/** A shown row takes what changed at once. */
function patchRows(client: QueryClient, deviceId: string, patch: Partial<DeviceRow>): void {
  client.setQueriesData<InfiniteData<DevicePage>>({ queryKey: pagesKey }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            devices: page.devices.map((row) => (row.id === deviceId ? { ...row, ...patch } : row)),
          })),
        }
      : data,
  );
}

/** After this console opened or ended a chat: the rows say who has one open. */
export function devicePagesChanged(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: pagesKey });
}

/** The devices the operator may see, live; null until the socket's first snapshot is complete. */
export function useDevices(): readonly DeviceSummary[] | null {
  return useQuery<DeviceSummary[]>({ queryKey: devicesKey, queryFn: skipToken, ...kept }).data ?? null;
}
