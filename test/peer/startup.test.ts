// --peers is refused at start-up unless the daemon can authenticate peers
// and tell itself apart from them.

import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../helpers/daemon';

describe('peer start-up checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tc-peer-cfg-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const daemon = (...flags: string[]) =>
    runCli(['daemon', `--state-dir=${join(dir, 'state')}`, `--backend-dir=${join(dir, 'data')}`, '--metrics-listen=', '--listen=127.0.0.1:0', ...flags]);

  it('refuses --peers without a token file', async () => {
    const r = await daemon('--peers=127.0.0.1:7001,127.0.0.1:7002', '--advertise=127.0.0.1:7001');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid peers: peers need --peer-token-file/);
  });

  it('refuses --peers without an advertised address, and a token that is too short', async () => {
    const token = join(dir, 'token');
    writeFileSync(token, 'a'.repeat(32) + '\n');
    const noAdvertise = await daemon('--peers=127.0.0.1:7001', `--peer-token-file=${token}`);
    assert.equal(noAdvertise.code, 1);
    assert.match(noAdvertise.stderr, /peers need --advertise/);
    writeFileSync(token, 'short\n');
    const short = await daemon('--peers=127.0.0.1:7001', '--advertise=127.0.0.1:7001', `--peer-token-file=${token}`);
    assert.equal(short.code, 1);
    assert.match(short.stderr, /invalid peer-token-file: .* at least 16/);
  });

  it('names the key when the peer list is malformed', async () => {
    const r = await daemon('--peers=dns://svc:7070', '--advertise=127.0.0.1:7001');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid peers: "dns:\/\/svc:7070"/);
  });
});
