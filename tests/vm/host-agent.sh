#!/bin/bash
# The host side of the guest's requests: serves the guest's second serial port (ttyS1, a QEMU
# pipe chardev: PIPE.out carries the guest's lines, PIPE.in the replies) and acts on the
# daemon's sim control socket. Started and killed by run-vm.sh.
#   usage: host-agent.sh SIM_SOCKET PIPE LOG
#
# Requests, one line each, "SEQ REQUEST"; the reply is "SEQ REPLY" (see guest/tests/lib.sh):
#   sim CMD...        a sim control command, passed through; REPLY is the sim's reply line
#   armed LINE TYPE [MS]    wait until the device has trigger TYPE on LINE (sim "get" shows
#                           irq=TYPE), then MS more (default $SETTLE_MS or 150) for the driver to
#                           queue its eventq buffer, which the sim control cannot show:
#                           "ok polls=N" or "err ..."
#   armset LINE TYPE LEVEL  poll without pause until the device has trigger TYPE on LINE, then
#                           at once drive its input to LEVEL: an edge in the window between the
#                           device taking SET_IRQ_TYPE and the driver queueing its eventq buffer
#   toggle LINE MS          flip LINE's input every MS milliseconds in the background, until
#   toggle stop             which answers "ok edges=N"
#   killhelper              SIGKILL the daemon's helper, wait for the one the broker starts
#                           instead and reconnect to its sim control: "ok OLD -> NEW"; leaves
#                           LOG.killed so that run-vm.sh expects the restart's log lines
# With AGENT_SHOW=1 (make demo) each "sim" request and its reply is also shown on stdout.
set -euo pipefail
SIM=$1 PIPE=$2 LOG=$3
SETTLE_MS=${SETTLE_MS:-150}
SHOW=${AGENT_SHOW:-0}

exec {to_guest}<>"$PIPE.in" {from_guest}<>"$PIPE.out"
coproc SIMC { exec socat - "UNIX-CONNECT:$SIM"; }
# Kept apart: bash unsets SIMC when socat ends (the daemon died); requests then fail, not the agent.
sim_to=${SIMC[1]} sim_from=${SIMC[0]} sim_pid=$SIMC_PID
trap '' PIPE
TOG=
TOG_OUT=$(dirname "$LOG")/toggle.out

sim() {		# sim CMD...: sets R to the sim control's reply line
	{ echo "$*" >&"$sim_to" && read -r -t 5 R <&"$sim_from"; } 2>/dev/null ||
		R="err no reply from the sim control"
}

armed() {	# armed LINE TYPE SETTLE_MS
	local n=0

	while sim get 0 "$1"; [[ $R != *" irq=$2"* ]]; do
		[[ $R == ok* ]] || return 0		# the error is the reply
		n=$((n + 1))
		if [ $n -ge 2000 ]; then R="err line $1 still '$R' after 10 s"; return 0; fi
		sleep 0.005
	done
	sleep "$(printf '0.%03d' "$3")"
	R="ok polls=$n"
}

armset() {	# armset LINE TYPE LEVEL: drive the input the moment the trigger shows
	local n=0 end=$((SECONDS + 10))

	while sim get 0 "$1"; [[ $R != *" irq=$2"* ]]; do
		[[ $R == ok* ]] || return 0
		n=$((n + 1))
		[ $SECONDS -lt $end ] || { R="err line $1 still '$R' after 10 s"; return 0; }
	done
	sim set 0 "$1" "$3"
	[[ $R == ok* ]] && R="ok polls=$n"
}

toggle() {	# toggle LINE MS | toggle stop
	if [ "$1" = stop ]; then
		[ -n "$TOG" ] || { R="err not toggling"; return 0; }
		kill "$TOG" 2>/dev/null || true
		wait "$TOG" || true
		TOG=
		R="ok edges=$(grep -c '^ok' "$TOG_OUT")"
		return 0
	fi
	[ -z "$TOG" ] || { R="err already toggling"; return 0; }
	# Its own connection: the writer dies of SIGPIPE once socat ($TOG) is killed.
	(v=0; while :; do v=$((1 - v)); echo "set 0 $1 $v"; sleep "$(printf '0.%03d' "$2")"; done) |
		socat - "UNIX-CONNECT:$SIM" > "$TOG_OUT" &
	TOG=$!
	R=ok
}

helper_pid() {	# the helper serving our sim control socket, or nothing
	local p pp a0

	for p in $(pgrep -f -- "--sim-control $SIM" || true); do
		# argv[0]: its exe link does not resolve once it is jailed
		a0=$(tr '\0' '\n' < "/proc/$p/cmdline" 2>/dev/null | head -n 1 || true)
		[[ $a0 == *vhost-user-gpio-helper ]] || continue
		# not its unlinker, a fork of it: the helper's parent is the broker
		pp=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null || true)
		a0=$(tr '\0' '\n' < "/proc/$pp/cmdline" 2>/dev/null | head -n 1 || true)
		if [[ $a0 != *vhost-user-gpio-helper ]]; then echo "$p"; fi
	done
	return 0
}

killhelper() {
	local old new n=0

	old=$(helper_pid)
	[ -n "$old" ] || { R="err no helper found"; return 0; }
	echo "$old" > "$LOG.killed"
	kill -KILL "$old"
	while new=$(helper_pid); [ -z "$new" ] || [ "$new" = "$old" ]; do
		n=$((n + 1))
		[ $n -lt 500 ] || { R="err no new helper after 10 s"; return 0; }
		sleep 0.02
	done
	# the old socat ended with the old helper's socket; the new helper binds it again
	wait "$sim_pid" 2>/dev/null || true
	while ! socat -u /dev/null "UNIX-CONNECT:$SIM" 2>/dev/null; do
		n=$((n + 1))
		[ $n -lt 1000 ] || { R="err the new helper's sim control does not answer"; return 0; }
		sleep 0.02
	done
	coproc SIMC { exec socat - "UNIX-CONNECT:$SIM"; }
	sim_to=${SIMC[1]} sim_from=${SIMC[0]} sim_pid=$SIMC_PID
	R="ok $old -> $new"
}

# run-vm.sh ends the agent with SIGTERM; take the socat processes along.
trap 'kill $sim_pid $TOG 2>/dev/null || true' EXIT
trap 'exit 0' TERM

while read -r seq req <&"$from_guest"; do
	req=${req%$'\r'}
	if [[ $req =~ ^sim\ (.+)$ ]]; then
		sim "${BASH_REMATCH[1]}"
		# (after a moment: the guest's console lines before the request come first)
		[ "$SHOW" = 0 ] || { sleep 0.2; printf 'host  | sim control> %-10s -> %s\n' \
			"${BASH_REMATCH[1]}" "$R"; }
	elif [[ $req =~ ^armed\ ([0-9]+)\ ([a-z]+)(\ ([0-9]{1,3}))?$ ]]; then
		armed "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[4]:-$SETTLE_MS}"
	elif [[ $req =~ ^armset\ ([0-9]+)\ ([a-z]+)\ ([01])$ ]]; then
		armset "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "${BASH_REMATCH[3]}"
	elif [[ $req =~ ^toggle\ ([0-9]+)\ ([0-9]{1,3})$ ]]; then
		toggle "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	elif [ "$req" = "toggle stop" ]; then
		toggle stop
	elif [ "$req" = killhelper ]; then
		killhelper
	else
		R="err bad request '$req'"
	fi
	echo "$seq $R" >&"$to_guest"
	echo "${EPOCHREALTIME} $seq $req -> $R" >> "$LOG"
done
