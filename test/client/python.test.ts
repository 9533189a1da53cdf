// The Python client (clients/python) against the real daemon, under Debian's
// python3-grpcio and python3-protobuf at /usr/bin/python3. Without them the
// test skips on a developer machine but fails under CI=true, where .ci/run
// installs them.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TestDaemon, REPO_ROOT } from '../helpers/daemon';
import { PYTHON, PY_ROOT, missing as missingPackage, run, suiteEnv, type Run } from '../helpers/python';
import type { TestContext } from 'node:test';

const APT_LINE = 'apt-get install -y python3-grpcio python3-protobuf protobuf-compiler';
const missing = (t: TestContext, what: string): void => missingPackage(t, what, APT_LINE);

describe('Python client', () => {
  const d = new TestDaemon();
  let pythonReady: Run;

  before(async () => {
    pythonReady = await run(PYTHON, ['-c', 'import grpc, google.protobuf; print(grpc.__version__, google.protobuf.__version__)']);
    if (pythonReady.code === 0) await d.start();
  });
  after(async () => {
    await d.cleanup();
  });

  it('has generated protobuf modules up to date with proto/', async (t) => {
    const r = await run('bash', [join(REPO_ROOT, 'hack/gen-python-proto.sh'), '--check']);
    if (r.code === 2 && /protoc not found/.test(r.output)) return missing(t, 'protoc is not installed');
    assert.equal(r.code, 0, r.output);
  });

  it('passes its unittest suite against the real daemon', async (t) => {
    if (pythonReady.code !== 0) return missing(t, `${PYTHON} cannot import grpc and protobuf:\n${pythonReady.output}`);
    t.diagnostic(`python3-grpcio/protobuf: ${pythonReady.output.trim()}`);
    const r = await run(PYTHON, ['-m', 'unittest', 'discover', '-v', '-s', 'tests', '-t', '.'], suiteEnv(d.socket, d.backendDir), PY_ROOT);
    assert.equal(r.code, 0, `python tests failed:\n${r.output}`);
    // Only methods the daemon does not implement yet may be skipped.
    const skips = r.output.split('\n').filter((l) => / \.\.\. skipped /.test(l));
    for (const l of skips) assert.match(l, /not in this build'$/, `unexpected skip: ${l}`);
    const summary = r.output.split('\n').filter((l) => /^Ran \d+ tests|^OK/.test(l));
    t.diagnostic(`${summary.join(' ')}; skipped until the daemon implements them: ${skips.length}`);
  });
});
