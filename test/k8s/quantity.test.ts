import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCpu, formatRate, formatStorage, parseQuantity, parseRate } from '../../src/k8s/quantity';

describe('Kubernetes quantities', () => {
  test('decimal suffixes, from nano to exa', () => {
    assert.equal(parseQuantity('500m'), 0.5);
    assert.equal(parseQuantity('2'), 2);
    assert.equal(parseQuantity('1.5'), 1.5);
    assert.equal(parseQuantity('100n'), 100e-9);
    assert.equal(parseQuantity('250u'), 250e-6);
    assert.equal(parseQuantity('1k'), 1000);
    assert.equal(parseQuantity('128M'), 128e6);
    assert.equal(parseQuantity('1.5G'), 1.5e9);
    assert.equal(parseQuantity('2T'), 2e12);
    assert.equal(parseQuantity('1P'), 1e15);
    assert.equal(parseQuantity('1E'), 1e18);
  });

  test('binary suffixes', () => {
    assert.equal(parseQuantity('64Ki'), 64 * 1024);
    assert.equal(parseQuantity('512Mi'), 512 * 2 ** 20);
    assert.equal(parseQuantity('9Gi'), 9 * 2 ** 30);
    assert.equal(parseQuantity('1.5Ti'), 1.5 * 2 ** 40);
    assert.equal(parseQuantity('1Pi'), 2 ** 50);
    assert.equal(parseQuantity('1Ei'), 2 ** 60);
  });

  test('exponents, signs, bare decimals and YAML numbers', () => {
    assert.equal(parseQuantity('1e3'), 1000);
    assert.equal(parseQuantity('12E-3'), 0.012);
    assert.equal(parseQuantity('+1'), 1);
    assert.equal(parseQuantity('.5'), 0.5);
    assert.equal(parseQuantity('5.'), 5);
    assert.equal(parseQuantity(8), 8);
  });

  test('rejects what the API server rejects', () => {
    for (const bad of ['', 'abc', '1 Gi', '1GB', '1gi', '1.2.3', 'Gi', '1Kii', '--1']) {
      assert.throws(() => parseQuantity(bad), /expected a Kubernetes quantity/, bad);
    }
    assert.throws(() => parseQuantity(Number.NaN), /finite/);
  });

  test('rates: decimal or binary sizes per second', () => {
    assert.equal(parseRate('200MB/s'), 200e6);
    assert.equal(parseRate('1.5GiB/s'), 1.5 * 2 ** 30);
    assert.equal(parseRate('200MB'), 200e6);
    assert.throws(() => parseRate('0MB/s'), /positive/);
    assert.throws(() => parseRate('fast'), /size/);
  });

  test('formatting for the plan table', () => {
    assert.equal(formatCpu(32), '32');
    assert.equal(formatCpu(1.5), '1.5');
    assert.equal(formatCpu(0.25), '250m');
    assert.equal(formatCpu(0), '0');
    assert.equal(formatRate(6.4e9), '6.4 GB/s');
    assert.equal(formatRate(200e6), '200 MB/s');
    assert.equal(formatRate(0), '0 B/s');
    assert.equal(formatStorage(1500 * 2 ** 30), '1.46 TiB');
    assert.equal(formatStorage(500 * 2 ** 30), '500 GiB');
    assert.equal(formatStorage(64 * 2 ** 20), '64 MiB');
  });
});
