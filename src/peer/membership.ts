// Who is in the ring. The member list comes from --peers (static or DNS);
// health checks move each remote peer alive -> suspect -> down after
// peer-failure-threshold failures in a row, and back to alive on the first
// check that passes. This node is always in its own ring: it can always serve
// itself, and in Kubernetes its address appears in the others' lists as soon
// as its pod is ready.
//
// Pure: results of checks are fed in; the ring is rebuilt only when the set of
// live nodes changes, so an owner lookup never walks the member table.

import { RendezvousRing, defaultHash, type HashFn } from './rendezvous-ring';
import { PeerStates, type PeerState, type PeerView } from './types';

interface Member {
  state: PeerState;
  consecutiveFailures: number;
}

export interface MembershipOptions {
  /** This daemon's advertised address, as the others list it. */
  readonly self: string;
  readonly failureThreshold: number;
  readonly hash?: HashFn;
}

/** What a change did to the ring, for logging. */
export type Transition = 'left' | 'joined' | undefined;

export class Membership {
  readonly self: string;
  private readonly threshold: number;
  private readonly hash: HashFn;
  /** Remote peers by address (never contains self). */
  private readonly members = new Map<string, Member>();
  private currentRing: RendezvousRing;

  constructor(opts: MembershipOptions) {
    this.self = opts.self;
    this.threshold = opts.failureThreshold;
    this.hash = opts.hash ?? defaultHash;
    this.currentRing = new RendezvousRing([this.self], this.hash);
  }

  get ring(): RendezvousRing {
    return this.currentRing;
  }

  /** Remote peer addresses, sorted. */
  remotes(): string[] {
    return [...this.members.keys()].sort();
  }

  /**
   * Replaces the member list (a DNS refresh). New peers join alive: they are
   * checked at once, and a dead one leaves after the threshold.
   */
  setAddresses(addresses: readonly string[]): { added: string[]; removed: string[] } {
    const wanted = new Set(addresses.filter((a) => a !== this.self));
    const added: string[] = [];
    const removed: string[] = [];
    for (const a of [...this.members.keys()]) {
      if (!wanted.has(a)) {
        this.members.delete(a);
        removed.push(a);
      }
    }
    for (const a of wanted) {
      if (!this.members.has(a)) {
        this.members.set(a, { state: PeerStates.ALIVE, consecutiveFailures: 0 });
        added.push(a);
      }
    }
    if (added.length > 0 || removed.length > 0) this.rebuild();
    return { added: added.sort(), removed: removed.sort() };
  }

  /** Feeds the result of one health check of a remote peer. */
  recordCheck(address: string, ok: boolean): Transition {
    const m = this.members.get(address);
    if (!m) return undefined;
    const wasIn = m.state !== PeerStates.DOWN;
    if (ok) {
      m.consecutiveFailures = 0;
      m.state = PeerStates.ALIVE;
    } else {
      m.consecutiveFailures++;
      m.state = m.consecutiveFailures >= this.threshold ? PeerStates.DOWN : PeerStates.SUSPECT;
    }
    const isIn = m.state !== PeerStates.DOWN;
    if (wasIn === isIn) return undefined;
    this.rebuild();
    return isIn ? 'joined' : 'left';
  }

  /** The owner of a block key; undefined when it is this node. */
  remoteOwner(key: string): string | undefined {
    const o = this.currentRing.owner(key);
    return o === this.self ? undefined : o;
  }

  /** Self first, then remote peers by address. */
  views(): PeerView[] {
    const ring = this.currentRing;
    const out: PeerView[] = [
      { address: this.self, state: PeerStates.ALIVE, ringShare: ring.share(this.self), self: true, consecutiveFailures: 0 },
    ];
    for (const a of this.remotes()) {
      const m = this.members.get(a)!;
      out.push({ address: a, state: m.state, ringShare: ring.share(a), self: false, consecutiveFailures: m.consecutiveFailures });
    }
    return out;
  }

  private rebuild(): void {
    const live = [this.self];
    for (const [a, m] of this.members) if (m.state !== PeerStates.DOWN) live.push(a);
    this.currentRing = new RendezvousRing(live, this.hash);
  }
}
