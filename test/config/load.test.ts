import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config/load';
import { parseDuration, parseSize } from '../../src/util/units';

describe('units', () => {
  it('parses sizes in SI and IEC units', () => {
    assert.equal(parseSize('4096'), 4096);
    assert.equal(parseSize('512MiB'), 512 * 2 ** 20);
    assert.equal(parseSize('10GiB'), 10 * 2 ** 30);
    assert.equal(parseSize('1.5KB'), 1500);
    assert.equal(parseSize('2g'), 2e9);
    assert.throws(() => parseSize('12 apples'), /expected a size/);
    assert.throws(() => parseSize('-1'), /expected a size/);
  });
  it('parses durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('30s'), 30_000);
    assert.equal(parseDuration('1h30m'), 5_400_000);
    assert.equal(parseDuration('0'), 0);
    assert.throws(() => parseDuration('30'), /expected a duration/);
    assert.throws(() => parseDuration('1x'), /expected a duration/);
  });
});

describe('loadConfig', () => {
  it('gives the embedded defaults', () => {
    const c = loadConfig({ cwd: '/srv/repo' });
    assert.equal(c.backendDir, '/srv/repo/data');
    assert.equal(c.stateDir, '/srv/repo/.tiercache');
    assert.equal(c.socket, '/srv/repo/.tiercache/tiercache.sock');
    assert.equal(c.ssdCacheDir, '/srv/repo/.tiercache/ssd');
    assert.equal(c.memoryCacheSize, 512 * 2 ** 20);
    assert.equal(c.ssdCacheSize, 10 * 2 ** 30);
    assert.equal(c.blockSize, 4 * 2 ** 20);
    assert.equal(c.metadataTtlMs, 2000);
    assert.equal(c.ssdFreeRatio, 0.1);
    assert.ok(Object.isFrozen(c));
  });
  it('names the key, the value and what is allowed', () => {
    assert.throws(() => loadConfig({ flags: { 'block-size': '1KiB' } }), /invalid block-size: "1KiB"; allowed: a size such as 512MiB or 10GiB, at least 4096/);
    assert.throws(() => loadConfig({ flags: { 'ssd-free-ratio': '2' } }), /invalid ssd-free-ratio: "2"; allowed: a number between 0 and 0.9/);
    assert.throws(() => loadConfig({ flags: { 'log-level': 'loud' } }), /allowed: one of debug, info, warn, error/);
    assert.throws(() => loadConfig({ flags: { listen: 'nowhere' } }), /invalid listen: "nowhere"; allowed: host:port/);
    assert.throws(() => loadConfig({ flags: { 'checkpoint-root': '../up' } }), /invalid checkpoint-root/);
    assert.throws(() => loadConfig({ flags: { peers: 'a:1' } }), /peers need --listen/);
    assert.throws(() => loadConfig({ flags: { bogus: '1' } }), /unknown option --bogus/);
    assert.throws(() => loadConfig({ flags: { 'max-streams': '0' } }), /invalid max-streams: "0"; allowed: a whole number >= 1/);
    assert.throws(
      () => loadConfig({ flags: { 'max-calls': '100', 'max-calls-per-connection': '200' } }),
      /invalid max-calls-per-connection: 200 is more than max-calls \(100\); lower it or raise max-calls/,
    );
    assert.throws(() => loadConfig({ flags: { 'stream-stall-timeout': '10' } }), /invalid stream-stall-timeout/);
  });
  it('bounds calls, streams and connections by default', () => {
    assert.deepEqual(loadConfig({ cwd: '/srv' }).limits, {
      maxCalls: 1024,
      maxCallsPerConnection: 256,
      maxStreams: 64,
      maxUploads: 16,
      maxUploadBuffer: 64 * 1024 * 1024,
      streamStallTimeoutMs: 60_000,
      maxConnections: 1024,
      connectionIdleTimeoutMs: 300_000,
    });
  });
  it('tags backend temporary files with node-name ($NODE_NAME, else the host name) and the state dir, and keeps others\' for an hour', () => {
    const a = loadConfig({ cwd: '/srv', nodeName: 'gpu-7' }).incomplete;
    assert.match(a.writerTag, /^gpu_7\.[0-9a-f]{8}$/);
    assert.equal(a.minAgeMs, 3600_000);
    assert.equal(loadConfig({ cwd: '/srv', flags: { 'node-name': 'gpu-7' } }).incomplete.writerTag, a.writerTag);
    assert.notEqual(loadConfig({ cwd: '/srv', nodeName: 'gpu-7', flags: { 'state-dir': '/other' } }).incomplete.writerTag, a.writerTag);
    assert.equal(loadConfig({ cwd: '/srv', flags: { 'backend-incomplete-min-age': '10m' } }).incomplete.minAgeMs, 600_000);
  });
  it('derives --advertise from POD_IP and the listen port', () => {
    assert.equal(loadConfig({ flags: { listen: '0.0.0.0:7070' }, podIp: '10.1.2.3' }).advertise, '10.1.2.3:7070');
    assert.equal(loadConfig({ flags: { listen: '0.0.0.0:7070' }, podIp: 'fd00::1' }).advertise, '[fd00::1]:7070');
    assert.equal(loadConfig({ flags: { listen: '0.0.0.0:7070', advertise: 'me:1' }, podIp: '10.1.2.3' }).advertise, 'me:1');
  });
});
