import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AgentPackage, ApiError } from '@parley/protocol';
import { z } from 'zod/mini';
import { type App, sendError } from '../http/request.js';

/** Where devices download the agent from. */
export const AGENT_PACKAGE_PATH = '/downloads/parley-agent.tgz';

const PackInfo = z.object({ version: z.string(), file: z.string(), sha256: z.string(), bytes: z.number() });

/** The package `npm run build` made (scripts/pack-agent.mjs), or null when it has not been built. */
function builtAgentPackage(): { file: string; info: AgentPackage } | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('@parley/agent/package.json');
    const dir = join(dirname(pkg), 'pack');
    const info = PackInfo.parse(JSON.parse(readFileSync(join(dir, 'parley-agent.json'), 'utf8')));
    const file = join(dir, info.file);
    if (!existsSync(file)) return null;
    return {
      file,
      info: { version: info.version, url: AGENT_PACKAGE_PATH, sha256: info.sha256, bytes: info.bytes },
    };
  } catch {
    return null;
  }
}

/**
 * The agent package: its facts for operators who add devices, and the file itself for anyone (a device has no
 * session; the package holds no secret, enrolling needs a token). Read once at start, like the console's files.
 */
export function registerAgentPackageRoutes(app: App): void {
  const built = builtAgentPackage();
  const missing = 'the agent package is not built on this server (npm run build)';
  app.get(
    '/api/agent-package',
    {
      config: { access: () => ({ kind: 'devices.manage' }) },
      schema: {
        tags: ['devices'],
        summary: 'The parley-agent package this server serves, with its SHA-256, for installing on a device',
        response: { 200: AgentPackage, 401: ApiError, 403: ApiError, 404: ApiError },
      },
    },
    async (_request, reply) => (built ? built.info : sendError(reply, 404, 'not_found', missing)),
  );
  app.get(
    AGENT_PACKAGE_PATH,
    { config: { access: 'public' }, schema: { hide: true } },
    async (_request, reply) => {
      if (!built) return sendError(reply, 404, 'not_found', missing);
      return reply
        .header('content-type', 'application/gzip')
        .header('content-length', built.info.bytes)
        .header('content-disposition', `attachment; filename="parley-agent-${built.info.version}.tgz"`)
        .header('cache-control', 'no-cache')
        .send(createReadStream(built.file));
    },
  );
}
