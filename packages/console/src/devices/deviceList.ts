import type { DeviceSummary } from '@parley/protocol';
import { type QueryClient, skipToken, useQuery } from '@tanstack/react-query';
import type { DeviceChange } from '../api/consoleSocket';

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
  change: DeviceChange,
): DeviceSummary[] {
  if (change.type === 'snapshot') return [...change.devices].sort(byName);
  const gone = change.type === 'removed' ? change.deviceId : change.device.id;
  const devices = (current ?? []).filter((device) => device.id !== gone);
  if (change.type === 'updated') devices.push(change.device);
  return devices.sort(byName);
}

/** What the console socket calls with each change: it lands in the cache (kept while signed in). */
export function devicesSink(client: QueryClient): (change: DeviceChange) => void {
  client.setQueryDefaults(devicesKey, kept);
  return (change) =>
    client.setQueryData<DeviceSummary[]>(devicesKey, (current) => applyDeviceChange(current, change));
}

/** The devices the operator may see, live; null until the socket's first snapshot is complete. */
export function useDevices(): readonly DeviceSummary[] | null {
  return useQuery<DeviceSummary[]>({ queryKey: devicesKey, queryFn: skipToken, ...kept }).data ?? null;
}
