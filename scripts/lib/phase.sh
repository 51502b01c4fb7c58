# shellcheck shell=bash
# phase.sh: run a script's long, noisy steps (apt, dpkg, DKMS, cmake, the
# build) quietly, one line each, their output kept in a log.  Sourced by
# scripts/demo and scripts/test.
#
#   phase_init LOG TOTAL     start LOG afresh; TOTAL phases will follow
#   phase LABEL CMD [ARGS]   run CMD with its output appended to LOG and
#                            print "[N/TOTAL] LABEL ... 212 s"
#
# On failure phase prints (on stderr) the phase, the log's path and the log's last 20
# lines, and returns CMD's exit status, so that under `set -e` the script
# stops with the status it stopped with before it was quiet.  CMD's stdin
# is /dev/null: a prompt nobody can see would otherwise hang the run.

phase_log='' phase_total=0 phase_n=0

phase_init() {
	phase_log=$1 phase_total=$2 phase_n=0
	mkdir -p "$(dirname "$phase_log")"
	: >"$phase_log"
}

phase() {
	local label=$1 start rc=0
	shift
	phase_n=$((phase_n + 1))
	printf '[%d/%d] %s ... ' "$phase_n" "$phase_total" "$label"
	printf '\n=== [%d/%d] %s: %s\n' "$phase_n" "$phase_total" "$label" "$*" >>"$phase_log"
	start=$(date +%s)
	"$@" </dev/null >>"$phase_log" 2>&1 || rc=$?
	if [ "$rc" = 0 ]; then
		echo "$(($(date +%s) - start)) s"
		return 0
	fi
	echo "failed after $(($(date +%s) - start)) s (exit $rc)"
	{
		echo "The phase that failed: [$phase_n/$phase_total] $label"
		echo "Its log: $phase_log; the last 20 lines:"
		tail -n 20 "$phase_log" | sed 's/^/  | /'
	} >&2
	return "$rc"
}
