#!/bin/sh
# The container entrypoint of one shard of the Indexed Job (clickswarm-shards.yaml): runs shard
# $JOB_COMPLETION_INDEX of $SHARDS of $SCENARIO against $TARGET, starting at $START_AT (the same for
# every shard), and saves the report under $RESULTS/shard-<index>/ (or pushes it with $PUSH_URL).
# Extra arguments go to `clickswarm run` as they are.
set -eu

: "${JOB_COMPLETION_INDEX:?set by Kubernetes in an Indexed Job (completionMode: Indexed)}"
: "${SHARDS:?the shard count: the Job's completions}"
: "${SCENARIO:?the scenario file, like scenarios/capacity-ramp.yaml}"
: "${TARGET:?the collector, like ws://collector:8080/api/v1/events}"
: "${START_AT:?the shared start time, ISO 8601 (2026-11-29T10:00:00Z) or unix seconds}"
RESULTS="${RESULTS:-/results}"

set -- run "$SCENARIO" --shard "$JOB_COMPLETION_INDEX/$SHARDS" --target "$TARGET" --start-at "$START_AT" \
    --output "$RESULTS/shard-$JOB_COMPLETION_INDEX" --quiet "$@"
if [ -n "${PUSH_URL:-}" ]; then
    set -- "$@" --push "$PUSH_URL"
fi
# The run's exit code is the pod's: 0 passed, 70 unbalanced, 99 an SLO failed (see README). An SLO
# verdict belongs to the merged report, so a shard's 99 is not a failure of the pod.
status=0
clickswarm "$@" || status=$?
if [ "$status" -eq 99 ]; then exit 0; fi
exit "$status"
