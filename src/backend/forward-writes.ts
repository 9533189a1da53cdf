// Wrappers of a backend (observed, throttled) offer its write operations
// when it has them, optionally paying an emulated link's cost on the way.

import type { Backend, BackendWriteOptions, WritableBackend } from './types';

export interface WritePacing {
  /** Before each request (latency). */
  request(): Promise<void>;
  /** For each chunk of a write's body, before it is passed on (bandwidth). */
  bytes(n: number): Promise<void>;
}

async function* paced(body: AsyncIterable<Uint8Array>, pace: WritePacing): AsyncIterable<Uint8Array> {
  for await (const chunk of body) {
    await pace.bytes(chunk.byteLength);
    yield chunk;
  }
}

export function forwardWrites(inner: Backend, outer: object, pace?: WritePacing): void {
  const w = inner as Backend & Partial<WritableBackend>;
  if (!w.write || !w.delete || !w.rename || !w.cleanupIncomplete) return;
  const o = outer as Partial<WritableBackend>;
  const before = pace ? () => pace.request() : () => Promise.resolve();
  o.write = async (path: string, body: AsyncIterable<Uint8Array>, opts?: BackendWriteOptions) => {
    await before();
    return w.write!(path, pace ? paced(body, pace) : body, opts);
  };
  o.delete = async (path: string) => {
    await before();
    return w.delete!(path);
  };
  o.rename = async (from: string, to: string) => {
    await before();
    return w.rename!(from, to);
  };
  o.cleanupIncomplete = (prefix: string) => w.cleanupIncomplete!(prefix);
  if (w.removeDir) {
    o.removeDir = async (path: string) => {
      await before();
      return w.removeDir!(path);
    };
  }
}
