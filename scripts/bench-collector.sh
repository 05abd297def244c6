#!/usr/bin/env bash
# Benchmarks the embedded collector over loopback: builds clickswarm and Benchmarks/collector-load
# in release, starts `clickswarm collector` on 127.0.0.1 (port 0), drives it with collector-load,
# samples the collector's CPU time (/proc/PID/stat) at the start and end of the measured window
# and its peak RSS (VmHWM), reads /stats, stops it with SIGTERM and prints the figures.
#
# Settings come from flags or the environment (flags win):
#   --connections N        CONNECTIONS        WebSocket connections            (100)
#   --events-per-batch N   EVENTS_PER_BATCH   events per SendEventRequest      (20)
#   --event-size N         EVENT_SIZE         bytes of event_bytes per event   (200)
#   --duration S           DURATION           measured seconds                 (10)
#   --warmup S             WARMUP             seconds of load before that      (2)
#   --window N             WINDOW             batches in flight per connection (4)
#   --collector-threads N  COLLECTOR_THREADS  collector event loops            (2)
#   --load-threads N       LOAD_THREADS       collector-load event loops       (1)
#   --no-build             NO_BUILD=1         use the binaries already built
#   --json FILE            JSON_OUT           also write the figures as JSON
#                          CLICKSWARM_BIN     the collector binary to run (default: this build)
# The target is 150,000 events/s per core of collector CPU (TARGET_EVENTS_PER_CORE).
#
# Exit status: 0 when the run completed, the counts reconcile and nothing failed; 1 when a build
# failed, the collector did not start or crashed, or the load tool could not run; 2 for bad
# arguments; 3 when the run completed but counts disagree or errors were seen.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

connections=${CONNECTIONS:-100}
events_per_batch=${EVENTS_PER_BATCH:-20}
event_size=${EVENT_SIZE:-200}
duration=${DURATION:-10}
warmup=${WARMUP:-2}
window=${WINDOW:-4}
collector_threads=${COLLECTOR_THREADS:-2}
load_threads=${LOAD_THREADS:-1}
no_build=${NO_BUILD:-0}
json_out=${JSON_OUT:-}
target=${TARGET_EVENTS_PER_CORE:-150000}

die() {
  echo "bench-collector: error: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --events-per-batch) events_per_batch=$2; shift 2 ;;
    --event-size) event_size=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    --collector-threads) collector_threads=$2; shift 2 ;;
    --load-threads) load_threads=$2; shift 2 ;;
    --no-build) no_build=1; shift ;;
    --json) json_out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-collector: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

. "$root/scripts/bench-lib.sh"
bench_require_tools jq curl awk
[ -r /proc/self/stat ] || die "/proc is needed to sample the collector's CPU time"
clk_tck=$(getconf CLK_TCK) || die "getconf CLK_TCK failed"

# --- build ---------------------------------------------------------------------------------------
bench_build collector-load
load=$bench_tool

# --- start the collector -------------------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/bench-collector.XXXXXX")
collector_pid=""
trap bench_cleanup EXIT

"$clickswarm" collector --host 127.0.0.1 --port 0 --port-file "$work/port" --threads "$collector_threads" \
  --log-level warning >"$work/collector.log" 2>&1 &
collector_pid=$!

for _ in $(seq 1 100); do
  [ -s "$work/port" ] && break
  kill -0 "$collector_pid" 2>/dev/null || {
    cat "$work/collector.log" >&2
    die "the collector exited before listening (log above)"
  }
  sleep 0.1
done
[ -s "$work/port" ] || { cat "$work/collector.log" >&2; die "the collector wrote no port file within 10 s"; }
port=$(cat "$work/port")
curl -sf --max-time 5 "http://127.0.0.1:$port/ping" >/dev/null || die "the collector does not answer /ping on $port"
echo "collector: pid $collector_pid, 127.0.0.1:$port, $collector_threads thread(s)"

# utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command
# name in field 2 may hold spaces, so count from the last ')').
cpu_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat") || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $((${12} + ${13}))
}

# --- run the load --------------------------------------------------------------------------------
ticks_start=""
ticks_end=""
load_status=""
while IFS= read -r line; do
  case "$line" in
    "phase: measure-start") ticks_start=$(cpu_ticks "$collector_pid") || die "the collector is gone" ;;
    "phase: measure-end") ticks_end=$(cpu_ticks "$collector_pid") || die "the collector is gone" ;;
    "load-exit: "*) load_status=${line#load-exit: }; continue ;;
  esac
  echo "  | $line"
done < <(
  set +e
  "$load" --port "$port" --connections "$connections" --events-per-batch "$events_per_batch" \
    --event-size "$event_size" --duration "$duration" --warmup "$warmup" --window "$window" \
    --threads "$load_threads" --json "$work/load.json" 2>&1
  echo "load-exit: $?"
)

kill -0 "$collector_pid" 2>/dev/null || { cat "$work/collector.log" >&2; die "the collector died during the run"; }
[ "$load_status" = 0 ] || die "collector-load failed (exit status ${load_status:-unknown})"
if [ -z "$ticks_start" ] || [ -z "$ticks_end" ]; then die "collector-load printed no measured window"; fi

peak_kib=$(awk '/^VmHWM:/ {print $2}' "/proc/$collector_pid/status")
curl -sf --max-time 10 "http://127.0.0.1:$port/stats" >"$work/stats.json" || die "GET /stats failed"

# --- stop the collector --------------------------------------------------------------------------
kill -TERM "$collector_pid"
stopped=0
for _ in $(seq 1 100); do
  if ! kill -0 "$collector_pid" 2>/dev/null; then stopped=1; break; fi
  sleep 0.1
done
collector_status=0
if [ "$stopped" = 1 ]; then
  wait "$collector_pid" || collector_status=$?
  collector_pid=""
else
  echo "bench-collector: the collector did not stop within 10 s of SIGTERM" >&2
  collector_status=timeout
fi

# --- figures -------------------------------------------------------------------------------------
jq -n --slurpfile load "$work/load.json" --slurpfile stats "$work/stats.json" \
  --argjson ticks "$((ticks_end - ticks_start))" --argjson tck "$clk_tck" --argjson peak_kib "$peak_kib" \
  --argjson target "$target" --argjson threads "$collector_threads" '
  $load[0] as $l | $stats[0] as $s |
  ($ticks / $tck) as $cpu |
  {
    connections: $l.connections_opened,
    events_per_batch: $l.events_per_batch,
    event_bytes: $l.event_bytes_size,
    batch_bytes: $l.batch_bytes,
    window: $l.window,
    collector_threads: $threads,
    load_threads: $l.threads,
    window_seconds: $l.window_seconds,
    events_per_second: ($l.window_events_acked / $l.window_seconds),
    batches_per_second: ($l.window_batches_acked / $l.window_seconds),
    collector_cpu_seconds: $cpu,
    collector_cores_busy: ($cpu / $l.window_seconds),
    collector_cpu_seconds_per_million_events:
      (if $l.window_events_acked > 0 then $cpu / $l.window_events_acked * 1e6 else null end),
    events_per_second_per_collector_core: (if $cpu > 0 then $l.window_events_acked / $cpu else null end),
    load_cpu_seconds: $l.window_load_cpu_seconds,
    load_cpu_seconds_per_million_events:
      (if $l.window_events_acked > 0 then $l.window_load_cpu_seconds / $l.window_events_acked * 1e6 else null end),
    collector_peak_rss_mib: ($peak_kib / 1024),
    events_acked_total: $l.total.events_acked,
    collector_events_received: $s.events.received,
    collector_events_delivered: $s.events.delivered,
    collector_unique_deliveries: $s.events.unique_deliveries,
    collector_duplicate_deliveries: $s.events.duplicate_deliveries,
    collector_batches_received: $s.batches.received,
    collector_batches_ok: $s.batches.ok,
    collector_connections_open_at_end: $s.connections.current,
    load_errors: $l.errors,
    reconciled: ($s.events.unique_deliveries == $l.total.events_acked
      and $s.events.duplicate_deliveries == 0 and $s.events.delivered == $l.total.events_acked),
    target_events_per_core: $target
  }' >"$work/figures.json" || die "could not compute the figures (load.json or stats.json malformed?)"
[ -n "$json_out" ] && cp "$work/figures.json" "$json_out"

jq -r '
  def n(d): if . == null then "n/a" else (. * pow(10; d) | round / pow(10; d) | tostring) end;
  def commas: if length > 3 then (.[:-3] | commas) + "," + .[-3:] else . end;
  def i: if . == null then "n/a" else (round | tostring | commas) end;
  "",
  "setting: \(.connections) connections x window \(.window), \(.events_per_batch) events/batch of \(.event_bytes) B (batch \(.batch_bytes) B), collector \(.collector_threads) thread(s), load \(.load_threads) thread(s), \(.window_seconds | n(2)) s measured",
  "events/s:                          \(.events_per_second | i)",
  "batches/s:                         \(.batches_per_second | i)",
  "collector CPU:                     \(.collector_cpu_seconds | n(2)) s (\(.collector_cores_busy | n(2)) cores busy)",
  "collector CPU s / million events:  \(.collector_cpu_seconds_per_million_events | n(3))",
  "events/s per collector core:       \(.events_per_second_per_collector_core | i) (target > \(.target_events_per_core | i): \(if .events_per_second_per_collector_core != null and .events_per_second_per_collector_core > .target_events_per_core then "met" else "NOT met" end))",
  "load tool CPU s / million events:  \(.load_cpu_seconds_per_million_events | n(3))",
  "collector peak RSS (VmHWM):        \(.collector_peak_rss_mib | n(1)) MiB",
  "events acked (whole run):          \(.events_acked_total | i)",
  "collector unique deliveries:       \(.collector_unique_deliveries | i) (delivered \(.collector_events_delivered | i), duplicates \(.collector_duplicate_deliveries | i))",
  "unique deliveries == events acked: \(if .reconciled then "yes" else "NO" end)",
  "load tool errors:                  \(.load_errors) (collector connections still open: \(.collector_connections_open_at_end))"
' "$work/figures.json"

status=0
if [ "$collector_status" != 0 ]; then
  echo "bench-collector: the collector exited with status $collector_status after SIGTERM" >&2
  status=3
fi
if [ "$(jq -r .reconciled "$work/figures.json")" != true ]; then
  echo "bench-collector: the collector's unique deliveries do not match the events acked" >&2
  status=3
fi
if [ "$(jq -r .load_errors "$work/figures.json")" != 0 ]; then
  echo "bench-collector: collector-load saw errors (see its output above)" >&2
  status=3
fi
exit "$status"
