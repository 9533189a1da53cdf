// The piscina pool of the prefetch worker threads (worker.ts): block reads
// for offloaded-backend.ts, and access-pattern analysis. One pool, owned by
// the composition root: built before the backend chain that reads through
// it, destroyed after the prefetch engine has stopped.

import { join } from 'node:path';
import Piscina from 'piscina';
import type { OffloadedRead, OffloadedResult } from '../backend/offloaded-backend';
import type { AnalyzeTask, analyze } from './worker';

export class PrefetchWorkerPool {
  readonly name = 'prefetch-workers';
  private readonly pool: Piscina;

  constructor(threads: number) {
    this.pool = new Piscina({
      filename: join(__dirname, 'worker.js'),
      // Threads start with the daemon: a thread started on demand costs the
      // first prefetches ~100 ms, which a reader at the head of a plan waits for.
      minThreads: threads,
      maxThreads: threads,
    });
  }

  readBlock(task: OffloadedRead): Promise<OffloadedResult> {
    return this.pool.run(task, { name: 'readBlock' }) as Promise<OffloadedResult>;
  }

  analyze(task: AnalyzeTask): Promise<ReturnType<typeof analyze>> {
    return this.pool.run(task, { name: 'analyze' }) as Promise<ReturnType<typeof analyze>>;
  }

  async stop(): Promise<void> {
    await this.pool.destroy();
  }
}
