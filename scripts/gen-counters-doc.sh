#!/usr/bin/env bash
# Print the counter table of docs/cli.md from a running wsgw's "describe",
# so the document follows the code's single definition of each counter.
# usage: sudo scripts/gen-counters-doc.sh [BUILD_DIR]
set -euo pipefail
BUILD=$(cd "${1:-$(dirname "$0")/../build}" && pwd)
NS=wsgw-doc-$$
TMP=$(mktemp -d)
cleanup() {
	ip netns pids "$NS" 2>/dev/null | xargs -r kill -KILL
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT
ip netns add "$NS"
ip -n "$NS" link add d0 type veth peer name d1
ip -n "$NS" link set d0 up
ip -n "$NS" link set d1 up
ip netns exec "$NS" "$BUILD/dataplane/wsgw" -l 0 --no-huge --no-shconf -m 256 \
	--no-pci --log-level lib.eal:error --vdev net_af_packet0,iface=d0 \
	-- --stats-sock "$TMP/s.sock" >"$TMP/log" 2>&1 &
until grep -q '^wsgw: ready' "$TMP/log"; do
	kill -0 $! 2>/dev/null || { cat "$TMP/log"; exit 1; }
	sleep 0.05
done
echo "| name | kind | meaning |"
echo "| --- | --- | --- |"
"$BUILD/control/wsgwctl" -s "$TMP/s.sock" describe |
	awk '{ n = $1; k = $2; $1 = ""; $2 = ""; sub(/^  /, "");
		print "| `" n "` | " k " | " $0 " |" }' | sed 's/`portN_/`port<N>_/; s/`poolN_/`pool<N>_/'
