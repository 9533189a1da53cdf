// The TypeScript protocol types are generated from proto/ (hack/gen-ts-proto.sh)
// and committed: a change to a .proto without regenerating fails here.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../helpers/daemon';

describe('generated protocol types', () => {
  it('are up to date with proto/', async () => {
    const r = await promisify(execFile)('bash', [join(REPO_ROOT, 'hack/gen-ts-proto.sh'), '--check']).catch(
      (err: { stdout: string; stderr: string; code: number }) => err,
    );
    assert.match(r.stdout, /up to date/, `hack/gen-ts-proto.sh --check failed:\n${r.stderr}`);
  });
});
