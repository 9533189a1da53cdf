// --peers -> a list of peer addresses. A static list is used as written; a
// dns:///NAME:PORT spec resolves every A and AAAA record of NAME (a
// Kubernetes headless Service lists one per ready pod) and is resolved again
// every peer-refresh-interval. Kubernetes is the membership service: no
// consensus of our own.

import { promises as dnsp } from 'node:dns';
import { ConfigError } from '../errors';
import { getErrorMessage } from '../util/errors-message';

export type PeerSpec =
  | { readonly kind: 'static'; readonly addresses: readonly string[] }
  | { readonly kind: 'dns'; readonly name: string; readonly port: number };

export interface Resolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  /** The system resolver (hosts file), used when DNS has no answer. */
  lookup(name: string): Promise<string[]>;
}

export const systemResolver: Resolver = {
  resolve4: (n) => dnsp.resolve4(n),
  resolve6: (n) => dnsp.resolve6(n),
  lookup: async (n) => (await dnsp.lookup(n, { all: true })).map((a) => a.address),
};

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):(\d{1,5})$/;

function bad(spec: string, why: string): never {
  throw new ConfigError(
    `invalid peers: ${JSON.stringify(spec)}; allowed: host:port,host:port,... or dns:///NAME:PORT (${why})`,
  );
}

function checkPort(spec: string, port: string): number {
  const n = Number(port);
  if (!Number.isInteger(n) || n < 1 || n > 65535) bad(spec, `port ${port} is not between 1 and 65535`);
  return n;
}

export function parsePeerSpec(spec: string): PeerSpec {
  const s = spec.trim();
  if (s.startsWith('dns:')) {
    const m = /^dns:\/\/\/([A-Za-z0-9._-]+):(\d{1,5})$/.exec(s);
    if (!m) bad(spec, 'a DNS spec is dns:///NAME:PORT');
    return { kind: 'dns', name: m[1]!, port: checkPort(spec, m[2]!) };
  }
  const addresses: string[] = [];
  for (const part of s.split(',')) {
    const a = part.trim();
    if (a === '') continue;
    const m = HOST_PORT.exec(a);
    if (!m) bad(spec, `${JSON.stringify(a)} is not host:port`);
    checkPort(spec, m[2]!);
    addresses.push(a);
  }
  if (addresses.length === 0) bad(spec, 'no address');
  return { kind: 'static', addresses: [...new Set(addresses)].sort() };
}

export function formatAddress(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The current addresses of a spec, sorted. Throws when DNS gives no address at all. */
export async function resolvePeers(spec: PeerSpec, resolver: Resolver = systemResolver): Promise<string[]> {
  if (spec.kind === 'static') return [...spec.addresses];
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(spec.name), resolver.resolve6(spec.name)]);
  let ips = [...(v4.status === 'fulfilled' ? v4.value : []), ...(v6.status === 'fulfilled' ? v6.value : [])];
  if (ips.length === 0) {
    try {
      ips = await resolver.lookup(spec.name);
    } catch (err) {
      const why = v4.status === 'rejected' ? getErrorMessage(v4.reason) : getErrorMessage(err);
      throw new Error(`cannot resolve peers dns:///${spec.name}:${spec.port}: ${why}`);
    }
  }
  return [...new Set(ips.map((ip) => formatAddress(ip, spec.port)))].sort();
}
