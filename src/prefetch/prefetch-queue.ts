// Bounded priority queue of prefetch tasks, deduplicated by block key.
// A full queue refuses the new task (the engine counts it as dropped):
// enqueueing never blocks and never grows memory without bound.

import type { PrefetchTask } from './types';

export class PrefetchQueue {
  /** priority -> FIFO of tasks; priorities kept sorted high to low. */
  private readonly buckets = new Map<number, PrefetchTask[]>();
  private priorities: number[] = [];
  private readonly keys = new Set<string>();
  private readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.keys.size;
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }

  /** Returns false when the task was dropped (queue full) or already queued. */
  push(task: PrefetchTask): boolean {
    if (this.keys.has(task.key)) return false;
    if (this.keys.size >= this.capacity) return false;
    let b = this.buckets.get(task.priority);
    if (!b) {
      b = [];
      this.buckets.set(task.priority, b);
      this.priorities = [...this.buckets.keys()].sort((x, y) => y - x);
    }
    b.push(task);
    this.keys.add(task.key);
    return true;
  }

  /** The oldest task of the highest priority, without removing it. */
  peek(): PrefetchTask | undefined {
    for (const p of this.priorities) {
      const b = this.buckets.get(p)!;
      if (b.length > 0) return b[0];
    }
    return undefined;
  }

  shift(): PrefetchTask | undefined {
    for (const p of this.priorities) {
      const b = this.buckets.get(p)!;
      const t = b.shift();
      if (t) {
        this.keys.delete(t.key);
        return t;
      }
    }
    return undefined;
  }

  /** Drops queued tasks matching a predicate (e.g. of a file that changed). */
  removeWhere(pred: (t: PrefetchTask) => boolean): number {
    let n = 0;
    for (const [p, b] of this.buckets) {
      const keep = b.filter((t) => !pred(t));
      n += b.length - keep.length;
      for (const t of b) if (pred(t)) this.keys.delete(t.key);
      this.buckets.set(p, keep);
    }
    return n;
  }
}
