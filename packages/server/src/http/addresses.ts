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
