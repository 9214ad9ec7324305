import { ApiError, EnrollResult } from '@parley/protocol';
import type { AgentConfig } from './config.js';
import { postJson, type Reach, reachOf, serverLink } from './serverLink.js';

/**
 * Exchanges an enrollment token for this device's id and credential. What `reach` says (the CA, an insecure
 * choice) is kept in the config, so `run` reaches the server the same way.
 */
export async function enroll(
  server: string,
  token: string,
  name: string,
  os: string,
  reach: Reach = {},
): Promise<AgentConfig> {
  const link = serverLink(server, reach);
  const answer = await postJson(link, '/api/agents/enroll', { token, name, os });
  if (answer.status !== 201) {
    const error = ApiError.safeParse(answer.body);
    throw new Error(
      `enrollment refused (${answer.status}): ${error.success ? error.data.message : 'no details'}`,
    );
  }
  const result = EnrollResult.parse(answer.body);
  return {
    server: link.origin,
    deviceId: result.deviceId,
    credential: result.credential,
    name,
    ...reachOf(link),
  };
}
