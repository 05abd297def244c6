#!/usr/bin/env bash
# shellcheck disable=SC2154  # root, no_build, work and collector_pid belong to the caller
# Shared steps of the benchmark scripts (sourced, not run). The caller defines `root`, `die`,
# `no_build`, and later `work` and `collector_pid`.

# Installs the named Debian packages' commands when missing.
bench_require_tools() {
  local tool
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      command -v apt-get >/dev/null 2>&1 || die "'$tool' is needed (Debian package: $tool)"
      echo "installing $tool with apt-get..." >&2
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool"; } >/dev/null ||
        die "'$tool' is needed and apt-get could not install it"
    fi
  done
}

# Builds clickswarm (release, in the scratch folder $1, .build-release by default) unless
# --no-build, then sets `clickswarm` (CLICKSWARM_BIN runs another build, an older commit say, for
# side-by-side runs), checks it exists and raises the open-file limit to the hard one (each
# connection takes a descriptor in both processes).
bench_build_clickswarm() {
  local scratch=${1:-.build-release}
  if [ "$no_build" != 1 ]; then
    echo "building clickswarm (release, $scratch)..." >&2
    (cd "$root" && swift build -c release --scratch-path "$scratch" --product clickswarm) >/dev/null ||
      die "building clickswarm failed (run: swift build -c release --scratch-path $scratch --product clickswarm)"
  fi
  clickswarm=${CLICKSWARM_BIN:-"$root/$scratch/release/clickswarm"}
  [ -x "$clickswarm" ] || die "$clickswarm is missing (run without --no-build)"
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
}

# Builds clickswarm (release, .build-bench) and one Benchmarks product, unless --no-build; then
# sets `clickswarm` (see bench_build_clickswarm) and `bench_tool`, and checks both exist.
bench_build() {
  local product=$1
  bench_build_clickswarm .build-bench
  if [ "$no_build" != 1 ]; then
    echo "building $product (release, Benchmarks/.build)..."
    swift build -c release --package-path "$root/Benchmarks" --product "$product" ||
      die "building Benchmarks/$product failed"
  fi
  bench_tool="$root/Benchmarks/.build/release/$product"
  [ -x "$bench_tool" ] || die "$bench_tool is missing (run without --no-build)"
}

# The EXIT trap: stop the collector if it still runs (by its PID), remove the work folder.
# shellcheck disable=SC2317  # called through the trap
bench_cleanup() {
  if [ -n "${collector_pid:-}" ] && kill -0 "$collector_pid" 2>/dev/null; then
    kill -TERM "$collector_pid" 2>/dev/null || true
    sleep 1
    kill -KILL "$collector_pid" 2>/dev/null || true
  fi
  [ -n "${work:-}" ] && rm -rf "$work"
}

# Waits for the collector just started in the background to write its port to $work/port,
# polling every 0.1 s up to $1 times (100 by default); dies with its log if it did not.
bench_wait_for_collector() {
  local tries=${1:-100} _
  for _ in $(seq "$tries"); do [ -s "$work/port" ] && break; sleep 0.1; done
  [ -s "$work/port" ] || die "the collector did not start: $(cat "$work/collector.log")"
}
