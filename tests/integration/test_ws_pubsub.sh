#!/usr/bin/env bash
# Pub/sub through the gateway on two workers: 1,000 subscribers spread over
# the workers receive 100,000 messages from a publisher, each exactly once
# and in order; a publisher far ahead of the fan-out is held back, and
# loses nothing; then one deliberately slow subscriber per policy
# (drop-oldest, conflate, disconnect, and drop-oldest by the byte bound)
# gets what its policy says while the others still get everything, each
# counted on its own route. Every connection is gone at the end.
set -uo pipefail
source "$(dirname "$0")/rig.sh"
FANOUT=$BUILD/tests/ws_fanout
SUBS=${PUBSUB_SUBS:-1000}
# 1,000 subscribers x 100,000 messages: 1e8 deliveries, each checked
# (about two minutes on this machine).
MSGS=${PUBSUB_MSGS:-100000}
[ -x "$FANOUT" ] || { echo "rig: $FANOUT not built"; exit 1; }
rig_up
conf=$RIG_TMP/pubsub.conf
cat >"$conf" <<'CONF'
routes = (
  { path = "/md/{channel}"; action = "pubsub:{channel}"; publish = true; },
  { path = "/drop/{channel}"; action = "pubsub:{channel}"; publish = true;
    policy = "drop-oldest"; queue_messages = 64; },
  { path = "/conf/{channel}"; action = "pubsub:{channel}"; publish = true;
    policy = "conflate"; conflate_key = "symbol"; queue_messages = 64; },
  { path = "/disc/{channel}"; action = "pubsub:{channel}"; publish = true;
    policy = "disconnect"; queue_messages = 64; },
  { path = "/bytes/{channel}"; action = "pubsub:{channel}"; publish = true;
    policy = "drop-oldest"; queue_messages = 65535; queue_bytes = 4096; }
);
gateway = { fanout_mbufs = 1048576; };
tcp = { time_wait_ms = 200; };
# Two busy-polling workers on a two-core machine starve the kernel side
# (the subscribers' ACKs): sleep when idle.
dataplane = { idle_sleep_us = 50; };
CONF
# Two workers; more EAL memory for 1,000 subscribers' queued clones.
GW_LCORES=0,1 GW_EAL_MEM="--no-huge --no-shconf -m 2048" gw_start --config "$conf"

if [ -z "${PUBSUB_ONLY:-}" ]; then
checks_from peer "$FANOUT" "$GW_IP" 8080 /md/feed /md/feed "$SUBS" "$MSGS" \
	--window 1000 --timeout 600
check "deliveries counted" stat_is gw_delivered -ge $((SUBS * MSGS))
check "both workers delivered" test "$("$WSGWCTL" -s "$STATS_SOCK" stats workers |
	awk '$1 ~ /^worker[0-9]+_gw_delivered$/ && $2 > 0' | wc -l)" -eq 2
check "no message lost in a ring" stat_is gw_ring_overflow -eq 0
check "no delivery short of mbufs" stat_is gw_no_mbuf -eq 0
# A publisher that does not wait for the subscribers (its window is all
# of its messages) runs far ahead of the fan-out: its input is held (its
# TCP window closes) until the workers catch up, and every subscriber
# still gets every message once, in order, with no walk finished while
# the port's input waited.
checks_from peer "$FANOUT" "$GW_IP" 8080 /md/flood /md/flood 200 20000 \
	--window 20000 --timeout 300
check "a publisher ahead of the fan-out held back" \
	stat_is gw_pubsub_input_held -ge 1
check "no fan-out finished with the input waiting" stat_is gw_fanout_forced -eq 0
check "no delivery short of mbufs, held publisher" stat_is gw_no_mbuf -eq 0
fi

# bytes: drop-oldest by queue_bytes, its queue_messages out of reach.
for policy in ${PUBSUB_ONLY:-drop conf disc bytes}; do
	case $policy in
	drop | bytes) expect=drop ;;
	conf) expect=conflate ;;
	disc) expect=disconnect ;;
	esac
	# The slow one on the policy's route, the others on /md/ (same
	# channel), which queues enough never to apply its policy to them.
	checks_from peer "$FANOUT" "$GW_IP" 8080 "/md/$policy" "/md/$policy" \
		50 20000 --slow 1 --slow-path "/$policy/$policy" \
		--expect "$expect" --symbols 8 --window 200 --timeout 120
done
check "drop-oldest counted" stat_is gw_dropped_oldest -ge 1
check "conflation counted" stat_is gw_conflated -ge 1
check "slow disconnect counted" stat_is gw_slow_disconnects -eq 1
if [ -z "${PUBSUB_ONLY:-}" ]; then
# Per route (wsgwctl routes): each policy on its own route, none on /md/.
check "routes: drop-oldest on /drop/ alone" \
	route_stats_are "/drop/" dropped_oldest -ge 1 conflated -eq 0 slow_disconnects -eq 0
check "routes: conflation on /conf/ alone" \
	route_stats_are "/conf/" conflated -ge 1 dropped_oldest -eq 0 slow_disconnects -eq 0
check "routes: the disconnect on /disc/ alone" \
	route_stats_are "/disc/" slow_disconnects -eq 1 dropped_oldest -eq 0 conflated -eq 0
check "routes: queue_bytes dropped on /bytes/" \
	route_stats_are "/bytes/" dropped_oldest -ge 1 slow_disconnects -eq 0
check "routes: none on /md/" \
	route_stats_are "/md/" dropped_oldest -eq 0 conflated -eq 0 slow_disconnects -eq 0
fi
check "every connection freed" gw_idle 20
check "subscriptions back to zero" stat_is gw_subscribers -eq 0
check "no channel left" test "$(channels_left)" = 0
GW_STOP_DEADLINE=5 gw_stop   # 2 GB of EAL memory to give back
check "SIGTERM: exit 0" test $? -eq 0
rig_finish
