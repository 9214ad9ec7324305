import {
  AccessRightList,
  type Capability,
  Created,
  DeviceGroupList,
  EffectiveRightsView,
  GroupDevices,
  OperatorGroupList,
  OperatorList,
} from '@parley/protocol';
import { queryOptions, useMutation, useQueryClient } from '@tanstack/react-query';
import { apiCommand, apiRequest, type Method } from '../api/http';

/**
 * The administration screens' server state: every list is a query under `['admin', …]`, and every change a
 * mutation (`useAdminChange`) after which those queries are asked again, so each screen shows what the server now
 * holds (a change on one screen, say a group's members, shows on the others: an operator's groups).
 */

const ADMIN = 'admin';

export const operatorsQuery = queryOptions({
  queryKey: [ADMIN, 'operators'] as const,
  queryFn: () => apiRequest('GET', '/api/operators', OperatorList),
});

export const operatorGroupsQuery = queryOptions({
  queryKey: [ADMIN, 'operator-groups'] as const,
  queryFn: () => apiRequest('GET', '/api/operator-groups', OperatorGroupList),
});

export const deviceGroupsQuery = queryOptions({
  queryKey: [ADMIN, 'device-groups'] as const,
  queryFn: () => apiRequest('GET', '/api/device-groups', DeviceGroupList),
});

/** The devices of a device group that the operator can see. */
export function groupDevicesQuery(groupId: string) {
  return queryOptions({
    queryKey: [ADMIN, 'device-groups', groupId, 'devices'] as const,
    queryFn: () => apiRequest('GET', idPath('/api/device-groups', groupId, '/devices'), GroupDevices),
  });
}

export const accessRightsQuery = queryOptions({
  queryKey: [ADMIN, 'access-rights'] as const,
  queryFn: () => apiRequest('GET', '/api/access-rights', AccessRightList),
});

export function effectiveRightsQuery(operatorId: string, deviceId: string) {
  return queryOptions({
    queryKey: [ADMIN, 'effective-rights', operatorId, deviceId] as const,
    queryFn: () =>
      apiRequest(
        'GET',
        `/api/operators/${encodeURIComponent(operatorId)}/effective-rights?device=${encodeURIComponent(deviceId)}`,
        EffectiveRightsView,
      ),
  });
}

/** `/api/…/<id>` with the id as one path segment. */
export function idPath(base: string, id: string, rest = ''): string {
  return `${base}/${encodeURIComponent(id)}${rest}`;
}

/** One change: a method, a path (or one made from the id an earlier POST of the same mutation created), a body. */
export interface Change {
  method: Exclude<Method, 'GET'>;
  path: string | ((created: string) => string);
  body?: unknown;
}

/** Sends the changes one after the other (e.g. create a group, then set its devices). */
async function send(changes: readonly Change[]): Promise<string | null> {
  let created: string | null = null;
  for (const change of changes) {
    const path: string = typeof change.path === 'string' ? change.path : change.path(created ?? '');
    if (change.method === 'POST') created = (await apiRequest('POST', path, Created, change.body)).id;
    else await apiCommand(change.method, path, change.body);
  }
  return created;
}

/**
 * A mutation that sends `changes(input)` and then has every administration query asked again; `onDone` gets the id
 * a POST created (or null).
 */
export function useAdminChange<Input>(
  changes: (input: Input) => Change | Change[],
  onDone?: (created: string | null, input: Input) => void,
) {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: Input) => {
      const list = changes(input);
      return send(Array.isArray(list) ? list : [list]);
    },
    onSuccess: async (created, input) => {
      await client.invalidateQueries({ queryKey: [ADMIN] });
      onDone?.(created, input);
    },
  });
}

/** Capabilities in the order the protocol lists them. */
export function sortCapabilities(list: readonly Capability[], order: readonly Capability[]): Capability[] {
  return order.filter((capability) => list.includes(capability));
}
