#!/bin/sh
# run.sh BINARY TARGET SECONDS BUILD_DIR [SEED] - one libFuzzer run of
# TARGET for SECONDS, from the seed corpus fixtures/fuzz/TARGET (run from the
# repository root). SEED 0 (the default) is a random seed; make test passes a
# fixed one, so that CI repeats the search that passed before a change
# instead of drawing a new one (new searches are make fuzz's job). New inputs go to BUILD_DIR/corpus/TARGET, a crash, leak or timeout
# to BUILD_DIR/artifacts/TARGET-*. Prints the executions done ("stat::
# number_of_executed_units") and fails when the fuzzer does.
set -eu
bin=$1 target=$2 seconds=$3 build=$4 seed=${5:-0}
mkdir -p "$build/corpus/$target" "$build/artifacts"
# -timeout: one input taking over 10 s is a hang; -rss_limit_mb bounds growth.
"$bin" -seed="$seed" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
  -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
  "$build/corpus/$target" "fixtures/fuzz/$target" 2>"$build/fuzz-$target.log" || {
  tail -n 60 "$build/fuzz-$target.log"
  exit 1
}
grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$build/fuzz-$target.log" || true
