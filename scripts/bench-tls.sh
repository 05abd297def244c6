#!/usr/bin/env bash
# What TLS costs a device: runs the same connect-heavy load plain (ws://) and over TLS (wss://,
# or gRPC with --grpc: grpc:// and grpcs://) against the collector in a separate process, and
# prints for each the connect p99, the generator's and the collector's CPU per connection, and
# the generator's peak memory per device.
#
#   scripts/bench-tls.sh [--devices N] [--grpc] [--no-build] [--collector-cpus LIST] [--generator-cpus LIST]
#
# Each process is pinned with taskset (by default, on two cores or more: the collector on CPU 0
# and the generator on CPU 1, one event loop each), so neither steals the other's CPU.
# The collector's certificate is a self-signed ECDSA P-256 one made with openssl for localhost
# and 127.0.0.1; the devices dial 127.0.0.1 and trust it with --ca-file. Uses the release build in .build-release (CLICKSWARM_BIN
# runs another). Needs openssl, jq and /usr/bin/time (installed with apt-get when missing).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-tls: error: $*" >&2; exit 1; }
# shellcheck source=scripts/bench-lib.sh
. "$root/scripts/bench-lib.sh"

devices=1000
grpc=0
no_build=0
collector_cpus=""
generator_cpus=""
if [ "$(nproc)" -ge 2 ]; then collector_cpus=0; generator_cpus=1; fi
while [ $# -gt 0 ]; do
  case "$1" in
    --devices) devices=$2; shift 2 ;;
    --grpc) grpc=1; shift ;;
    --no-build) no_build=1; shift ;;
    --collector-cpus) collector_cpus=$2; shift 2 ;;
    --generator-cpus) generator_cpus=$2; shift 2 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    *) die "unknown argument $1 (try --help)" ;;
  esac
done

for tool in openssl jq; do
  command -v $tool >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $tool >/dev/null; } ||
    die "$tool is needed and apt-get could not install it"
done
[ -x /usr/bin/time ] || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null; } ||
  die "/usr/bin/time is needed (Debian package: time)"
bench_build_clickswarm
# The prefix that pins a process to $1 (a taskset CPU list), or nothing.
pin() { if [ -n "$1" ]; then echo "taskset -c $1"; fi; }
threads() { if [ -n "$1" ]; then taskset -c "$1" nproc; else nproc; fi; }

work=$(mktemp -d)
collector_pid=""
trap bench_cleanup EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -addext "basicConstraints=critical,CA:TRUE" \
  -addext "keyUsage=digitalSignature,keyCertSign" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null ||
  die "openssl could not make the certificate"

# Every device connects within 20 s and then sends a little: the connects dominate the CPU.
cat >"$work/bench.yaml" <<EOF
name: bench-tls
seed: 3
duration: 40s
drain: 10s
population:
  devices: $devices
  arrival:
    stages: [{to: all, over: 20s}]
networks:
  mix: {wifi: 100%}
sdk:
  android: {lifecycle_debounce: 0s}
journeys:
  - name: idle
    start: home
    screens:
      home:
        think: 15s
        events:
          - contract: ScreenView
            attributes: {screen_name: home}
        next: {home: 100%}
EOF

# One measurement: $1 = plain|tls. Prints one line of figures.
measure() {
  local mode=$1 collector_args=() scheme target_flags=()
  rm -f "$work/port" "$work"/bench-tls-*.json
  if [ "$grpc" = 1 ]; then collector_args+=(--grpc-port 0); fi
  if [ "$mode" = tls ]; then
    collector_args+=(--tls-cert "$work/cert.pem" --tls-key "$work/key.pem")
    target_flags+=(--ca-file "$work/cert.pem")
  fi
  # shellcheck disable=SC2046  # pin's words are meant to split
  $(pin "$collector_cpus") "$clickswarm" collector --port 0 --port-file "$work/port" --threads "$(threads "$collector_cpus")" \
    --max-connections $((devices + 100)) --log-level error "${collector_args[@]}" >"$work/collector.log" 2>&1 &
  collector_pid=$!
  bench_wait_for_collector 200
  local port
  port=$(cat "$work/port")
  if [ "$grpc" = 1 ]; then
    port=$(grep -o 'grpcs\?://[^ ]*' "$work/collector.log" | head -1 | sed 's/.*://')
    scheme=$([ "$mode" = tls ] && echo grpcs || echo grpc)
    target="$scheme://127.0.0.1:$port"
  else
    scheme=$([ "$mode" = tls ] && echo wss || echo ws)
    target="$scheme://127.0.0.1:$port/api/v1/events"
  fi
  set +e
  # shellcheck disable=SC2046
  /usr/bin/time -f "%M %U %S" -o "$work/generator.time" $(pin "$generator_cpus") "$clickswarm" run "$work/bench.yaml" \
    --target "$target" --threads "$(threads "$generator_cpus")" \
    "${target_flags[@]}" --output "$work" --quiet >/dev/null
  set -e
  # The collector's CPU so far (utime + stime, fields 14 and 15 of /proc/PID/stat, in clock ticks).
  local ticks col_cpu
  ticks=$(getconf CLK_TCK)
  col_cpu=$(awk -v t="$ticks" '{print ($14 + $15) / t}' "/proc/$collector_pid/stat")
  kill -TERM "$collector_pid" && wait "$collector_pid" || true
  collector_pid=""
  local report
  report=$(ls "$work"/bench-tls-*.json | head -1) || die "no report for $mode"
  read -r gen_kb gen_user gen_sys < <(tail -1 "$work/generator.time")
  jq -r --arg mode "$scheme" --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" --argjson gkb "$gen_kb" --argjson gu "$gen_user" --argjson gs "$gen_sys" \
    --argjson cpu "$col_cpu" --argjson devices "$devices" '
    def r(x): (x * 100 | round) / 100;
    (.connections.connected) as $n |
    "\($mode)\tconnected \($n)/\(.connections.attempts)\tconnect p50 \(.latency.connect.p50_ms) ms p99 \(.latency.connect.p99_ms) ms"
    + "\tgenerator CPU \(r($gu + $gs)) s = \(r(($gu + $gs) / ([$n, 1] | max) * 1e6)) us/connection"
    + "\tcollector CPU \(r($cpu)) s = \(r($cpu / ([$n, 1] | max) * 1e6)) us/connection"
    + "\tgenerator peak RSS \(r($gkb / 1024)) MiB = \(r($gkb / $devices)) KiB/device"
    + "\tacked \(.totals.acked)/\(.totals.generated) \(if .reconciliation.balanced then "balanced" else "UNBALANCED" end)"
    + "\tload after \($load)"
  ' "$report"
}

echo "devices: $devices; transport: $([ "$grpc" = 1 ] && echo gRPC || echo WebSocket); $(nproc) cores;" \
  "collector on CPUs ${collector_cpus:-any}, generator on CPUs ${generator_cpus:-any}; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
measure plain
measure tls
