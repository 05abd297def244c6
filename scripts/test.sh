#!/usr/bin/env bash
# The test command: set-up, a build with warnings as errors, the formatter check, every test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --tests

echo "== build (a warning in the project's own code fails the run)"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift build --build-tests 2>&1 | tee "$log"
if grep -E "^$PWD/(Sources|Tests|Package.swift).*: warning:" "$log"; then
  echo "test.sh: error: the build has warnings in the project's code (above)" >&2
  exit 1
fi

echo "== swift format lint"
# Every Swift file of ours; the generated protobuf code stays as protoc-gen-swift wrote it.
find Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Sources -name '*.swift' -not -path '*/Generated/*' -print0 |
  xargs -0 swift format lint --strict --configuration .swift-format

echo "== tests"
swift test --skip-build
