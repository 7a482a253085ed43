#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run the standalone build of each fuzz target over its committed corpus:
#   regress.sh BUILD-DIR TARGET...
# Each target prints its closing line; the last line is the total
# "fuzz-regress: N passed, N failed". Exit status 1 if anything failed.
B=$1
shift
corpus=$(dirname "$0")/corpus
passed=0; failed=0
for t in "$@"; do
	bin="$B/tests/fuzz/regress_$t"
	out=$("$bin" "$corpus/$t"); rc=$?
	echo "$out"
	line=$(echo "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ] || [ "$rc" -gt 1 ]; then
		echo "CRASH $bin (exit $rc)"
		failed=$((failed + 1))
		continue
	fi
	p=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\2/')
	f=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\3/')
	passed=$((passed + p)); failed=$((failed + f))
done
echo "fuzz-regress: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
