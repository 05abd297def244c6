#!/usr/bin/env bash
# Regenerates Sources/RaccoonWire/Generated/*.pb.swift from Protos/.
#
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift from swift-protobuf 1.39.0,
# the version Package.swift uses. The plugin is built once into .build-protoc-gen-swift/
# (about ten minutes); the generated files are committed so that no build or CI run needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v protoc >/dev/null 2>&1; then
  echo "installing protobuf-compiler (protoc)..." >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq protobuf-compiler >/dev/null ||
    { echo "error: protoc is missing and apt-get could not install protobuf-compiler" >&2; exit 1; }
fi

plugin="${PROTOC_GEN_SWIFT:-}"
if [ -z "$plugin" ]; then
  src=.build-protoc-gen-swift/swift-protobuf
  if [ ! -d "$src" ]; then
    mkdir -p .build-protoc-gen-swift
    git clone -q https://github.com/apple/swift-protobuf.git "$src"
    git -C "$src" checkout -q 1.39.0
  fi
  (cd "$src" && swift build -c release --product protoc-gen-swift)
  plugin="$src/.build/release/protoc-gen-swift"
fi

out=Sources/RaccoonWire/Generated
rm -f "$out"/*.pb.swift
include=$(dirname "$(dirname "$(command -v protoc)")")/include
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_out="$out" --swift_opt=Visibility=Public --swift_opt=FileNaming=PathToUnderscores \
  -I Protos -I "$include" \
  Protos/raystack/raccoon/v1beta1/raccoon.proto \
  Protos/clickswarm/events/v1/context.proto \
  Protos/clickswarm/events/v1/events.proto
echo "generated: $(ls "$out")"
