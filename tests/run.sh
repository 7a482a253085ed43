#!/bin/sh
# Run every test binary under $1 (default build), sum their closing lines and
# print the total as "N passed, N failed". Exit non-zero if any test failed
# or any binary crashed.
B=${1:-build}
export VUG_BUILD="$B"
passed=0; failed=0; crashed=0
for t in "$B"/tests/unit/test_* "$B"/tests/integration/test_*; do
	case "$t" in *.o|*.d) continue ;; esac
	[ -x "$t" ] || continue
	out=$("$t" 2>"$t.log"); rc=$?
	echo "$out"
	line=$(echo "$out" | grep -E '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ] || [ $rc -gt 1 ]; then
		echo "CRASH $t (exit $rc); its stderr:"; tail -n 30 "$t.log"
		crashed=$((crashed + 1)); continue
	fi
	[ $rc -ne 0 ] && { echo "--- stderr of $t:"; grep -E 'FAIL' "$t.log" | head -n 40; }
	p=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) passed, ([0-9]+) failed.*/\2/')
	passed=$((passed + p)); failed=$((failed + f))
done
failed=$((failed + crashed))
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
