// N real daemons on loopback sharing one backend directory, each peered with
// the others over TCP with a shared token (for test/peer and bench/peer).
// Ports are picked up front because an address must be advertised before
// the daemon binds it.

import { createServer, type Server } from 'node:net';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDaemon, eventually } from './daemon';

export interface ClusterOptions {
  readonly size?: number;
  /** Flags for every daemon. */
  readonly flags?: Record<string, string>;
  /** false: the same daemons without --peers (the baseline). */
  readonly peers?: boolean;
  /** Extra arguments (bench-only flags). */
  readonly extraArgs?: string[];
  /** Environment of every daemon (an S3 backend's credentials). */
  readonly env?: Record<string, string>;
}

export class PeerCluster {
  readonly dir: string;
  readonly backendDir: string;
  readonly tokenFile: string;
  readonly nodes: TestDaemon[] = [];
  readonly addresses: string[] = [];
  readonly token = randomBytes(32).toString('hex');
  private readonly extraArgs: string[];
  private readonly peered: boolean;

  private constructor(ports: number[], opts: ClusterOptions) {
    this.dir = mkdtempSync(join(tmpdir(), 'tc-peers-'));
    this.backendDir = join(this.dir, 'data');
    mkdirSync(this.backendDir);
    this.tokenFile = join(this.dir, 'peer-token');
    writeFileSync(this.tokenFile, this.token + '\n', { mode: 0o600 });
    this.extraArgs = opts.extraArgs ?? [];
    this.peered = opts.peers ?? true;
    this.addresses.push(...ports.map((p) => `127.0.0.1:${p}`));
    for (const address of this.addresses) {
      const peerFlags: Record<string, string> = this.peered
        ? {
            peers: this.addresses.join(','),
            advertise: address,
            'peer-token-file': this.tokenFile,
            'peer-health-interval': '200ms',
            'peer-timeout': '2s',
          }
        : {};
      const nodeDir = join(this.dir, `node-${this.nodes.length}`);
      mkdirSync(nodeDir);
      this.nodes.push(
        new TestDaemon({ dir: nodeDir, backendDir: this.backendDir, flags: { listen: address, ...peerFlags, ...opts.flags }, env: opts.env }),
      );
    }
  }

  /** Starts every daemon and waits until each sees all the others alive. */
  static async start(opts: ClusterOptions = {}): Promise<PeerCluster> {
    const c = new PeerCluster(await freePorts(opts.size ?? 3), opts);
    try {
      await Promise.all(c.nodes.map((n) => n.start(c.extraArgs)));
      if (c.peered) await c.converged();
    } catch (err) {
      await c.cleanup();
      throw err;
    }
    return c;
  }

  /** Waits until every live daemon counts `alive` peers alive (self included). */
  async converged(alive = this.nodes.filter((n) => n.alive).length): Promise<void> {
    for (const n of this.nodes.filter((d) => d.alive)) {
      const c = n.client();
      try {
        await eventually(async () => {
          const d = (await c.stats('distributed'))['distributed'] as { peers: Array<{ state: string }> };
          return d.peers.filter((p) => p.state === 'alive').length === alive;
        }, 15_000, `${alive} peers alive on ${n.flags['listen']}`);
      } finally {
        c.close();
      }
    }
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.cleanup()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Distinct free TCP ports on 127.0.0.1 (held open together so none repeats). */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as { port: number }).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
