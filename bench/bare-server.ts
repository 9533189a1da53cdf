// Baseline for the hot-path benchmarks: a bare grpc-js server speaking the
// same Cache API, serving one buffer from memory with the same channel options
// and chunk size as the daemon. Run as a child process: node bare-server.js SOCKET SIZE CHUNK

import { Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, type ServerWritableStream } from '@grpc/grpc-js';
import { once } from 'node:events';
import { serviceDefinition, CHANNEL_OPTIONS } from '../src/protocol/load';

const [socket, sizeArg, chunkArg] = process.argv.slice(2);
const size = Number(sizeArg);
const chunk = Number(chunkArg);
const data = Buffer.alloc(size, 0x61);

const server = new Server({ ...CHANNEL_OPTIONS });
server.addService(serviceDefinition('Cache'), {
  Read: (call: ServerUnaryCall<{ offset: number; length: number }, unknown>, cb: sendUnaryData<unknown>) => {
    const { offset, length } = call.request;
    cb(null, { data: data.subarray(offset, Math.min(size, offset + length)) });
  },
  ReadStream: async (call: ServerWritableStream<{ offset: number; length: number }, unknown>) => {
    const end = call.request.length === 0 ? size : Math.min(size, call.request.offset + call.request.length);
    for (let p = call.request.offset; p < end; p += chunk) {
      if (!call.write({ offset: p, data: data.subarray(p, Math.min(p + chunk, end)) })) await once(call, 'drain');
    }
    call.end();
  },
});
server.bindAsync(`unix://${socket}`, ServerCredentials.createInsecure(), (err) => {
  if (err) throw err;
  process.stdout.write('ready\n');
});
process.on('SIGTERM', () => server.forceShutdown());
