#!/usr/bin/env bash
# The memory of a connected idle device (issue 12, target 3: at most 20 KiB). Runs a live run of
# SMALL and then LARGE devices (each with its own WebSocket through its conditioned link, a full
# SDK instance, one screen and then nothing for two hours) against `clickswarm collector` run as a
# separate process, each pinned to its own core, and prints the generator's peak RSS for both,
# the memory per device (the growth from SMALL to LARGE devices over the extra devices: what one
# more idle device costs) and the whole process over its devices at LARGE (fixed costs included).
# A run counts only if every device was online at its end; otherwise the script fails.
#
#   scripts/bench-idle.sh [--no-build] [--small N] [--large N]
#
#   --small N     SMALL       devices in the first run              (2000)
#   --large N     LARGE       devices in the second run             (10000)
#   --no-build    NO_BUILD=1  use the clickswarm already built
#                 CLICKSWARM_BIN  the binary (default .build-release/release/clickswarm)
# Needs python3, taskset and /usr/bin/time; each device takes a descriptor in both processes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-idle: error: $*" >&2; exit 1; }
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

small=${SMALL:-2000}
large=${LARGE:-10000}
no_build=${NO_BUILD:-0}
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=$2; shift 2 ;;
    --large) large=$2; shift 2 ;;
    --no-build) no_build=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
[[ "$small" =~ ^[0-9]+$ && "$large" =~ ^[0-9]+$ && "$small" -gt 0 && "$large" -gt "$small" ]] ||
  die "--small and --large must be whole numbers with 0 < small < large (got $small and $large)"
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (Debian package: time)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"
command -v taskset >/dev/null 2>&1 || die "taskset is needed (Debian package: util-linux)"

bench_build_clickswarm
[ "$(ulimit -n)" -gt $((large + 200)) ] ||
  die "$large devices need more than $((large + 200)) open files; the limit is $(ulimit -n) (try --large $(($(ulimit -n) - 300)))"

work=$(mktemp -d)
collector_pid=""
trap bench_cleanup EXIT

cat >"$work/idle.yaml" <<'EOF'
name: idle
description: Devices that connect, send one screen and then stay connected and idle.
seed: 3
duration: 60s
drain: 5s
population:
  devices: 2000
  flavors: {android: 50%, ios: 50%}
  arrival:
    stages:
      - {to: all, over: 20s}
networks:
  mix: {wifi: 100%}
journeys:
  - name: once
    start: home
    screens:
      home:
        think: 2h
        events:
          - contract: ScreenView
            attributes: {screen_name: home}
        next: {exit: 100%}
EOF

taskset -c 1 "$clickswarm" collector --port 0 --port-file "$work/port" --max-connections $((large + 100)) \
  >"$work/collector.log" 2>&1 &
collector_pid=$!
bench_wait_for_collector
target="ws://127.0.0.1:$(cat "$work/port")/api/v1/events"

# measure N: one live run of N idle devices; prints its peak RSS in KiB.
measure() {
  local devices=$1 out="$work/run-$1"
  mkdir -p "$out"
  echo "  clickswarm run (idle) --devices $devices --target $target" >&2
  /usr/bin/time -f "%M" -o "$work/time-$devices" taskset -c 0 "$clickswarm" run "$work/idle.yaml" \
    --devices "$devices" --target "$target" --quiet --output "$out" >"$work/log-$devices" 2>&1 ||
    die "the run of $devices devices failed: $(tail -5 "$work/log-$devices")"
  python3 - "$out" "$devices" <<'PY' || exit 1
import glob, json, sys
out, devices = sys.argv[1], int(sys.argv[2])
report = json.load(open(glob.glob(out + "/*.json")[0]))
online = report["series"][-1]["devices_online"]
if online != devices:
    sys.exit(f"bench-idle: error: {online} of {devices} devices were online at the end; the figure would not be an idle connected device's")
PY
  tail -1 "$work/time-$devices"
}

echo "measuring (generator on core 0, collector on core 1):" >&2
small_kib=$(measure "$small")
large_kib=$(measure "$large")
python3 - "$small" "$small_kib" "$large" "$large_kib" <<'PY'
import sys, datetime, os
small, small_kib, large, large_kib = (int(v) for v in sys.argv[1:])
per_device = (large_kib - small_kib) / (large - small)
print()
print(f"idle connected devices  {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}  {os.cpu_count()} cores")
print(f"{'devices':>8}  {'peak RSS MiB':>12}")
print(f"{small:>8,}  {small_kib / 1024:>12.1f}")
print(f"{large:>8,}  {large_kib / 1024:>12.1f}")
print(f"memory per idle connected device: {per_device:.1f} KiB (({large_kib:,} - {small_kib:,}) KiB / {large - small:,} devices; target 20)")
print(f"whole process over its devices at {large:,}: {large_kib / large:.1f} KiB (fixed costs included)")
PY
