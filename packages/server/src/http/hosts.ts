import { isIP } from 'node:net';
import { hostname } from 'node:os';

/**
 * The names this server answers to. A page on another site whose name an attacker points at this server's
 * address (DNS rebinding) sends its own name as `Host`, so a request for a name not listed is refused: the IP
 * literals and `localhost` anyone on the network or machine may use, this machine's name, the public URL's
 * host, and the names in PARLEY_ALLOWED_HOSTS.
 */
export class HostCheck {
  private readonly names: ReadonlySet<string>;

  constructor(names: readonly string[]) {
    const machine = hostname().toLowerCase();
    this.names = new Set(['localhost', machine, machine.split('.')[0] ?? machine, ...names.map(normalize)]);
  }

  allows(hostHeader: string | undefined): boolean {
    if (!hostHeader) return false;
    const name = hostOf(hostHeader);
    return name !== null && (isIP(name) !== 0 || this.names.has(name));
  }
}

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

/** The name in a Host header without its port: `[::1]:8080` → `::1`, `Help.Example.:443` → `help.example`. */
export function hostOf(hostHeader: string): string | null {
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d+)?$/i.exec(hostHeader);
  if (bracketed) return bracketed[1]?.toLowerCase() ?? null;
  const plain = /^([^:[\]\s/@]+)(?::\d+)?$/.exec(hostHeader);
  return plain?.[1] ? normalize(plain[1]) : null;
}
