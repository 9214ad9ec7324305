import { DevicePage, type DeviceRow } from '@parley/protocol';
import type { InfiniteData, QueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import type { DeviceChange } from '../api/consoleSocket';
import { apiRequest } from '../api/http';
import { filterSearch } from '../api/search';
import { useConsoleSocket } from '../api/socketContext';

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

/** How soon after a change the shown pages are asked again (which devices match, and their order, may have changed). */
const REFETCH_MS = 1500;

/**
 * What the console socket calls with each change (P-37). The rows shown take a watched device's state at once; the
 * pages are asked again soon after (at most once per REFETCH_MS) when a device changed or the server says the list
 * may be stale. The answer to a `devices.watch` only refreshes the rows: the pages it is about were just fetched.
 */
export function devicesSink(client: QueryClient): (change: DeviceChange) => void {
  let refetchDue = false;
  return (change) => {
    if (change.type === 'watched') for (const device of change.devices) patchRows(client, device.id, device);
    if (change.type === 'updated') patchRows(client, change.device.id, change.device);
    if (change.type === 'chats') patchRows(client, change.deviceId, { chats: change.chats });
    if (change.type === 'removed') dropRow(client, change.deviceId);
    if (change.type === 'watched' || refetchDue) return;
    refetchDue = true;
    setTimeout(() => {
      refetchDue = false;
      void client.invalidateQueries({ queryKey: pagesKey });
    }, REFETCH_MS);
  };
}

function mapRows(client: QueryClient, change: (rows: DeviceRow[]) => DeviceRow[]): void {
  client.setQueriesData<InfiniteData<DevicePage>>({ queryKey: pagesKey }, (data) =>
    data ? { ...data, pages: data.pages.map((page) => ({ ...page, devices: change(page.devices) })) } : data,
  );
}

/** A shown row takes what changed at once. */
function patchRows(client: QueryClient, deviceId: string, patch: Partial<DeviceRow>): void {
  mapRows(client, (rows) => rows.map((row) => (row.id === deviceId ? { ...row, ...patch } : row)));
}

/** A removed device (or one the operator may no longer read) leaves the rows at once. */
export function dropRow(client: QueryClient, deviceId: string): void {
  mapRows(client, (rows) => rows.filter((row) => row.id !== deviceId));
}

/** After this console opened or ended a chat: the rows say who has one open. */
export function devicePagesChanged(client: QueryClient): Promise<void> {
  return client.invalidateQueries({ queryKey: pagesKey });
}

/**
 * The console watches the devices of the rows shown (P-37), as a list (`devices.changed` tells it when a device not
 * shown changed), for as long as the component is mounted.
 */
export function useWatchedDevices(deviceIds: readonly string[]): void {
  const socket = useConsoleSocket();
  // The socket says it again only when the ids changed.
  useEffect(() => socket.watchDevices(deviceIds, true), [socket, deviceIds]);
  useEffect(() => () => socket.watchDevices([], false), [socket]);
}
