// A part of the daemon with a lifecycle (the peer tier, the prefetch engine,
// the checkpoint manager, the metrics endpoint, a mount). The composition
// root (server/compose.ts) lists them in dependency order; the daemon starts
// them in that order and stops them in reverse.

export interface Part {
  readonly name: string;
  start?(): Promise<void>;
  stop?(): Promise<void>;
}
