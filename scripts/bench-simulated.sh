#!/usr/bin/env bash
# The simulated-run figures of issue 12: runs scenarios/battery-cliff.yaml (1,000 devices, 24 h)
# and scenarios/day-in-the-life.yaml (DAY_DEVICES devices, 24 h) with --simulated under
# /usr/bin/time and prints, for each: wall and CPU seconds, simulated seconds per wall second,
# events generated per wall second, events stored at the end, peak RSS and peak RSS per event
# stored at the end (an upper bound on a stored event's cost: the whole process over the
# events still stored).
#
#   scripts/bench-simulated.sh [--no-build] [--only battery-cliff,day-in-the-life]
#                              [--cliff-devices N] [--day-devices N]
#
#   --cliff-devices N   CLIFF_DEVICES   battery-cliff devices         (1000)
#   --day-devices N     DAY_DEVICES     day-in-the-life devices       (100000)
#   --only LIST         ONLY            runs to make                  (both)
#   --no-build          NO_BUILD=1      use the clickswarm already built
#                       CLICKSWARM_BIN  the binary (default .build-release/release/clickswarm)
# Targets (issue 12): battery-cliff under 60 s and 2 GB; day-in-the-life at 100,000 devices
# under 5 minutes and 8 GB on 2 cores. Needs python3 and /usr/bin/time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-simulated: error: $*" >&2; exit 1; }
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

cliff_devices=${CLIFF_DEVICES:-1000}
day_devices=${DAY_DEVICES:-100000}
only=${ONLY:-battery-cliff,day-in-the-life}
no_build=${NO_BUILD:-0}
while [ $# -gt 0 ]; do
  case "$1" in
    --cliff-devices) cliff_devices=$2; shift 2 ;;
    --day-devices) day_devices=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --no-build) no_build=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (Debian package: time)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed"

bench_build_clickswarm

work=$(mktemp -d)
trap bench_cleanup EXIT
: >"$work/rows"

# measure NAME DEVICES: one simulated 24 h run, one row in $work/rows.
measure() {
  local name=$1 devices=$2
  mkdir -p "$work/$name"
  echo "  $name: clickswarm run scenarios/$name.yaml --simulated --devices $devices --duration 24h" >&2
  set +e
  /usr/bin/time -f "%M %U %S %e" -o "$work/$name.time" "$clickswarm" run "$root/scenarios/$name.yaml" \
    --simulated --devices "$devices" --duration 24h --quiet --partial-interval 0 --output "$work/$name" \
    >"$work/$name.log" 2>&1
  local status=$?
  set -e
  local report
  report=$(ls "$work/$name"/*.json 2>/dev/null | head -1)
  [ -n "$report" ] || die "$name wrote no report (exit $status): $(tail -3 "$work/$name.log")"
  python3 - "$name" "$devices" "$report" "$(tail -1 "$work/$name.time")" "$status" >>"$work/rows" <<'EOF'
import json, sys
name, devices, path, times, status = sys.argv[1:6]
peak_kb, user, system, wall = times.split()
report = json.load(open(path))
run, totals = report["run"], report["totals"]
simulated = run["duration_s"] + run["drain_s"]
print("\t".join(map(str, [name, devices, float(wall), float(user) + float(system), simulated / float(wall),
                          totals["generated"] / float(wall), totals["pending_at_end"], int(peak_kb) / 1024,
                          int(peak_kb) * 1024 / max(totals["pending_at_end"], 1), status])))
EOF
}

echo "measuring:" >&2
if wants battery-cliff; then measure battery-cliff "$cliff_devices"; fi
if wants day-in-the-life; then measure day-in-the-life "$day_devices"; fi

cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
python3 - "$work/rows" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$cpu_model" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
when, cores, model = sys.argv[2:5]
print()
print(f"simulated benchmark  {when}  {cores} cores ({model}); 24 h of device time per run")
print()
head = ["scenario", "devices", "wall s", "CPU s", "sim s/wall s", "events/wall s", "stored at end", "peak RSS MiB",
        "RSS B/stored", "exit"]
table = [[r[0], f"{int(r[1]):,}", f"{float(r[2]):.1f}", f"{float(r[3]):.1f}", f"{float(r[4]):,.0f}",
          f"{float(r[5]):,.0f}", f"{int(r[6]):,}", f"{float(r[7]):,.0f}", f"{float(r[8]):.0f}", r[9]] for r in rows]
widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
for line in [head] + table:
    print("  ".join(str(x).rjust(w) if 1 <= i < 9 else str(x).ljust(w) for i, (x, w) in enumerate(zip(line, widths))))
EOF
