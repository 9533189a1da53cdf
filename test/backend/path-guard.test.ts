import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isInsideRoot, normalizeRequestPath } from '../../src/backend/path-guard';

describe('normalizeRequestPath', () => {
  it('normalises harmless forms', () => {
    assert.equal(normalizeRequestPath('a/b'), 'a/b');
    assert.equal(normalizeRequestPath('./a//b/'), 'a/b');
    assert.equal(normalizeRequestPath('a/../b'), 'b');
    assert.equal(normalizeRequestPath(''), '');
    assert.equal(normalizeRequestPath('.'), '');
  });
  it('refuses escapes, absolute paths and NUL bytes with the path in the message', () => {
    assert.throws(() => normalizeRequestPath('../etc/passwd'), /path escapes the backend root: \.\.\/etc\/passwd/);
    assert.throws(() => normalizeRequestPath('a/../../b'), /escapes/);
    assert.throws(() => normalizeRequestPath('/etc/passwd'), /absolute paths are not allowed/);
    assert.throws(() => normalizeRequestPath('a\0b'), /NUL byte/);
    assert.throws(() => normalizeRequestPath('x'.repeat(5000)), /longer than 4096 bytes/);
  });
  it('checks containment on whole components', () => {
    assert.equal(isInsideRoot('/data', '/data'), true);
    assert.equal(isInsideRoot('/data', '/data/x'), true);
    assert.equal(isInsideRoot('/data', '/database'), false);
  });
});
