// Named errors of the k8s commands. They reuse the project's TiercacheError
// codes so that a caller can tell a bad manifest or flag (INVALID_ARGUMENT)
// from anything else; the CLI turns them into exit codes, never stack traces.

import { ErrorCodes, TiercacheError } from '../errors';

export interface SourcePosition {
  readonly line: number;
  readonly col?: number;
}

/** A manifest that cannot be read: bad YAML, or a field of the wrong shape. */
export class ManifestError extends TiercacheError {
  readonly source: string;
  readonly line: number | undefined;
  constructor(source: string, position: SourcePosition | undefined, message: string) {
    const where = position ? `:${position.line}${position.col === undefined ? '' : `:${position.col}`}` : '';
    super(ErrorCodes.INVALID_ARGUMENT, `${source}${where}: ${message}`);
    this.name = 'ManifestError';
    this.source = source;
    this.line = position?.line;
  }
}

/** A flag or argument of `tiercache k8s` the user has to correct. */
export class UsageError extends TiercacheError {
  constructor(message: string) {
    super(ErrorCodes.INVALID_ARGUMENT, message);
    this.name = 'UsageError';
  }
}
