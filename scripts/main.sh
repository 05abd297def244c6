#!/usr/bin/env bash
# The main job: set up, build in release, and run the embedded Raccoon-compatible collector.
# Extra arguments go to `clickswarm collector` (try --help). Ctrl-C stops it and prints the stats.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
swift build -c release --product clickswarm
exec .build/release/clickswarm collector "$@"
