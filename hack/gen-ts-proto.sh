#!/usr/bin/env bash
# Generates the TypeScript types of every message and service in proto/ (the
# source of truth) into src/generated/proto/, with proto-loader-gen-types
# (it ships with @grpc/proto-loader). The options are the ones
# src/server/proto.ts loads the definitions with, so the __Output types are
# what a handler or a client really receives. Never edit the output by hand.
#
#   hack/gen-ts-proto.sh          regenerate in place
#   hack/gen-ts-proto.sh --check  exit 1 if the committed files are stale
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/src/generated/proto"
GEN="$ROOT/node_modules/.bin/proto-loader-gen-types"
PROTOS=(tiercache/v1/cache.proto tiercache/v1/admin.proto tiercache/v1/checkpoint.proto tiercache/v1/checkpoint_mount.proto tiercache/v1/peer.proto grpc/health/v1/health.proto)

if [[ ! -x "$GEN" ]]; then
  echo "gen-ts-proto: $GEN not found (run npm ci)" >&2
  exit 2
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
# Run from the root so the "Original file:" headers name repository paths.
(cd "$ROOT" && "$GEN" --keepCase --longs=Number --enums=String --defaults --oneofs \
  --grpcLib=@grpc/grpc-js -I proto -O "$TMP/out" "${PROTOS[@]}" >/dev/null)

if [[ "${1:-}" == "--check" ]]; then
  if ! diff -r -q "$TMP/out" "$OUT" >/dev/null 2>&1; then
    diff -r "$TMP/out" "$OUT" | head -20 >&2 || true
    echo "gen-ts-proto: $OUT is stale; run hack/gen-ts-proto.sh" >&2
    exit 1
  fi
  echo "gen-ts-proto: up to date"
  exit 0
fi

rm -rf "$OUT"
mkdir -p "$(dirname "$OUT")"
cp -r "$TMP/out" "$OUT"
echo "gen-ts-proto: wrote $(find "$OUT" -name '*.ts' | wc -l) files to ${OUT#$ROOT/}"
