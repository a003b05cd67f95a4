# Shared by the end-to-end benchmark scripts (sourced): a temporary folder
# and the processes started, both removed on exit; a bounded wait for a
# line in a log; the median of numbers on stdin. Expects ROOT set.

BENCH_TMP=$(mktemp -d /tmp/wsgw-bench.XXXXXX)
PIDS=()

bench_cleanup() {
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$BENCH_TMP"
}
trap bench_cleanup EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }

# Wait, bounded, until FILE contains PATTERN; fail if PID died.
wait_for() {   # wait_for FILE PATTERN PID
	local deadline=$((SECONDS + 30))
	until grep -qs "$2" "$1"; do
		kill -0 "$3" 2>/dev/null || { echo "bench: process died:"; cat "$1"; exit 1; }
		[ "$SECONDS" -lt "$deadline" ] || { echo "bench: timeout on $1"; exit 1; }
		sleep 0.1
	done
}
