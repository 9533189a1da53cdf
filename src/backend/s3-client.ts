// One S3 client per daemon: the SDK's client over a keep-alive agent sized
// for the prefetch engine's concurrency, and the one retry loop for every
// request (throttling and transient failures, with full-jitter back-off,
// counted). The SDK's own retries are off so that each attempt is counted here
// and a throttled store is visible in metrics.
//
// Credentials and region come from the SDK's default provider chain
// (environment variables, shared config and credentials files, web identity
// tokens for IRSA / workload identity, container and instance metadata). That
// chain reads process.env itself; tiercache's own modules never do.

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { isRetryable, isThrottle } from './s3-errors';

/** Attempts per request, the first included. */
export const MAX_ATTEMPTS = 5;
/** Back-off before retry n is uniform in [0, min(CAP, BASE * 2^n)) ms ("full jitter"). */
export const BACKOFF_BASE_MS = 50;
export const BACKOFF_CAP_MS = 2_000;
const CONNECT_TIMEOUT_MS = 5_000;
/** No bytes for this long on an open request: the attempt fails (and is retried). */
const SOCKET_IDLE_TIMEOUT_MS = 30_000;

export interface S3ClientOptions {
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  readonly forcePathStyle: boolean;
  /** Sockets kept open to the store (prefetch in flight plus foreground readers). */
  readonly maxSockets: number;
}

export interface RetryCounters {
  /** Attempts answered with throttling (503 SlowDown, 429). */
  throttled: number;
  /** Attempts repeated after a throttle or a transient failure. */
  retries: number;
}

export interface RetryPolicy {
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
}

export function createS3Client(o: S3ClientOptions): S3Client {
  const agentOptions = { keepAlive: true, maxSockets: o.maxSockets, maxFreeSockets: o.maxSockets };
  return new S3Client({
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    forcePathStyle: o.forcePathStyle,
    maxAttempts: 1,
    // Checksums are computed where we choose to (upload parts), not on every request.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent(agentOptions),
      httpsAgent: new HttpsAgent(agentOptions),
      connectionTimeout: CONNECT_TIMEOUT_MS,
      requestTimeout: SOCKET_IDLE_TIMEOUT_MS,
    }),
  });
}

const realSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `attempt` until it succeeds, fails for good, or MAX_ATTEMPTS are spent. */
export async function withRetries<T>(attempt: () => Promise<T>, counters: RetryCounters, policy: RetryPolicy = {}): Promise<T> {
  const random = policy.random ?? Math.random;
  const sleep = policy.sleep ?? realSleep;
  for (let n = 0; ; n++) {
    try {
      return await attempt();
    } catch (err) {
      if (isThrottle(err)) counters.throttled++;
      if (n + 1 >= MAX_ATTEMPTS || !isRetryable(err)) throw err;
      counters.retries++;
      await sleep(Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** n)));
    }
  }
}
