#!/usr/bin/env bash
# Regenerates Sources/RaccoonWire/Generated/*.pb.swift (the messages) and
# Sources/RaccoonGRPC/Generated/*.grpc.swift (the gRPC EventService) from Protos/.
#
# Needs protoc (Debian: protobuf-compiler), protoc-gen-swift from swift-protobuf 1.39.0 and
# protoc-gen-grpc-swift-2 from grpc-swift-protobuf 2.4.1, the versions Package.swift uses. The
# plugins are built once into .build-protoc-gen-swift/ (about ten minutes) and
# .build-protoc-gen-grpc/ (about a minute and a half); the generated files are committed so that
# no build or CI run needs them. PROTOC_GEN_SWIFT=/path and PROTOC_GEN_GRPC_SWIFT=/path skip
# those builds.
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

grpc_plugin="${PROTOC_GEN_GRPC_SWIFT:-}"
if [ -z "$grpc_plugin" ]; then
  src=.build-protoc-gen-grpc/grpc-swift-protobuf
  if [ ! -d "$src" ]; then
    mkdir -p .build-protoc-gen-grpc
    git clone -q https://github.com/grpc/grpc-swift-protobuf.git "$src"
    git -C "$src" checkout -q 2.4.1
  fi
  (cd "$src" && swift build -c release --product protoc-gen-grpc-swift-2)
  grpc_plugin="$src/.build/release/protoc-gen-grpc-swift-2"
fi

grpc_out=Sources/RaccoonGRPC/Generated
rm -f "$grpc_out"/*.grpc.swift
# The messages live in RaccoonWire: the service imports it.
protoc --plugin=protoc-gen-grpc-swift-2="$grpc_plugin" \
  --grpc-swift-2_out="$grpc_out" \
  --grpc-swift-2_opt=Visibility=Public,FileNaming=PathToUnderscores,ExtraModuleImports=RaccoonWire \
  -I Protos -I "$include" \
  Protos/raystack/raccoon/v1beta1/raccoon.proto
echo "generated: $(ls "$out") $(ls "$grpc_out")"
