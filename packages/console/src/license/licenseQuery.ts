import { LicenseView } from '@parley/protocol';
import { type QueryClient, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiRequest } from '../api/http';

/**
 * `GET /api/license`: the installed license and whether Direct Access may be used. It changes rarely and by time
 * (expiry), so it is asked again every minute and when the window gets the focus back, and at once after an import
 * or a refusal that names the license.
 */
export const licenseQuery = queryOptions({
  queryKey: ['license'] as const,
  queryFn: () => apiRequest('GET', '/api/license', LicenseView),
  refetchInterval: 60_000,
  refetchOnWindowFocus: true,
});

export function useLicense() {
  return useQuery(licenseQuery);
}

/** After the server refused something for the license: what the console shows of it may be out of date. */
export function licenseMayHaveChanged(client: QueryClient): void {
  void client.invalidateQueries({ queryKey: licenseQuery.queryKey });
}

/** Why Direct Access is dimmed for every device (null: it is available, or not known yet). */
export function useDirectAccessBlocked(): string | null {
  const license = useLicense().data;
  if (!license || license.directAccess) return null;
  return `Direct Access is not available: ${license.reason ?? 'no valid license'}`;
}

/** `POST /api/license` with the file's text; the answer is the license now installed. */
export function useImportLicense() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (text: string) => apiRequest('POST', '/api/license', LicenseView, text),
    onSuccess: (license) => client.setQueryData(licenseQuery.queryKey, license),
  });
}

/** Statuses an administrator is warned of in a banner on every screen. */
export function needsAttention(license: LicenseView | undefined): license is LicenseView {
  return license !== undefined && license.status !== 'Valid';
}
