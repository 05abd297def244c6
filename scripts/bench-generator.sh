#!/usr/bin/env bash
# What a delivered event costs the load generator: ClickSwarm (a complete Clickstream SDK per
# phone, over WebSocket), Locust (Python, REST, pre-built batches, no SDK) and wrk (one fixed
# body replayed), each pinned to its own core against the same `clickswarm collector` pinned to
# the other, at the same offered load and at saturation. Prints one table from one run.
#
#   scripts/bench-generator.sh [--no-build] [--only clickswarm,locust,wrk] [--duration S] [--warmup S]
#
# Settings come from flags or the environment (flags win):
#   --duration S       DURATION        measured seconds per run                        (30)
#   --warmup S         WARMUP          seconds before the measurement starts           (10)
#   --devices N        DEVICES         ClickSwarm phones at the steady load            (200)
#   --sat-devices N    SAT_DEVICES     ClickSwarm phones at saturation                 (2000)
#   --only LIST        ONLY            generators to run                               (all three)
#   --no-build         NO_BUILD=1      use the clickswarm already built
#                      CLICKSWARM_BIN  the generator binary (default .build-release/release/clickswarm)
#                      COLLECTOR_BIN   the collector binary (default: the generator binary)
#                      GENERATOR_CORE, COLLECTOR_CORE   the cores (0 and 1)
#
# The steady load is 20,000 events/s: ClickSwarm scenarios/bench-steady.yaml (200 Android phones
# at 100 events/s, batches every second); Locust 200 users each posting 5 pre-built 20-event
# batches a second; wrk 200 connections each posting the same 20-event body every 200 ms. At
# saturation: ClickSwarm with SAT_DEVICES phones, Locust and wrk without pauses.
#
# CPU per delivered event = the generator process's user + sys CPU over the measured window /
# the events the collector delivered in it (its /stats before and after). Peak memory is the
# generator's VmHWM. It installs what is missing: wrk (apt-get), Locust, protobuf and
# grpcio-tools (pip), jq and the time command are not needed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-generator: error: $*" >&2; exit 1; }
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

duration=${DURATION:-30}
warmup=${WARMUP:-10}
devices=${DEVICES:-200}
sat_devices=${SAT_DEVICES:-2000}
only=${ONLY:-clickswarm,locust,wrk}
no_build=${NO_BUILD:-0}
generator_core=${GENERATOR_CORE:-0}
collector_core=${COLLECTOR_CORE:-1}
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --sat-devices) sat_devices=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --no-build) no_build=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done
wants() { [[ ",$only," == *",$1,"* ]]; }

# Peers and tools.
bench_require_tools taskset curl python3
if wants wrk; then bench_require_tools wrk; fi
python3 -c 'import google.protobuf, grpc_tools' 2>/dev/null || {
  echo "installing protobuf and grpcio-tools with pip..." >&2
  python3 -m pip install -q protobuf grpcio-tools >/dev/null || die "pip could not install protobuf and grpcio-tools"
}
if wants locust && ! command -v locust >/dev/null 2>&1; then
  echo "installing locust with pip..." >&2
  python3 -m pip install -q locust >/dev/null || die "pip could not install locust"
  command -v locust >/dev/null 2>&1 || die "locust was installed but is not on PATH"
fi

bench_build_clickswarm
collector_bin=${COLLECTOR_BIN:-$clickswarm}

work=$(mktemp -d)
collector_pid=""
generator_pid=""
cleanup() {
  if [ -n "$generator_pid" ] && kill -0 "$generator_pid" 2>/dev/null; then kill -KILL "$generator_pid" 2>/dev/null || true; fi
  bench_cleanup
}
trap cleanup EXIT

python3 "$root/scripts/bench/peer_bodies.py" "$work/bodies" 100 20 >"$work/bodies.log" || die "building the peer bodies failed"
ticks=$(getconf CLK_TCK)

start_collector() {
  rm -f "$work/port"
  taskset -c "$collector_core" "$collector_bin" collector --port 0 --port-file "$work/port" --threads 1 \
    --max-connections 40000 >"$work/collector.log" 2>&1 &
  collector_pid=$!
  bench_wait_for_collector
  port=$(cat "$work/port")
}

stop_collector() {
  kill -TERM "$collector_pid" 2>/dev/null || true
  wait "$collector_pid" 2>/dev/null || true
  collector_pid=""
}

# "delivered bytes" of the collector so far.
collector_events() {
  curl -s "http://127.0.0.1:$port/stats" |
    python3 -c 'import json, sys; e = json.load(sys.stdin)["events"]; print(e["delivered"], e["bytes"])'
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measure LOAD NAME OFFERED -- COMMAND...: runs COMMAND pinned to the generator core against a
# fresh collector, samples the window, appends one row to $work/rows.
measure() {
  local load=$1 name=$2 offered=$3
  shift 4
  start_collector
  local target_ws="ws://127.0.0.1:$port/api/v1/events" target_http="http://127.0.0.1:$port"
  local command=("${@//@WS@/$target_ws}")
  command=("${command[@]//@HTTP@/$target_http}")
  echo "  $load $name: ${command[*]}" >&2
  taskset -c "$generator_core" "${command[@]}" >"$work/$load-$name.log" 2>&1 &
  generator_pid=$!
  sleep "$warmup"
  kill -0 "$generator_pid" 2>/dev/null || die "$name stopped early: $(tail -5 "$work/$load-$name.log")"
  local before cpu_before collector_before start end after cpu_after collector_after peak
  read -r -a before < <(collector_events)
  cpu_before=$(cpu_ticks "$generator_pid")
  collector_before=$(cpu_ticks "$collector_pid")
  start=$(date +%s.%N)
  sleep "$duration"
  read -r -a after < <(collector_events)
  cpu_after=$(cpu_ticks "$generator_pid")
  collector_after=$(cpu_ticks "$collector_pid")
  end=$(date +%s.%N)
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$generator_pid/status")
  local status=stopped
  if [ "$name" = clickswarm ]; then
    set +e
    wait "$generator_pid"
    local code=$?
    set -e
    # 0 passed, 99 an SLO missed (a saturated run leaves events pending): both reconciled.
    case $code in 0 | 99) status=reconciled ;; *) status="exit $code" ;; esac
  else
    kill -INT "$generator_pid" 2>/dev/null || true
    sleep 2
    kill -KILL "$generator_pid" 2>/dev/null || true
    wait "$generator_pid" 2>/dev/null || true
  fi
  generator_pid=""
  stop_collector
  python3 - "$load" "$name" "$offered" "${before[0]}" "${after[0]}" "${before[1]}" "${after[1]}" \
    "$cpu_before" "$cpu_after" "$collector_before" "$collector_after" "$start" "$end" "$peak" "$ticks" "$status" \
    >>"$work/rows" <<'EOF'
import sys
load, name, offered = sys.argv[1:4]
d0, d1, b0, b1, c0, c1, k0, k1 = map(int, sys.argv[4:12])
start, end = float(sys.argv[12]), float(sys.argv[13])
peak_kb, ticks, status = int(sys.argv[14]), int(sys.argv[15]), sys.argv[16]
events, seconds = d1 - d0, end - start
cpu = (c1 - c0) / ticks
print("\t".join(map(str, [load, name, offered, events / seconds, cpu / max(events, 1) * 1e6, cpu / seconds,
                          (k1 - k0) / ticks / seconds, peak_kb / 1024, (b1 - b0) / max(events, 1), status])))
EOF
}

total=$((warmup + duration + 3))
rate_args() { echo "--headless --only-summary -L WARNING -u $1 -r $1 -t ${total}s --host @HTTP@"; }
echo "measuring (warmup ${warmup} s, ${duration} s measured per run):" >&2
: >"$work/rows"
for load in steady saturation; do
  if wants clickswarm; then
    count=$devices
    [ "$load" = saturation ] && count=$sat_devices
    measure "$load" clickswarm "$((count * 100))" -- "$clickswarm" run "$root/scenarios/bench-steady.yaml" \
      --devices "$count" --duration "$((warmup + duration + 2))s" --target @WS@ --threads 1 --quiet \
      --partial-interval 0 --output "$work/reports"
  fi
  if wants locust; then
    rate=5
    [ "$load" = saturation ] && rate=0
    # shellcheck disable=SC2046  # the arguments split on purpose
    measure "$load" locust "$([ $rate = 0 ] && echo max || echo 20000)" -- \
      env BODIES="$work/bodies" RATE=$rate locust -f "$root/scripts/bench/locustfile.py" $(rate_args 200)
  fi
  if wants wrk; then
    pause=200
    [ "$load" = saturation ] && pause=0
    measure "$load" wrk "$([ $pause = 0 ] && echo max || echo 20000)" -- env BODY="$work/bodies/body.bin" \
      DELAY_MS=$pause wrk -t1 -c200 -d"${total}s" -s "$root/scripts/bench/wrk-post.lua" @HTTP@/api/v1/events
  fi
done

cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
python3 - "$work/rows" "$(date -u +%Y-%m-%dT%H:%MZ)" "$(nproc)" "$cpu_model" "$warmup" "$duration" <<'EOF'
import sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
when, cores, model, warmup, duration = sys.argv[2:7]
print()
print(f"generator benchmark  {when}  {cores} cores ({model})")
print(f"each generator pinned to core 0, `clickswarm collector --threads 1` to core 1; {warmup} s warmup, {duration} s measured")
print()
head = ["load", "generator", "offered ev/s", "delivered ev/s", "CPU us/event", "gen cores", "collector cores",
        "peak RSS MiB", "B/event", "run"]
table = [[r[0], r[1], r[2] if r[2] == "max" else f"{int(r[2]):,}", f"{float(r[3]):,.0f}", f"{float(r[4]):.2f}",
          f"{float(r[5]):.2f}", f"{float(r[6]):.2f}", f"{float(r[7]):.1f}", f"{float(r[8]):.0f}", r[9]] for r in rows]
widths = [max(len(str(x)) for x in col) for col in zip(head, *table)]
for line in [head] + table:
    print("  ".join(str(x).rjust(w) if i >= 2 and i < 9 else str(x).ljust(w) for i, (x, w) in enumerate(zip(line, widths))))
print()
by = {(r[0], r[1]): r for r in rows}
for load in ("steady", "saturation"):
    cs = by.get((load, "clickswarm"))
    for peer in ("locust", "wrk"):
        other = by.get((load, peer))
        if not cs or not other:
            continue
        a, b = float(cs[4]), float(other[4])
        if peer == "locust":
            print(f"{load:10s}  CPU per event: locust / clickswarm = {b / a:.1f}x")
        else:
            print(f"{load:10s}  CPU per event: clickswarm / wrk = {a / b:.1f}x")
    if cs:
        for peer in ("locust", "wrk"):
            other = by.get((load, peer))
            if other:
                print(f"{load:10s}  delivered events/s: clickswarm / {peer} = {float(cs[3]) / float(other[3]):.2f}x")
EOF
