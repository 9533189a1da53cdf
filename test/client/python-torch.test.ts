// tiercache.torch with the real PyTorch: Debian's python3-torch and
// python3-torchvision under /usr/bin/python3, against the real daemon
// (clients/python/tests/real_torch.py: DataLoader workers forked, spawned and
// from a forkserver, DistributedSampler shards, a ~200 MB checkpoint of a real
// model and an interrupted epoch resumed in a fresh process). Without torch
// the test skips on a developer machine and fails under CI=true, where .ci/run
// installs it.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestDaemon } from '../helpers/daemon';
import { PYTHON, PY_ROOT, missing, run, suiteEnv, type Run } from '../helpers/python';

const APT_LINE = 'apt-get install -y python3-torch python3-torchvision python3-grpcio python3-protobuf';
// Spawned workers import torch afresh; on a busy 2-core machine that takes a while.
const SUITE_LIMIT_MS = 300_000;

describe('Python client with real PyTorch', () => {
  // Room for the 200 MB checkpoint next to the sample files.
  const d = new TestDaemon({ flags: { 'memory-cache-size': '64MiB', 'ssd-cache-size': '512MiB' } });
  let torchReady: Run;

  before(async () => {
    torchReady = await run(PYTHON, ['-c', 'import torch, torchvision, grpc, google.protobuf; print(torch.__version__, torchvision.__version__)']);
    if (torchReady.code === 0) await d.start();
  });
  after(async () => {
    await d.cleanup();
  });

  it('runs DataLoaders, checkpoints and resumed epochs through the daemon', async (t) => {
    if (torchReady.code !== 0) return missing(t, `${PYTHON} cannot import torch and torchvision:\n${torchReady.output}`, APT_LINE);
    t.diagnostic(`torch, torchvision: ${torchReady.output.trim()}`);
    const r = await run(PYTHON, ['-m', 'unittest', '-v', 'tests.real_torch'], suiteEnv(d.socket, d.backendDir), PY_ROOT, SUITE_LIMIT_MS);
    assert.equal(r.code, 0, `real torch tests failed:\n${r.output}`);
    assert.doesNotMatch(r.output, / \.\.\. skipped /, 'nothing here may be skipped');
    assert.match(r.output, /^Ran 4 tests/m);
  });
});
