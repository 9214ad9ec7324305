import { AgentCredentialIssued, ApiError } from '@parley/protocol';
import { type AgentConfig, readConfig, writeConfig } from './config.js';
import { postJson, type ServerLink } from './serverLink.js';

function refused(what: string, answer: { status: number; body: unknown }): Error {
  const error = ApiError.safeParse(answer.body);
  return new Error(`${what} (${answer.status}): ${error.success ? error.data.message : 'no details'}`);
}

/**
 * Replaces the device credential (P-30): the current one asks for a new one, the new one is saved, then proven;
 * only then does the old one stop working. An agent that dies between the steps still has a credential that works:
 * the old one before the save, the new one after (its next hello proves it). Returns the saved configuration.
 */
export async function rotateCredential(configFile: string, link: ServerLink): Promise<AgentConfig> {
  const config = readConfig(configFile);
  const issued = await postJson(link, '/api/agents/credential', {
    deviceId: config.deviceId,
    credential: config.credential,
  });
  if (issued.status !== 200) throw refused('credential rotation refused', issued);
  const next = { ...config, credential: AgentCredentialIssued.parse(issued.body).credential };
  await writeConfig(configFile, next);
  const confirmed = await postJson(link, '/api/agents/credential/confirm', {
    deviceId: next.deviceId,
    credential: next.credential,
  });
  if (confirmed.status !== 204) throw refused('the new credential was saved but not accepted', confirmed);
  return next;
}
