#!/usr/bin/env bash
# TCP echo and discard: 100 MB each way on 1 connection, then on 100 at
# once, every byte checked in order; 100 MB into the discard service with
# a clean close; then nothing left open once TIME_WAIT is over.
# TCP_TARGET=wsgw (default) runs against wsgw's --tcp-echo/--tcp-discard,
# TCP_TARGET=kernel against tcp_echo_server.py in the gateway namespace.
# TCP_TOTAL changes the 100 MB.
set -u
. "$(dirname "$0")/rig.sh"
ECHO_PORT=7
DISCARD_PORT=9
TOTAL=${TCP_TOTAL:-100M}
rig_up
tcp_target_up "$ECHO_PORT" "$DISCARD_PORT"

transfer() { tcp_check_transfer "$NS_PEER" "$@"; }

transfer "echo: 1 connection, $TOTAL each way, intact" \
	"$ECHO_PORT" --conns 1 --total "$TOTAL" --deadline 120
transfer "echo: 100 connections, $TOTAL each way in all, intact" \
	"$ECHO_PORT" --conns 100 --total "$TOTAL" --deadline 120
transfer "echo: 10 connections closed by half-close, intact" \
	"$ECHO_PORT" --conns 10 --total 10M --close half --deadline 60
transfer "discard: 10 connections, $TOTAL in all, clean close" \
	"$DISCARD_PORT" --mode discard --conns 10 --total "$TOTAL" --deadline 120
check "nothing left open after close" tcp_idle 10

if [ "$TCP_TARGET" = kernel ]; then
	tcp_server_stop
	check "server saw 121 connections" test "$(tcp_server_total conns)" -eq 121
	check "server saw no reset" test "$(tcp_server_total resets)" -eq 0
else
	check "121 passive opens" stat_is tcp_passive_opens -eq 121
	check "no RST sent" stat_is tcp_rst_sent -eq 0
	check "no RST received" stat_is tcp_rst_rcvd -eq 0
	# af_packet's ring can overflow under 100 windows at once: that is
	# loss like any other, so timeouts are reported, not forbidden.
	echo "retransmissions: timeout $(gw_stat tcp_retrans_timeout)," \
		"fast $(gw_stat tcp_retrans_fast)"
	# drop_tcp_mem is the designed answer to a nearly empty pool. A PAWS
	# drop answers a stale segment, which only a run with loss (resends
	# on either side) can produce: tolerated then, and only then.
	lossy=$(( $(gw_stat tcp_retrans_timeout) + $(gw_stat tcp_retrans_fast) +
		$(gw_stat tcp_dup_segs) ))
	drops=$("$WSGWCTL" -s "$STATS_SOCK" stats |
		awk -v lossy="$lossy" '$1 ~ /^drop_tcp_/ && $2 != 0 &&
			$1 != "drop_tcp_mem" &&
			!($1 == "drop_tcp_paws" && lossy > 0)')
	check "no drop_tcp_* counted" test -z "$drops"
	[ -z "$drops" ] || echo "$drops"
	check "wsgw still running" kill -0 "$GW_PID"
	gw_stop
	check "SIGTERM: exit 0" test $? -eq 0
fi
rig_finish
