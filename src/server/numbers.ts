import { invalidArgument } from '../errors';

/** uint64 fields arrive as JS numbers (proto-loader longs: Number); refuse what a double cannot hold exactly. */
export function clientSafeNumber(field: string, v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw invalidArgument(`${field} ${v} is out of range: expected 0..${Number.MAX_SAFE_INTEGER}`);
  }
  return v;
}
