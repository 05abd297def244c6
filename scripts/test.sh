#!/usr/bin/env bash
# The test command: set-up, a build with warnings as errors, the formatter check, every test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh --tests

echo "== build (a warning in the project's own code fails the run)"
log=$(mktemp)
smoke=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$smoke"' EXIT
swift build --build-tests 2>&1 | tee "$log"
if grep -E "^$PWD/(Sources|Tests|Package.swift).*: warning:" "$log"; then
  echo "test.sh: error: the build has warnings in the project's code (above)" >&2
  exit 1
fi

echo "== swift format lint"
# Every Swift file of ours; the generated protobuf code stays as protoc-gen-swift wrote it.
find Package.swift Sources Tests Benchmarks/Package.swift Benchmarks/Sources Fuzz/Package.swift Fuzz/Sources -name '*.swift' -not -path '*/Generated/*' -print0 |
  xargs -0 swift format lint --strict --configuration .swift-format

echo "== tests"
swift test --skip-build

echo "== smoke run, compared with the committed baseline"
# The debug build from above; the defaults of --max-regression are wide enough for it and for a
# busy machine (README, "Baselines and CI gates").
status=0
.build/debug/clickswarm run scenarios/smoke.yaml --output "$smoke" --baseline results/baselines/smoke.json || status=$?
if [ "$status" -ne 0 ]; then
  case $status in
    99) why="a figure regressed beyond its tolerance or an SLO failed (the table above says which)" ;;
    70) why="the reconciliation did not balance: events unaccounted for" ;;
    64) why="the baseline cannot be read or is not a smoke run with the same seed, devices and duration" ;;
    *) why="clickswarm exited $status (README, Exit codes)" ;;
  esac
  echo "test.sh: error: the smoke run against results/baselines/smoke.json failed: $why" >&2
  exit "$status"
fi
