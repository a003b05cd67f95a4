#!/usr/bin/env bash
# wsgw-load against wsgw over memif: two DPDK processes, one core each.
# wsgw's /echo and /md/{channel} routes; for every scenario what
# wsgw-load reports must equal what the gateway counted, with no error:
# echo (binary and text, closed and open loop), connect, pub/sub, idle.
set -u
. "$(dirname "$0")/rig.sh"
. "$(dirname "$0")/load_rig.sh"
URL="ws://$GW_IP:8080"
load_memif_up
# wsgw's default routes: /echo=echo, /md/{channel}=pubsub:{channel} (publish).
if ! "$WSGW" -- --dump-config 2>/dev/null | grep -q 'echo'; then
	echo "SKIP: this wsgw has no WebSocket echo route"
	rig_finish
	exit 0
fi
# The gateway sleeps when idle (dataplane.idle_sleep_us): on two shared
# cores wsgw-load keeps its own, and a worker asleep is not inside the
# memif PMD's receive path as a wsgw-load process leaves, where DPDK
# 22.11's PMD can fault (docs/testing.md, "Known intermittent failure").
printf 'dataplane = { idle_sleep_us = 100; };\n' >"$RIG_TMP/memif.conf"
load_memif_gw_start --config "$RIG_TMP/memif.conf" --listen 8080

# Each step connects from an address of its own: the gateway keeps the
# previous step's connections in TIME-WAIT, and wsgw answers a SYN that
# reuses one of those with a challenge ACK (RFC 5961), which costs the
# new connection a SYN resend (1 s).
step=10
next_addr() { step=$((step + 1)); LOAD_ADDR=198.18.0.$step; }

# gw_delta NAME: how much a gateway counter moved since gw_mark.
declare -A GW_MARK
gw_mark() { for k in "$@"; do GW_MARK[$k]=$(gw_stat "$k"); done; }
gw_delta() { echo $(($(gw_stat "$1") - ${GW_MARK[$1]:-0})); }
MARKS=(gw_messages_in gw_messages_out gw_upgrades gw_delivered gw_published)

no_error() {   # no_error NAME
	check "$1: exit 0" test "$LOAD_RC" -eq 0
	check "$1: no error" test "$(load_json errors_total)" = 0
}

# 1. Echo, 64-byte binary, 16 connections with 8 in flight each.
next_addr
gw_mark "${MARKS[@]}"
load_memif_run -c 16 --inflight 8 -n 200000 "$URL/echo"
no_error "echo 64 B"
check "echo 64 B: 200000 verified" test "$(load_json counters.msgs_verified)" = 200000
check "echo 64 B: the gateway received 200000" test "$(gw_delta gw_messages_in)" = 200000
check "echo 64 B: the gateway sent 200000" test "$(gw_delta gw_messages_out)" = 200000
check "echo 64 B: 16 upgrades at the gateway" test "$(gw_delta gw_upgrades)" = 16

# 2. Echo, text, 48 to 4000 bytes (frames over several segments).
next_addr
gw_mark "${MARKS[@]}"
load_memif_run -c 8 --inflight 4 -n 20000 --text --size 48-4000 "$URL/echo"
no_error "echo text 48-4000 B"
check "echo text: 20000 verified" test "$(load_json counters.msgs_verified)" = 20000
check "echo text: the gateway received 20000" test "$(gw_delta gw_messages_in)" = 20000

# 3. Open loop at 20,000 msg/s for 1 s: every slot sent, or counted missed.
next_addr
gw_mark "${MARKS[@]}"
load_memif_run -c 10 --rate 20000 -d 1 "$URL/echo"
no_error "open loop"
sent=$(load_json counters.msgs_sent)
check "open loop: sent ($sent) + missed = 20000" \
	test $((sent + $(load_json counters.sched_missed))) = 20000
check "open loop: none missed" test "$(load_json counters.sched_missed)" = 0
check "open loop: every one verified" test "$(load_json counters.msgs_verified)" = "$sent"
check "open loop: the gateway echoed as many" test "$(gw_delta gw_messages_out)" = "$sent"

# 4. Connect: 20,000 connections opened, upgraded and closed, 64 at a time.
next_addr
gw_mark "${MARKS[@]}"
load_memif_run -s connect -c 64 -n 20000 "$URL/echo"
no_error "connect"
check "connect: 20000 handshakes" test "$(load_json counters.handshakes_ok)" = 20000
check "connect: 20000 closed cleanly" test "$(load_json counters.conn_closed_ok)" = 20000
check "connect: 20000 upgrades at the gateway" test "$(gw_delta gw_upgrades)" = 20000

# 5. Pub/sub on /md/test: 1 publisher, 8 subscribers, all in order.
next_addr
gw_mark "${MARKS[@]}"
load_memif_run -s pubsub -c 9 --publishers 1 --rate 2000 -d 1 "$URL/md/test"
no_error "pubsub"
check "pubsub: 2000 published" test "$(load_json counters.msgs_sent)" = 2000
check "pubsub: 8 x 2000 verified" test "$(load_json counters.msgs_verified)" = 16000
check "pubsub: the gateway got 2000 publications" test "$(gw_delta gw_messages_in)" = 2000
check "pubsub: the gateway delivered 9 x 2000 (the publisher subscribes too)" \
	test "$(gw_delta gw_delivered)" = 18000

# 6. Idle: 2,000 connections held with a ping every 500 ms.
next_addr
gw_mark "${MARKS[@]}"
load_memif_run -s idle -c 2000 --ping-interval 500 -d 2 "$URL/echo"
no_error "idle"
check "idle: 2000 connections opened" test "$(load_json counters.handshakes_ok)" = 2000
check "idle: the gateway upgraded 2000" test "$(gw_delta gw_upgrades)" = 2000
check "idle: every ping answered" \
	test "$(load_json counters.pings_sent)" -ge 7000 -a \
	"$(load_json counters.pings_sent)" = "$(load_json counters.pongs_received)"

# Nothing left open at the gateway once the clients are gone.
deadline=$((SECONDS + 10))
until [ "$(gw_stat gw_ws_open)" = 0 ] || [ "$SECONDS" -ge "$deadline" ]; do sleep 0.2; done
check "gateway: no WebSocket left open" test "$(gw_stat gw_ws_open)" = 0
check "gateway: every connection's memory back in the pools" \
	gw_wait_in_use 10 pools
gw_stop
check "wsgw: SIGTERM, exit 0" test $? -eq 0
rig_finish
