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
swift format lint --strict --recursive --configuration .swift-format Package.swift Sources/clickswarm Sources/Collector \
  Sources/RaccoonWire/*.swift Tests

echo "== tests"
swift test --skip-build
