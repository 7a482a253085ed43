#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run libFuzzer builds one after the other, each for a bounded time:
#   run.sh FUZZ-BUILD-DIR SECONDS "EXTRA-LIBFUZZER-ARGS" TARGET...
# Reads tests/fuzz/corpus/T (never writes it); new inputs go to
# FUZZ-BUILD-DIR/corpus/T, crashes to FUZZ-BUILD-DIR/artifacts/T/, the full
# output to FUZZ-BUILD-DIR/logs/T.log. One summary line per target, then
# "fuzz: N passed, N failed"; exit status 1 if a target found something.
FB=$1
secs=$2
extra=$3
shift 3
here=$(dirname "$0")
passed=0; failed=0
for t in "$@"; do
	mkdir -p "$FB/corpus/$t" "$FB/artifacts/$t" "$FB/logs"
	log="$FB/logs/$t.log"
	dict=""
	[ -f "$here/$t.dict" ] && dict="-dict=$here/$t.dict"
	# close_fd_mask=2: the code under test logs to stderr; libFuzzer and the
	# sanitizers keep reporting on a copy of it (into the log).
	# shellcheck disable=SC2086
	"$FB/tests/fuzz/fuzz_$t" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-close_fd_mask=2 -print_final_stats=1 -artifact_prefix="$FB/artifacts/$t/" \
		$dict $extra "$FB/corpus/$t" "$here/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(grep -E '^stat::number_of_executed_units' "$log" | tail -n 1 | sed 's/.*: *//')
	cov=$(grep -E '^#[0-9]+' "$log" | tail -n 1 | sed -nE 's/.*cov: ([0-9]+).*/\1/p')
	if [ "$rc" -eq 0 ]; then
		echo "fuzz $t: ${runs:-?} runs in ${secs} s, cov ${cov:-?}: ok"
		passed=$((passed + 1))
	else
		echo "fuzz $t: FAILED (exit $rc) after ${runs:-?} runs; see $log and $FB/artifacts/$t/"
		grep -E 'ERROR|SUMMARY|invariant' "$log" | head -n 5
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
