// Client commands over the Cache service: cat, stat, evict.

import { clientFor, parse, parseNonNegInt, SOCKET_OPTION, UsageError, writeAll, type Io } from './io';

export const CAT_HELP = `Usage: tiercache cat PATH [--offset N] [--length N] [--socket PATH]
Writes the file's bytes (or a range) to stdout, read through the cache.
`;
export const STAT_HELP = `Usage: tiercache stat PATH [--json] [--socket PATH]
Shows size, modification time and type of a backend path.
`;
export const EVICT_HELP = `Usage: tiercache evict PATH [--socket PATH]
Drops the file's blocks from the memory and SSD tiers of this node.
`;

function onePath(positionals: string[], help: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected exactly one PATH\n${help}`);
  return positionals[0]!;
}

export async function runCat(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...SOCKET_OPTION, offset: { type: 'string' }, length: { type: 'string' } });
  if (values['help']) return void io.stdout.write(CAT_HELP), 0;
  const path = onePath(positionals, CAT_HELP);
  const offset = parseNonNegInt('offset', values['offset'] as string | undefined, 0);
  const length = parseNonNegInt('length', values['length'] as string | undefined, 0);
  const client = clientFor(values as { socket?: string }, io);
  try {
    for await (const chunk of client.readChunks(path, offset, length)) await writeAll(io.stdout, chunk.data);
  } finally {
    client.close();
  }
  return 0;
}

export async function runStat(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...SOCKET_OPTION, json: { type: 'boolean' } });
  if (values['help']) return void io.stdout.write(STAT_HELP), 0;
  const client = clientFor(values as { socket?: string }, io);
  try {
    const info = await client.stat(onePath(positionals, STAT_HELP));
    if (values['json']) io.stdout.write(JSON.stringify(info) + '\n');
    else {
      io.stdout.write(
        `path:  ${info.path || '/'}\ntype:  ${info.is_dir ? 'directory' : 'file'}\nsize:  ${info.size}\nmtime: ${new Date(info.mtime_ms).toISOString()}\n`,
      );
    }
  } finally {
    client.close();
  }
  return 0;
}

export async function runEvict(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, { ...SOCKET_OPTION });
  if (values['help']) return void io.stdout.write(EVICT_HELP), 0;
  const client = clientFor(values as { socket?: string }, io);
  try {
    const n = await client.evict(onePath(positionals, EVICT_HELP));
    io.stdout.write(`evicted ${n} block${n === 1 ? '' : 's'}\n`);
  } finally {
    client.close();
  }
  return 0;
}
