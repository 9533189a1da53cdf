#!/usr/bin/env node
// npm install step: builds the FUSE addon (src/fuse/native) with node-gyp
// when libfuse3-dev is present. Without it the install still succeeds: the
// daemon runs, and only `--mount` fails, with a message saying what to
// install. `.ci/run` installs libfuse3-dev, and the mount tests require the
// addon under CI=true.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const hint = 'install fuse3 and libfuse3-dev (apt-get install fuse3 libfuse3-dev), then run `npm rebuild tiercache` or `node hack/build-fuse-addon.js`';

if (spawnSync('pkg-config', ['--exists', 'fuse3']).status !== 0) {
  console.warn(`tiercache: libfuse3-dev not found, so the FUSE mount (--mount) is not built; ${hint}`);
  process.exit(0);
}

const gyp =
  process.env.npm_config_node_gyp ||
  [join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js')].find(existsSync);
if (!gyp) {
  console.warn('tiercache: node-gyp not found (it ships with npm), so the FUSE mount (--mount) is not built');
  process.exit(0);
}
const args = [gyp, 'rebuild'];
// Build offline against the headers of the running node when it has them.
const prefix = resolve(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`);
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(`tiercache: building the FUSE addon failed (see above), so --mount is unavailable; ${hint}`);
}
process.exit(0);
