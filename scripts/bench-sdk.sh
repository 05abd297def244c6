#!/usr/bin/env bash
# Measures what Clickstream SDK instances cost: builds clickswarm and Benchmarks/sdk-footprint in
# release, then runs three measurements, each in its own sdk-footprint process:
#   1. memory per idle SDK instance connected over WebSocket to `clickswarm collector` on
#      127.0.0.1 (started here with --threads 1, stopped afterwards); the collector's own RSS per
#      connection is sampled at the same moments, and its /stats must show every connection open;
#   2. memory per event stored by instances that never connect;
#   3. SDK CPU time per event through the whole pipeline against an in-memory collector, per
#      flavor, and whether it clears TARGET_EVENTS_PER_CORE events/s per core.
# Then it prints one table.
#
# Settings come from flags or the environment (flags win):
#   --instances N            INSTANCES            instances in measurements 1 and 2   (10000)
#   --events-per-instance N  EVENTS_PER_INSTANCE  events stored per instance (2)      (100)
#   --threads N              THREADS              event loops in 1 and 2              (2)
#   --flavor F               FLAVOR               android, ios or mixed in 1 and 2    (mixed)
#   --pipeline-instances N   PIPELINE_INSTANCES   instances per flavor in 3           (1000)
#   --pipeline-events N      PIPELINE_EVENTS      events per instance per round in 3  (200)
#   --pipeline-loop L        PIPELINE_LOOP        posix or embedded                   (posix)
#   --rounds N               ROUNDS               measured rounds in 3 (median shown) (5)
#   --no-build               NO_BUILD=1           use the binaries already built
#   --json FILE              JSON_OUT             also write all figures as one JSON object
#                            CLICKSWARM_BIN       the collector binary to run (default: this build)
# The SDK pipeline target is TARGET_EVENTS_PER_CORE events/s per core (100000); the memory
# target is TARGET_BYTES_PER_DEVICE bytes per connected instance (102400).
#
# Exit status: 0 when every measurement ran and its counts checked out (the table says whether
# the targets are met); 1 when a build failed, the collector did not start or died, or a
# measurement failed; 2 for bad arguments.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)

instances=${INSTANCES:-10000}
events_per_instance=${EVENTS_PER_INSTANCE:-100}
threads=${THREADS:-2}
flavor=${FLAVOR:-mixed}
pipeline_instances=${PIPELINE_INSTANCES:-1000}
pipeline_events=${PIPELINE_EVENTS:-200}
pipeline_loop=${PIPELINE_LOOP:-posix}
rounds=${ROUNDS:-5}
no_build=${NO_BUILD:-0}
json_out=${JSON_OUT:-}
target_events=${TARGET_EVENTS_PER_CORE:-100000}
target_bytes=${TARGET_BYTES_PER_DEVICE:-102400}

die() {
  echo "bench-sdk: error: $*" >&2
  exit 1
}

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
  case "$1" in
    --instances) instances=$2; shift 2 ;;
    --events-per-instance) events_per_instance=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --flavor) flavor=$2; shift 2 ;;
    --pipeline-instances) pipeline_instances=$2; shift 2 ;;
    --pipeline-events) pipeline_events=$2; shift 2 ;;
    --pipeline-loop) pipeline_loop=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --no-build) no_build=1; shift ;;
    --json) json_out=$2; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench-sdk: unknown argument '$1' (try --help)" >&2; exit 2 ;;
  esac
done

. "$root/scripts/bench-lib.sh"
bench_require_tools jq curl awk
[ -r /proc/self/status ] || die "/proc is needed to read resident memory"

# --- build ---------------------------------------------------------------------------------------
bench_build sdk-footprint
footprint=$bench_tool

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-sdk.XXXXXX")
collector_pid=""
trap bench_cleanup EXIT

rss_kib() {
  awk '/^VmRSS:/ {print $2}' "/proc/$1/status"
}

# --- 1. connected instances against the collector -----------------------------------------------
"$clickswarm" collector --host 127.0.0.1 --port 0 --port-file "$work/port" --threads 1 \
  --max-connections 30000 --log-level warning >"$work/collector.log" 2>&1 &
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
echo "collector: pid $collector_pid, 127.0.0.1:$port, 1 thread"

echo "== 1. idle connected instances"
collector_before=""
collector_after=""
collector_open=""
connected_status=""
while IFS= read -r line; do
  case "$line" in
    "phase: baseline") collector_before=$(rss_kib "$collector_pid") || die "the collector is gone" ;;
    "phase: settled")
      collector_after=$(rss_kib "$collector_pid") || die "the collector is gone"
      collector_open=$(curl -sf --max-time 10 "http://127.0.0.1:$port/stats" | jq '.connections.current') ||
        die "GET /stats failed"
      ;;
    "footprint-exit: "*) connected_status=${line#footprint-exit: }; continue ;;
  esac
  echo "  | $line"
done < <(
  set +e
  "$footprint" connected --port "$port" --instances "$instances" --threads "$threads" --flavor "$flavor" \
    --hold 1 --json "$work/connected.json" 2>&1
  echo "footprint-exit: $?"
)
kill -0 "$collector_pid" 2>/dev/null || { cat "$work/collector.log" >&2; die "the collector died during the run"; }
[ "$connected_status" = 0 ] ||
  die "sdk-footprint connected failed (exit status ${connected_status:-unknown}, output above)"
if [ -z "$collector_before" ] || [ -z "$collector_after" ]; then die "sdk-footprint printed no phases"; fi
[ "$collector_open" = "$instances" ] ||
  die "the collector counted ${collector_open:-no} open connections, not $instances, once all had connected"

kill -TERM "$collector_pid"
for _ in $(seq 1 100); do
  kill -0 "$collector_pid" 2>/dev/null || break
  sleep 0.1
done
if kill -0 "$collector_pid" 2>/dev/null; then
  die "the collector did not stop within 10 s of SIGTERM"
fi
collector_status=0
wait "$collector_pid" || collector_status=$?
collector_pid=""
[ "$collector_status" = 0 ] || die "the collector exited with status $collector_status after SIGTERM"

# --- 2. stored events -----------------------------------------------------------------------------
echo "== 2. stored events"
if ! "$footprint" stored --instances "$instances" --events-per-instance "$events_per_instance" \
  --threads "$threads" --flavor "$flavor" --json "$work/stored.json" 2>&1 | sed 's/^/  | /'; then
  die "sdk-footprint stored failed (output above)"
fi

# --- 3. pipeline CPU ------------------------------------------------------------------------------
echo "== 3. pipeline CPU per event"
if ! "$footprint" pipeline --instances "$pipeline_instances" --events-per-instance "$pipeline_events" \
  --loop "$pipeline_loop" --rounds "$rounds" --target "$target_events" --json "$work/pipeline.json" 2>&1 |
  sed 's/^/  | /'; then
  die "sdk-footprint pipeline failed (output above)"
fi

# --- figures --------------------------------------------------------------------------------------
jq -n --slurpfile connected "$work/connected.json" --slurpfile stored "$work/stored.json" \
  --slurpfile pipeline "$work/pipeline.json" --argjson collector_before "$collector_before" \
  --argjson collector_after "$collector_after" --argjson target_bytes "$target_bytes" '
  {
    connected: ($connected[0] + {
      collector_rss_bytes_per_connection:
        (($collector_after - $collector_before) * 1024 / $connected[0].instances),
      target_bytes_per_instance: $target_bytes
    }),
    stored: $stored[0],
    pipeline: $pipeline[0]
  }' >"$work/figures.json" || die "could not combine the figures"
[ -n "$json_out" ] && cp "$work/figures.json" "$json_out"

echo
jq -r '
  def commas: if length > 3 then (.[:-3] | commas) + "," + .[-3:] else . end;
  def i: if . == null then "n/a" else (round | tostring | commas) end;
  def n(d): if . == null then "n/a" else (. * pow(10; d) | round / pow(10; d) | tostring) end;
  def mib: . / 1048576 | n(1);
  def row(a; b; c): "\(a)\(" " * ([1, 42 - (a | length)] | max))\(b)\(" " * ([1, 14 - (b | length)] | max))\(c)";
  .connected as $c | .stored as $s | .pipeline as $p |
  "SDK footprint: \($c.instances | i) connected instances (\($c.flavor)) over \($c.threads) event loops; \($s.events_stored | i) stored events; pipeline \($p.instances | i) instances x \($p.events_per_instance) events per flavor (\($p.loop) loop, \($p.observer) observer, batch period \($p.batch_period_milliseconds) ms)",
  "",
  row("figure"; "value"; "detail"),
  row("memory per idle connected instance (RSS)"; "\($c.memory.rss_bytes_per_item | i) B";
    "VmRSS \($c.memory.before.rss_bytes | mib) -> \($c.memory.after.rss_bytes | mib) MiB, VmHWM \($c.memory.after.hwm_bytes | mib) MiB; target < \($c.target_bytes_per_instance | i) B: \(if $c.memory.rss_bytes_per_item < $c.target_bytes_per_instance then "met" else "NOT met" end)"),
  row("  malloc in use per connected instance"; "\($c.memory.malloc_in_use_bytes_per_item | i) B";
    "malloc in use \($c.memory.before.malloc_in_use_bytes | mib) -> \($c.memory.after.malloc_in_use_bytes | mib) MiB"),
  row("  collector RSS per connection"; "\($c.collector_rss_bytes_per_connection | i) B";
    "the collector process, 1 thread; all \($c.instances | i) connected in \($c.connect_seconds | n(1)) s"),
  row("memory per stored event (RSS)"; "\($s.event_memory.rss_bytes_per_item | i) B";
    "\($s.events_stored | i) events, event_bytes \($s.average_event_bytes | n(1)) B on average; VmRSS \($s.event_memory.before.rss_bytes | mib) -> \($s.event_memory.after.rss_bytes | mib) MiB, VmHWM \($s.event_memory.after.hwm_bytes | mib) MiB"),
  row("  malloc in use per stored event"; "\($s.event_memory.malloc_in_use_bytes_per_item | i) B";
    "a row is \($s.stored_event_stride) B inline (RaccoonEvent \($s.raccoon_event_stride) B) in a Dictionary per store"),
  row("  unconnected empty instance (RSS)"; "\($s.instance_memory.rss_bytes_per_item | i) B";
    "malloc in use \($s.instance_memory.malloc_in_use_bytes_per_item | i) B; track: \($s.track_cpu_seconds_per_million_events | n(2)) us/event"),
  ($p.flavors[] |
    row("SDK CPU per event, \(.flavor)"; "\(.sdk_microseconds_per_event | n(2)) us";
      "\(.sdk_events_per_second_per_core | i) events/s per core (target \($p.target | i): \(if .clears_target then "met" else "NOT met" end)); \(.events_per_batch | n(1)) events/batch; median of \(.rounds) rounds (\(.sdk_microseconds_per_event_min | n(2))-\(.sdk_microseconds_per_event_max | n(2)) us); stub collector \(.stub_cpu_seconds | n(3)) s taken out"))
' "$work/figures.json"
