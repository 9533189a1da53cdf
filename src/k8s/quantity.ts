// Kubernetes resource quantities ("500m", "64Gi", "1.5G", "1e3") and the
// human rates and sizes `plan` reads and prints. Pure functions: they throw a
// plain Error saying what is allowed; callers add where the value was found.

import { parseSize } from '../util/units';

const BINARY_SI: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Powers of ten. */
const DECIMAL_SI: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

// Dividing for negative powers keeps "100n" exactly 1e-7 (100 * 1e-9 is not).
const scale = (n: number, exp: number): number => (exp < 0 ? n / 10 ** -exp : n * 10 ** exp);

// <signedNumber><suffix>, as in k8s.io/apimachinery/pkg/api/resource.
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])?)$/;

/** The value of a quantity in base units (cores, bytes, devices). */
export function parseQuantity(input: string | number): number {
  if (typeof input === 'number') {
    if (!Number.isFinite(input)) throw new Error('expected a finite number');
    return input;
  }
  const m = QUANTITY.exec(input.trim());
  if (!m) throw new Error('expected a Kubernetes quantity such as 500m, 2, 64Gi, 1.5G or 1e3');
  const n = Number(m[1]);
  if (m[2] !== undefined) return scale(n, Number(m[2].slice(1)));
  const suffix = m[3] ?? '';
  const binary = BINARY_SI[suffix];
  return binary !== undefined ? n * binary : scale(n, DECIMAL_SI[suffix]!);
}

/** A read rate such as "200MB/s", "1.5GiB/s" or "200MB" in bytes per second. */
export function parseRate(input: string): number {
  const s = input.trim().replace(/\/s(ec)?$/i, '');
  const n = parseSize(s);
  if (n <= 0) throw new Error('expected a positive rate such as 200MB/s or 1GiB/s');
  return n;
}

/** CPU in cores as Kubernetes writes it: "32", "1.5", "250m". */
export function formatCpu(cores: number): string {
  if (cores === 0) return '0';
  if (Number.isInteger(cores)) return String(cores);
  const milli = Math.round(cores * 1000);
  return milli % 100 === 0 ? String(milli / 1000) : `${milli}m`;
}

/** Decimal rate, since storage and network rates are quoted in decimal units. */
export function formatRate(bytesPerSecond: number): string {
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];
  let v = bytesPerSecond;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 || Number.isInteger(v) ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${units[i]}`;
}

/** Bytes in binary units, trimmed ("2 TiB", "1.5 GiB", "512 MiB"). */
export function formatStorage(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2))} ${units[i]}`;
}
