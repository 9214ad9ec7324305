import { ApiError, EnrollResult } from '@parley/protocol';
import type { AgentConfig } from './config.js';

/** Exchanges an enrollment token for this device's id and credential. */
export async function enroll(server: string, token: string, name: string, os: string): Promise<AgentConfig> {
  const origin = new URL(server).origin;
  const response = await fetch(`${origin}/api/agents/enroll`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin },
    body: JSON.stringify({ token, name, os }),
  });
  const body: unknown = await response.json().catch(() => null);
  if (response.status !== 201) {
    const error = ApiError.safeParse(body);
    throw new Error(
      `enrollment refused (${response.status}): ${error.success ? error.data.message : 'no details'}`,
    );
  }
  const result = EnrollResult.parse(body);
  return { server: origin, deviceId: result.deviceId, credential: result.credential, name };
}
