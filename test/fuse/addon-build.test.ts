// npm install from a fresh clone must work on a machine without libfuse3-dev
// (the README quickstart): the addon build step then says what to install
// and succeeds, and only --mount is unavailable.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/daemon';

describe('FUSE addon build at npm install', () => {
  it('succeeds without libfuse3-dev, saying what to install', () => {
    // No pkg-config on PATH: as on a machine without libfuse3-dev.
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'hack/build-fuse-addon.js')], {
      env: { PATH: '/nonexistent' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0);
    assert.match(r.stderr, /libfuse3-dev not found, so the FUSE mount \(--mount\) is not built; install fuse3 and libfuse3-dev/);
  });
});
