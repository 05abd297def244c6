#!/usr/bin/env bash
# The capacity-ramp figures: runs scenarios/capacity-ramp.yaml (up to 10,000 devices) and prints
# peak memory, memory per device, CPU and event rates.
#
#   scripts/bench-ramp.sh [--devices N] [--duration D] [--split] [--no-build] [-- extra run flags]
#
# By default the collector is embedded (the tool's own process holds both sides). --split runs
# the collector as a separate process, so the generator's own memory per device shows alone.
# CLICKSWARM_BIN runs another build side by side. Needs jq (installed with apt-get when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-ramp: error: $*" >&2; exit 1; }
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

devices=10000
duration=""
split=0
no_build=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) devices=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --split) split=1; shift ;;
    --no-build) no_build=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done

command -v jq >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq >/dev/null; } ||
  die "jq is needed and apt-get could not install it"
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; } ||
  die "/usr/bin/time is needed (Debian package: time)"
bench_build_clickswarm .build
ulimit -Hn 40000 2>/dev/null || true  # refused without CAP_SYS_RESOURCE; then the soft limit goes to the hard one
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

work=$(mktemp -d)
collector_pid=""
trap bench_cleanup EXIT

args=(run "$root/scenarios/capacity-ramp.yaml" --devices "$devices" --output "$work" --quiet)
[ -n "$duration" ] && args+=(--duration "$duration")
if [ "$split" = 1 ]; then
  "$clickswarm" collector --port 0 --port-file "$work/port" --max-connections $((devices + 100)) >"$work/collector.log" 2>&1 &
  collector_pid=$!
  bench_wait_for_collector
  args+=(--target "ws://127.0.0.1:$(cat "$work/port")/api/v1/events")
fi
[ ${#extra[@]} -gt 0 ] && args+=("${extra[@]}")

echo "running: clickswarm ${args[*]}"
set +e
/usr/bin/time -f "%M %U %S %e" -o "$work/time" "$clickswarm" "${args[@]}"
status=$?
set -e
report=$(ls "$work"/capacity-ramp-*.json 2>/dev/null | head -1)
[ -n "$report" ] || die "no report (exit $status)"
mkdir -p "$root/results" && cp "$report" "$root/results/"
# time(1) writes "Command exited with non-zero status N" first when the run failed an SLO, say.
read -r peak_kb user sys wall < <(tail -1 "$work/time")
jq -r --argjson peak "$peak_kb" --argjson user "$user" --argjson sys "$sys" --argjson wall "$wall" \
  --argjson devices "$devices" --argjson split "$split" '
  def r(x): (x * 100 | round) / 100;
  (.series | map(select(.devices_online > 0)) ) as $s |
  "devices (peak online)     \([.series[].devices_online] | max) of \($devices)",
  "collector                 \(if $split == 1 then "separate process" else "embedded (same process)" end)",
  "peak RSS                  \(r($peak / 1024)) MiB",
  "RSS per device            \(r($peak * 1024 / $devices / 1024)) KiB",
  "CPU (user + sys)          \(r($user + $sys)) s over \(r($wall)) s wall = \(r(($user + $sys) / $wall)) cores",
  "events generated / acked  \(.totals.generated) / \(.totals.acked) (pending \(.totals.pending_at_end // 0))",
  "peak events/s generated   \([.series[].generated] | max)",
  "peak events/s acked       \([.series[].acked] | max)",
  "CPU per acked event       \(if .totals.acked > 0 then r(($user + $sys) / .totals.acked * 1e6) else 0 end) us",
  "latency p50 / p99 / max   \(.latency.event.p50_ms // "-") / \(.latency.event.p99_ms // "-") / \(.latency.event.max_ms // "-") ms",
  "connect p99               \(.latency.connect.p99_ms // "-") ms; attempts \(.connections.attempts) connected \(.connections.connected)",
  "reconciliation            \(if .reconciliation.balanced then "balanced" else "UNBALANCED" end); verdict \(.verdict)",
  "worst second p99 (>= 1 s after ramp) \([.series[] | .latency_p99_ms // 0] | max) ms"
' "$report"
echo "exit code                 $status"
echo "report kept at: $root/results/$(basename "$report")"
exit $status
