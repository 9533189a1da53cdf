// The shared peer token: read once from --peer-token-file (a Kubernetes
// Secret mounted as a file), sent on every Peer call, and compared in
// constant time on the serving side. Trailing whitespace is ignored so a
// file written with `echo` works.

import { readFileSync } from 'node:fs';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ConfigError } from '../errors';
import { getErrorMessage } from '../util/errors-message';

const MIN_TOKEN_LENGTH = 16;

export class PeerToken {
  readonly value: string;
  private readonly digest: Buffer;

  constructor(value: string) {
    this.value = value;
    this.digest = sha256(value);
  }

  /** `key` names the option the file came from, for error messages. */
  static fromFile(path: string, key = 'peer-token-file'): PeerToken {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(`invalid ${key}: cannot read ${path}: ${getErrorMessage(err)}`);
    }
    const value = text.trimEnd();
    if (value.length < MIN_TOKEN_LENGTH) {
      throw new ConfigError(
        `invalid ${key}: ${path} holds ${value.length} characters; a token needs at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -hex 32)`,
      );
    }
    return new PeerToken(value);
  }

  /** Constant time in the length of the token: both sides are hashed to 32 bytes first. */
  matches(given: unknown): boolean {
    if (typeof given !== 'string' || given === '') return false;
    return timingSafeEqual(this.digest, sha256(given));
  }
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}
