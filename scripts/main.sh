#!/usr/bin/env bash
# The main job: set up, build in release, and run a scenario against the embedded collector.
# By default the smoke scenario (300 devices, about 35 s). Arguments go to `clickswarm run`
# (try --help); `--scenario FILE` picks another scenario file.
set -euo pipefail
cd "$(dirname "$0")/.."

scenario=scenarios/smoke.yaml
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --scenario)
      [ $# -ge 2 ] || { echo "main.sh: error: --scenario needs a file" >&2; exit 64; }
      scenario=$2
      shift 2
      ;;
    *)
      args+=("$1")
      shift
      ;;
  esac
done

scripts/setup.sh
swift build -c release --product clickswarm
exec .build/release/clickswarm run "$scenario" "${args[@]}"
