#!/usr/bin/env bash
# Raccoon's benchmark load from one machine (issue 12, target 2): runs
# scenarios/raccoon-benchmark.yaml (10,000 Android phones, each on its own WebSocket with a
# complete SDK, 15 events/s each: 150,000 events/s, for 2 minutes after a 20 s ramp) against
# `clickswarm collector --threads 1` run as a second process, the generator pinned to core 0 and
# the collector to core 1. Prints, from the report and /proc: events/s offered and acked over the
# full-load seconds, the generator's and the collector's CPU (cores and per acked event) and peak
# memory, the intended-time latency, the connections and the reconciliation. Keeps the report in
# results/.
#
#   scripts/bench-raccoon.sh [--no-build] [--devices N] [--duration D]
#
#   --devices N   10,000; each device sends 15 events/s
#   --duration D  the scenario's 140s (a 20 s ramp, then full load); at least 30s
#   --no-build    NO_BUILD=1  use the clickswarm already built
#                 CLICKSWARM_BIN  the binary (default .build-release/release/clickswarm)
# Needs python3, taskset and /usr/bin/time (installed with apt-get when missing); each device
# takes a descriptor in both processes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-raccoon: error: $*" >&2; exit 1; }
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

devices=10000
duration=140
no_build=${NO_BUILD:-0}
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) devices=${2:-}; shift 2 ;;
    --duration) duration=${2%s}; shift 2 ;;
    --no-build) no_build=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
[[ "$devices" =~ ^[0-9]+$ && "$devices" -gt 0 ]] || die "--devices must be a whole number above 0 (got '$devices')"
[[ "$duration" =~ ^[0-9]+$ && "$duration" -ge 30 ]] ||
  die "--duration must be whole seconds, at least 30 (got '$duration'): the ramp alone takes 20 s"
bench_require_tools python3 taskset
[ -x /usr/bin/time ] || bench_require_tools time
[ -x /usr/bin/time ] || die "/usr/bin/time is needed (Debian package: time)"

bench_build_clickswarm
ulimit -Hn 40000 2>/dev/null || true  # refused without CAP_SYS_RESOURCE; the soft limit then goes to the hard one
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
[ "$(ulimit -n)" -gt $((devices + 200)) ] ||
  die "$devices devices need more than $((devices + 200)) open files; the limit is $(ulimit -n) (try --devices $(($(ulimit -n) - 300)))"

work=$(mktemp -d)
collector_pid=""
trap bench_cleanup EXIT

taskset -c 1 "$clickswarm" collector --threads 1 --port 0 --port-file "$work/port" \
  --max-connections $((devices + 100)) >"$work/collector.log" 2>&1 &
collector_pid=$!
bench_wait_for_collector
target="ws://127.0.0.1:$(cat "$work/port")/api/v1/events"

# The collector's CPU ticks (user + system) and peak RSS (KiB), from /proc.
collector_ticks() { awk '{print $14 + $15}' "/proc/$collector_pid/stat"; }
collector_peak_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$collector_pid/status"; }
ticks_before=$(collector_ticks)

echo "running: clickswarm run raccoon-benchmark --devices $devices --duration ${duration}s --target $target" >&2
echo "  (generator on core 0, collector on core 1; about $((duration + 20)) s)" >&2
set +e
/usr/bin/time -f "%M %U %S %e" -o "$work/time" taskset -c 0 "$clickswarm" run \
  "$root/scenarios/raccoon-benchmark.yaml" --devices "$devices" --duration "${duration}s" --target "$target" \
  --quiet --output "$work" >"$work/run.log" 2>&1
status=$?
set -e
ticks_after=$(collector_ticks)
collector_kib=$(collector_peak_kib)
report=$(ls "$work"/raccoon-benchmark-*.json 2>/dev/null | head -1)
[ -n "$report" ] || die "the run wrote no report (exit $status): $(tail -5 "$work/run.log")"
mkdir -p "$root/results" && cp "$report" "$root/results/"
# time(1) writes "Command exited with non-zero status N" first when the run failed an SLO, say.
read -r peak_kib user sys wall < <(tail -1 "$work/time")

python3 - "$report" "$devices" "$peak_kib" "$user" "$sys" "$wall" "$((ticks_after - ticks_before))" \
  "$(getconf CLK_TCK)" "$collector_kib" <<'PY'
import datetime, json, os, sys
path, devices, peak_kib, user, sys_s, wall, ticks, hz, collector_kib = sys.argv[1:]
report = json.load(open(path))
devices, peak_kib, collector_kib = int(devices), int(peak_kib), int(collector_kib)
cpu = float(user) + float(sys_s)
wall = float(wall)
collector_cpu = int(ticks) / int(hz)
totals, series = report["totals"], report["series"]
duration = report["run"]["duration_s"]
# Full load: every second from the end of the 20 s ramp (plus a second to settle) to the end.
full = [s for s in series if 21 <= s["t"] < duration]
acked_rate = sum(s["acked"] for s in full) / len(full) if full else 0
offered_rate = sum(s["generated"] for s in full) / len(full) if full else 0
latency = report["latency"]["event"]
acked = totals["acked"]
online = max((s["devices_online"] for s in series), default=0)
worst_p99 = max((s.get("latency_p99_ms") or 0 for s in full), default=0)
per_event = lambda seconds: f"{seconds / acked * 1e6:.2f} us" if acked else "-"
print()
print(f"raccoon-benchmark  {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%dT%H:%MZ}  {os.cpu_count()} cores")
print(f"devices online (peak)        {online:,} of {devices:,}, each on its own WebSocket")
print(f"events/s offered, full load  {offered_rate:,.0f} (target {devices * 15:,}; {len(full)} s from t=21 s)")
print(f"events/s acked, full load    {acked_rate:,.0f}")
print(f"events generated / acked     {totals['generated']:,} / {acked:,} (pending at end {totals.get('pending_at_end', 0):,}, dropped {totals['dropped']:,})")
print(f"generator CPU                {cpu:.1f} s over {wall:.1f} s wall = {cpu / wall:.2f} cores; {per_event(cpu)} per acked event")
print(f"generator peak RSS           {peak_kib / 1024:,.1f} MiB ({peak_kib / devices:.1f} KiB per device)")
print(f"collector CPU                {collector_cpu:.1f} s = {collector_cpu / wall:.2f} cores; {per_event(collector_cpu)} per acked event")
print(f"collector peak RSS           {collector_kib / 1024:,.1f} MiB")
print(f"latency (intended time)      p50 {latency.get('p50_ms', '-')} ms, p99 {latency.get('p99_ms', '-')} ms, max {latency.get('max_ms', '-')} ms; worst second's p99 at full load {worst_p99} ms")
connections = report["connections"]
print(f"connections                  {connections.get('attempts', 0):,} attempts, {connections.get('connected', 0):,} connected")
print(f"reconciliation               {'balanced' if report['reconciliation']['balanced'] else 'UNBALANCED'}; verdict {report['verdict']}")
PY
echo "exit code                    $status"
echo "report kept at: $root/results/$(basename "$report")"
exit "$status"
