#!/usr/bin/env bash
# Fuzzing (README, "Fuzzing"): builds the Fuzz package with libFuzzer and AddressSanitizer in
# Fuzz/.build, runs each target for a fixed budget against its committed corpus (Fuzz/Corpus/TARGET),
# prints one line per target and exits non-zero when a target crashed, saying where the input is.
# It installs nothing; a toolchain that cannot fuzz is reported with exit code 69.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

all_targets=(fuzz-protobuf fuzz-raccoon-json fuzz-websocket fuzz-http fuzz-scenario)

usage() {
  cat <<EOF
usage: scripts/fuzz.sh [--seconds N] [TARGET...]

Runs each TARGET (default: all) for N seconds (default 60), one after another.
Targets: ${all_targets[*]}

New corpus entries and crashing inputs go to a temporary folder (or \$FUZZ_WORK_DIR), never into
Fuzz/Corpus; the end of the run says how to merge the new entries into the committed corpus.
EOF
}

fail() {
  echo "fuzz.sh: error: $1" >&2
  exit "${2:-1}"
}

seconds=60
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds)
      [ $# -ge 2 ] || fail "--seconds needs a number of seconds" 64
      seconds=$2
      shift 2
      ;;
    --seconds=*)
      seconds=${1#--seconds=}
      shift
      ;;
    -h | --help)
      usage
      exit 0
      ;;
    -*)
      usage >&2
      fail "unknown option '$1'" 64
      ;;
    *)
      targets+=("$1")
      shift
      ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || fail "--seconds must be a whole number of seconds above 0, got '$seconds'" 64
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for target in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $target "* ]] || fail "unknown target '$target'; known: ${all_targets[*]}" 64
done

# SwiftPM names a path dependency after its folder: in a checkout whose folder is itself called
# "fuzz", Fuzz/ (identity "fuzz" too) would depend on itself.
if [ "$(basename "$root" | tr '[:upper:]' '[:lower:]')" = fuzz ]; then
  fail "the repository's folder is named '$(basename "$root")', as is its Fuzz/ package, and SwiftPM names packages \
after their folders, so Fuzz/ cannot depend on the root package here; run from a clone or worktree in a folder with \
another name" 69
fi

# Can this toolchain fuzz? A one-file target built and run with libFuzzer and AddressSanitizer.
command -v swift > /dev/null || fail "no 'swift' on PATH: fuzzing needs a Swift toolchain with libFuzzer" 69
work=${FUZZ_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/clickswarm-fuzz.XXXXXX")}
mkdir -p "$work/probe"
cat > "$work/probe/probe.swift" <<'EOF'
@_cdecl("LLVMFuzzerTestOneInput")
public func probe(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt { 0 }
EOF
if ! swiftc -sanitize=fuzzer,address -parse-as-library "$work/probe/probe.swift" -o "$work/probe/probe" \
  > "$work/probe/log" 2>&1 || ! "$work/probe/probe" -runs=1 >> "$work/probe/log" 2>&1; then
  sed 's/^/  /' "$work/probe/log" | tail -20 >&2
  fail "this Swift toolchain cannot build or run a libFuzzer target (swiftc -sanitize=fuzzer,address, above); \
swift.org's Linux toolchains ship libFuzzer, Xcode's does not" 69
fi

# --sanitize fuzzer tells SwiftPM to leave `main` to libFuzzer; -Xswiftc -sanitize=fuzzer,address
# (the last -sanitize wins) instruments every module for coverage and ASan; dead stripping would drop
# the coverage counters; -enable-testing lets FuzzSupport use `@testable import Collector`.
echo "== build: Fuzz/.build (release, libFuzzer + AddressSanitizer); log in $work/build.log"
build=(swift build --package-path Fuzz --scratch-path Fuzz/.build -c release --sanitize fuzzer
  -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing --disable-dead-strip)
if ! "${build[@]}" > "$work/build.log" 2>&1; then
  grep -E "error:" "$work/build.log" | head -20 >&2 || tail -20 "$work/build.log" >&2
  fail "the Fuzz package did not build (the whole log: $work/build.log)"
fi
grep -E "^$root/(Fuzz/Sources|Sources)/.*: warning:" "$work/build.log" >&2 || true
bin=$("${build[@]}" --show-bin-path)
bin=${bin#"$root"/}

echo "== fuzzing ${targets[*]} for ${seconds}s each; new inputs and crashes go to $work"
crashed=()
for target in "${targets[@]}"; do
  out=$work/$target
  mkdir -p "$out/new" "$out/artifacts"
  dictionary=()
  [ -f "Fuzz/Dictionaries/$target.dict" ] && dictionary=("-dict=Fuzz/Dictionaries/$target.dict")
  status=0
  # Swift's own backtracer would fight libFuzzer's crash handler; ASan and libFuzzer report instead.
  SWIFT_BACKTRACE=enable=no "$bin/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/" "${dictionary[@]}" "$out/new" "Fuzz/Corpus/$target" \
    > "$out/fuzz.log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.log" | tail -1)
  progress=$(grep -E '^#[0-9]+' "$out/fuzz.log" | tail -1 || true)
  coverage=$(grep -oE 'cov: [0-9]+' <<< "$progress" | grep -oE '[0-9]+' || echo "?")
  features=$(grep -oE 'ft: [0-9]+' <<< "$progress" | grep -oE '[0-9]+' || echo "?")
  speed=$(grep -oE 'exec/s: [0-9]+' <<< "$progress" | grep -oE '[0-9]+' || echo "?")
  artifacts=$(find "$out/artifacts" -type f | sort)
  printf '%-18s %s executions (%s/s), coverage %s edges / %s features, %s new corpus entries, %s crashes\n' \
    "$target" "${executions:-?}" "$speed" "$coverage" "$features" "$(find "$out/new" -type f | wc -l)" \
    "$(grep -c . <<< "$artifacts" || true)"
  if [ -n "$artifacts" ]; then
    crashed+=("$target")
    grep -E "^(==[0-9]+==ERROR|SUMMARY|.*Fatal error|.*Precondition failed|==[0-9]+== ERROR: libFuzzer)" \
      "$out/fuzz.log" | head -5 | sed 's/^/    /'
    while read -r input; do
      echo "    input: $input (reproduce: $bin/$target $input)"
    done <<< "$artifacts"
    echo "    the whole report: $out/fuzz.log"
  elif [ "$status" -ne 0 ]; then
    tail -15 "$out/fuzz.log" | sed 's/^/    /' >&2
    fail "$target stopped with exit code $status and left no crashing input (its log: $out/fuzz.log)"
  fi
done

echo "== new corpus entries: to keep those that add coverage, merge them into the committed corpus:"
for target in "${targets[@]}"; do
  echo "  $bin/$target -merge=1 Fuzz/Corpus/$target $work/$target/new"
done
if [ ${#crashed[@]} -gt 0 ]; then
  fail "crashes in ${crashed[*]}: the inputs are listed above; README, \"Fuzzing\", says how to turn one into a test"
fi
