// Responses that carry file bytes (Cache Read, ReadFiles, ReadSession) are
// serialized through one reusable scratch buffer instead of a fresh one per
// message. grpc-js copies what a serializer returns into the frame it sends
// (serializeMessage: allocate length + 5, copy), synchronously, before any
// other message is serialized; so protobufjs's own buffer per message (100 KB
// for a 100 KB sample) was allocated, copied into and dropped at once. That
// garbage of external memory drove the daemon's GC: on a warm epoch of 100 KB
// reads over ReadSession, GC pauses were most of the p99.
//
// The message is encoded without its bytes field by the generated
// serializer, and the field (number from the proto) is appended: protobuf
// allows fields in any order. Messages over MAX_SCRATCH_BYTES, and those
// whose bytes are small, take the generated serializer's way, so the scratch
// never holds more than MAX_SCRATCH_BYTES.

/** The largest message serialized through the scratch (kept for the process' life). */
export const MAX_SCRATCH_BYTES = 4 * 1024 * 1024;
/** Below this the generated serializer's pooled buffers are as cheap. */
const MIN_SCRATCH_BYTES = 8 * 1024;

const EMPTY = Buffer.alloc(0);

interface MethodLike {
  responseSerialize: (value: unknown) => Buffer;
  readonly responseType?: { readonly type?: { readonly field?: ReadonlyArray<{ name: string; number: number; type: string }> } };
}

let scratch: Buffer | undefined;

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  return pos;
}

/** Replaces the response serializer of `method` when its response has one bytes field; returns whether it did. */
export function serializeThroughScratch(method: MethodLike): boolean {
  const bytesFields = (method.responseType?.type?.field ?? []).filter((f) => f.type === 'TYPE_BYTES');
  if (bytesFields.length !== 1) return false;
  const { name, number } = bytesFields[0]!;
  const tag = (number << 3) | 2; // wire type 2: length-delimited
  const generated = method.responseSerialize;
  method.responseSerialize = (value: unknown): Buffer => {
    const data = (value as Record<string, unknown>)[name];
    if (!Buffer.isBuffer(data) || data.length < MIN_SCRATCH_BYTES) return generated(value);
    const rest = generated({ ...(value as object), [name]: EMPTY });
    const total = rest.length + varintLength(tag) + varintLength(data.length) + data.length;
    if (total > MAX_SCRATCH_BYTES) return generated(value);
    if (!scratch || scratch.length < total) scratch = Buffer.allocUnsafe(Math.min(MAX_SCRATCH_BYTES, Math.max(total, 2 * (scratch?.length ?? 0))));
    rest.copy(scratch, 0);
    let p = writeVarint(scratch, rest.length, tag);
    p = writeVarint(scratch, p, data.length);
    data.copy(scratch, p);
    return scratch.subarray(0, total);
  };
  return true;
}
