#!/usr/bin/env node
// npm install step: builds the native addons with node-gyp (binding.gyp):
//   tiercache_io    batched file I/O (src/native), needs only a C compiler;
//   tiercache_fuse  the FUSE mount (src/fuse/native), needs libfuse3-dev.
// Without them the install still succeeds: without libfuse3-dev only
// `--mount` fails, with a message saying what to install; without a C
// compiler file I/O also takes Node's slower fs path. `.ci/run` installs
// both, and the tests require the addons under CI=true. (The file keeps its
// old name: it is what `npm install`, the Dockerfile and worktrees call.)
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const hint = 'install fuse3 and libfuse3-dev (apt-get install fuse3 libfuse3-dev), then run `npm rebuild tiercache` or `node hack/build-fuse-addon.js`';

if (spawnSync('pkg-config', ['--exists', 'fuse3']).status !== 0) {
  console.warn(`tiercache: libfuse3-dev not found, so the FUSE mount (--mount) is not built; ${hint}`);
}
if (spawnSync('cc', ['--version']).status !== 0) {
  console.warn('tiercache: no C compiler (cc), so no native addon is built: --mount is unavailable and file I/O takes the slower fs path; install build-essential and run `node hack/build-fuse-addon.js`');
  process.exit(0);
}

const gyp =
  process.env.npm_config_node_gyp ||
  [join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find(existsSync);
if (!gyp) {
  console.warn('tiercache: node-gyp not found (it ships with npm), so the native addons (--mount, batched file I/O) are not built');
  process.exit(0);
}
const args = [gyp, 'rebuild'];
// Build offline against the headers of the running node when it has them.
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(`tiercache: building the native addons failed (see above), so --mount is unavailable and file I/O takes the slower fs path; ${hint}`);
}
process.exit(0);
