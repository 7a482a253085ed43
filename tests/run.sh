#!/bin/sh
# Run every test binary under $1 (default build), then each further argument
# as a shell command (a suite with its own closing line, e.g. the VM suite),
# sum their closing lines and print the total as "N passed, N failed". Exit
# non-zero if any test failed or any binary or suite crashed.
B=${1:-build}
[ $# -gt 0 ] && shift
export VUG_BUILD="$B"
passed=0; failed=0; crashed=0

# add NAME RC OUTPUT-FILE: count the last closing line of one binary or suite
add() {
	line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$3" | tail -n 1)
	if [ -z "$line" ] || [ "$2" -gt 1 ]; then
		echo "CRASH $1 (exit $2)"
		crashed=$((crashed + 1)); return 1
	fi
	p=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\2/')
	f=$(echo "$line" | sed -E 's/^(.*[^0-9])?([0-9]+) passed, ([0-9]+) failed.*/\3/')
	# a suite that exits non-zero with no failure counted still failed
	[ "$2" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + p)); failed=$((failed + f))
}

for t in "$B"/tests/unit/test_* "$B"/tests/integration/test_*; do
	case "$t" in *.o|*.d|*.log|*.out) continue ;; esac
	[ -x "$t" ] || continue
	"$t" >"$t.out" 2>"$t.log"; rc=$?
	cat "$t.out"
	if ! add "$t" $rc "$t.out"; then
		echo "its stderr:"; tail -n 30 "$t.log"; continue
	fi
	[ $rc -ne 0 ] && { echo "--- stderr of $t:"; grep -E 'FAIL' "$t.log" | head -n 40; }
done

n=0
for suite in "$@"; do
	n=$((n + 1))
	out="$B/tests/suite$n.out"
	mkdir -p "$B/tests"
	# the suite's output streams as it runs; its exit status comes back through a file
	{ sh -c "$suite" 2>&1; echo $? >"$out.rc"; } | tee "$out"
	add "$suite" "$(cat "$out.rc")" "$out"
done
failed=$((failed + crashed))
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
