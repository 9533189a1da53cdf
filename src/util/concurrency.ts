/**
 * Calls `fn(i)` for i in [0, count) with at most `limit` calls in flight,
 * in order of i; rejects with the first failure (calls already started finish).
 */
export async function forEachConcurrently(count: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
}
