// Loads the tiercache.v1 and grpc.health.v1 definitions from proto/ (the
// source of truth) once, with options shared by the daemon and its clients.
// The loader options match hack/gen-ts-proto.sh, so the generated types in
// src/generated/proto describe exactly what this loader hands out.

import { join } from 'node:path';
import { existsSync } from 'node:fs';
import * as protoLoader from '@grpc/proto-loader';
import { loadPackageDefinition } from '@grpc/grpc-js';
import type { ProtoGrpcType as AdminProto } from '../generated/proto/admin';
import type { ProtoGrpcType as CacheProto } from '../generated/proto/cache';
import type { ProtoGrpcType as CheckpointProto } from '../generated/proto/checkpoint';
import type { ProtoGrpcType as CheckpointMountProto } from '../generated/proto/checkpoint_mount';
import type { ProtoGrpcType as HealthProto } from '../generated/proto/health';
import type { ProtoGrpcType as PeerProto } from '../generated/proto/peer';
import { serializeThroughScratch } from './scratch-serializer';

/** proto/ at the package root, from dist/src/protocol or src/protocol. */
function findProtoRoot(): string {
  for (const up of ['../../../proto', '../../proto']) {
    const p = join(__dirname, up);
    if (existsSync(join(p, 'tiercache/v1/cache.proto'))) return p;
  }
  throw new Error(`cannot find the proto/ directory from ${__dirname}`);
}

export const PROTO_ROOT = findProtoRoot();

const FILES = [
  'tiercache/v1/cache.proto',
  'tiercache/v1/admin.proto',
  'tiercache/v1/checkpoint.proto',
  'tiercache/v1/checkpoint_mount.proto',
  'tiercache/v1/peer.proto',
  'grpc/health/v1/health.proto',
];

type Loaded = AdminProto & CacheProto & CheckpointProto & CheckpointMountProto & PeerProto & HealthProto;

let loaded: Loaded | undefined;

function load(): Loaded {
  if (!loaded) {
    const def = protoLoader.loadSync(FILES, {
      includeDirs: [PROTO_ROOT],
      keepCase: true,
      longs: Number,
      enums: String,
      defaults: true,
      oneofs: true,
    });
    // The one place the untyped package becomes the generated ProtoGrpcType.
    // The Cache methods that send file bytes, through one reusable buffer (scratch-serializer.ts).
    const cache = def['tiercache.v1.Cache'] as unknown as Record<string, Parameters<typeof serializeThroughScratch>[0]>;
    for (const m of ['Read', 'ReadFiles', 'ReadSession']) {
      if (!serializeThroughScratch(cache[m]!)) throw new Error(`tiercache.v1.Cache.${m}: expected one bytes field in its response`);
    }
    loaded = loadPackageDefinition(def) as unknown as Loaded;
  }
  return loaded;
}

/** Client constructors (each with its `.service` definition), typed from proto/. */
export const services = {
  get Cache() {
    return load().tiercache.v1.Cache;
  },
  get Admin() {
    return load().tiercache.v1.Admin;
  },
  get Checkpoints() {
    return load().tiercache.v1.Checkpoints;
  },
  get Peer() {
    return load().tiercache.v1.Peer;
  },
  get CheckpointMount() {
    return load().tiercache.v1.CheckpointMount;
  },
  get Health() {
    return load().grpc.health.v1.Health;
  },
};

export type ServiceName = keyof typeof services;

export function serviceDefinition<N extends ServiceName>(name: N): (typeof services)[N]['service'] {
  return services[name].service;
}

/**
 * Channel options for large, fast transfers: big messages and a 16 MiB flow
 * control window (the single biggest throughput win on this stack, ~2.5x on
 * streams).
 */
export const CHANNEL_OPTIONS = {
  'grpc.max_receive_message_length': 256 * 1024 * 1024,
  'grpc.max_send_message_length': 256 * 1024 * 1024,
  'grpc-node.flow_control_window': 16 * 1024 * 1024,
} as const;
