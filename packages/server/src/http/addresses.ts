import { BlockList, isIP } from 'node:net';

/** A list of addresses and networks (`10.0.0.5`, `10.0.0.0/8`, `::1`, `fd00::/8`) to test client addresses against. */
export class AddressList {
  private readonly list = new BlockList();

  /** Throws on an entry that is not an address or a network, naming it. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', prefix] = entry.trim().split('/');
      const family = isIP(address);
      if (family === 0) throw new Error(`not an IP address or network: ${entry}`);
      const type = family === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) {
        this.list.addAddress(address, type);
        continue;
      }
      const bits = Number(prefix);
      if (!/^\d+$/.test(prefix) || bits > (family === 4 ? 32 : 128))
        throw new Error(`not a network: ${entry}`);
      this.list.addSubnet(address, bits, type);
    }
  }

  has(address: string | undefined): boolean {
    if (!address) return false;
    // A dual-stack socket reports IPv4 clients as ::ffff:a.b.c.d.
    const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
    const family = isIP(plain);
    return family !== 0 && this.list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/**
 * The client's address as Fastify's `trustProxy` finds it, for requests Fastify does not see (WebSocket upgrades):
 * the socket's peer, or, while that is a trusted proxy, the next address leftwards in X-Forwarded-For.
 */
export function clientAddress(
  remote: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: AddressList,
): string | null {
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? ''))
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
  let address = remote ?? null;
  while (address !== null && trusted.has(address) && hops.length > 0) address = hops.pop() ?? null;
  return address;
}
