#!/usr/bin/env bash
# The README's first command (scripts/run.sh) works: on hugepages, on the
# built-in default configuration, the gateway answers from the other
# namespace, and nothing is left behind.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
passed=0
failed=0
check() {
	local name=$1
	shift
	if "$@"; then passed=$((passed + 1)); echo "PASS $name"
	else failed=$((failed + 1)); echo "FAIL $name"; fi
}
out=$(bash "$ROOT/scripts/run.sh" --once 2>&1)
rc=$?
echo "$out" | grep -E '^wsgw:|received|^== |^echo:|^pubsub:'
check "run.sh --once exits 0" test "$rc" -eq 0
check "default address answers ping" grep -q "5 packets transmitted, 5 received" <<<"$out"
check "arping answered" grep -q "Received 2 response" <<<"$out"
check "statistics shown" grep -q "^icmp_echo_replies 5" <<<"$out"
check "WebSocket echo shown" grep -q "^echo: sent 'hello, wsgw', got 'hello, wsgw'" <<<"$out"
check "pub/sub shown to both subscribers" test "$(grep -c '^pubsub: subscriber [01] got .*"seq":2' <<<"$out")" -eq 2
check "gateway counters shown" grep -q "^gw_upgrades [1-9]" <<<"$out"
check "namespaces removed" bash -c '! ip netns list | grep -q wsgw-.*-demo'
check "no hugepage files left" bash -c '! ls /dev/hugepages/ 2>/dev/null | grep -q wsgw'
echo "$(basename "$0"): $passed passed, $failed failed"
[ "$failed" -eq 0 ]
