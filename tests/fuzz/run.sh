#!/usr/bin/env bash
# Runs every libFuzzer target built in BUILD for SECONDS each, starting from
# its committed corpus (tests/fuzz/corpus/<target>/). New inputs go to
# BUILD/corpus/<target>, crashes to BUILD/crash-*; the committed corpus is
# never written. Exits non-zero on the first crash, leak or timeout.
# Usage: tests/fuzz/run.sh BUILD [SECONDS]
set -euo pipefail
build=${1:?usage: run.sh BUILD [SECONDS]}
secs=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
ran=0
for t in dims results_json; do
	bin=$build/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz_$t: not built (its source is missing), skipped"
		continue
	fi
	mkdir -p "$build/corpus/$t"
	echo "== fuzz_$t for ${secs}s =="
	log=$build/fuzz_$t.log
	if ! "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
		-artifact_prefix="$build/" "$build/corpus/$t" "$here/corpus/$t" >"$log" 2>&1; then
		tail -n 80 "$log"
		echo "fuzz_$t FAILED (log $log, reproducer under $build/)"
		exit 1
	fi
	grep -E '^(Done|stat::number_of_executed_units|stat::new_units_added)' "$log" || true
	ran=$((ran + 1))
done
[ $ran -gt 0 ] || { echo "no fuzz target built"; exit 1; }
