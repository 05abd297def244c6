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

# Builds clickswarm (release, .build-bench) and one Benchmarks product, unless --no-build; then
# sets `clickswarm` (CLICKSWARM_BIN runs another build, an older commit say, for side-by-side
# runs) and `bench_tool`, and checks both exist.
bench_build() {
  local product=$1
  if [ "$no_build" != 1 ]; then
    echo "building clickswarm (release, .build-bench)..."
    (cd "$root" && swift build -c release --scratch-path .build-bench --product clickswarm) ||
      die "building clickswarm failed"
    echo "building $product (release, Benchmarks/.build)..."
    swift build -c release --package-path "$root/Benchmarks" --product "$product" ||
      die "building Benchmarks/$product failed"
  fi
  clickswarm=${CLICKSWARM_BIN:-"$root/.build-bench/release/clickswarm"}
  bench_tool="$root/Benchmarks/.build/release/$product"
  [ -x "$clickswarm" ] || die "$clickswarm is missing (run without --no-build)"
  [ -x "$bench_tool" ] || die "$bench_tool is missing (run without --no-build)"
  # Each connection takes a descriptor in both processes.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
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
