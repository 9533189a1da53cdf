// Child-process entry for the test S3 server: runs s3rver on port 0 and
// prints {"port": N} on stdout once it listens. It runs under
// --openssl-legacy-provider because s3rver's ListObjectsV2 continuation
// tokens use DES, which OpenSSL 3 (Node >= 17) refuses otherwise (a truncated
// listing then answers 500).

// eslint-disable-next-line @typescript-eslint/no-require-imports
const S3rver = require('s3rver') as new (o: Record<string, unknown>) => { run(): Promise<{ port: number }>; close(): Promise<void> };

async function main(): Promise<void> {
  const [dir, ...buckets] = process.argv.slice(2);
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  process.stdout.write(JSON.stringify({ port }) + '\n');
  const stop = (): void => void server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // The test process died without stopping us: do not linger.
  process.stdin.on('end', stop);
  process.stdin.resume();
}

// `node --test dist/test/` runs every file under test/ (helpers too): without
// arguments this module is being loaded, not launched, and does nothing.
if (process.argv.length > 2) void main();
