#!/usr/bin/env bash
# wsgw answers ARP and ping from a Linux peer: 1,000 pings at 2 ms with no
# loss and intact payloads (56 and 1,400 bytes), arping answered, the
# address taken from a configuration file, and SIGTERM exits 0 within 1 s.
set -u
. "$(dirname "$0")/rig.sh"
rig_up

conf=$RIG_TMP/wsgw.conf
cat >"$conf" <<CONF
# the configuration file path of the test
ports = ( { addr = "$GW_IP/$PREFIX"; } );
arp = { entries = 256; };
CONF
gw_start --config "$conf"

# arping first: the kernel peer has no entry for us yet.
out=$(peer arping -c 3 -w 5 -I "$VETH_PEER" "$GW_IP" 2>&1)
check "arping answered 3 of 3" grep -q "Received 3 response" <<<"$out"
check "arping sees our MAC" grep -qi "$(gw_mac)" <<<"$out"

for size in 56 1400; do
	out=$(peer ping -n -q -c 1000 -i 0.002 -W 2 -s "$size" -p a55a0ff0 \
		"$GW_IP" 2>&1)
	echo "$out" | tail -2
	check "ping -s $size: 1000 of 1000 answered" \
		grep -q "1000 packets transmitted, 1000 received, 0% packet loss" \
		<<<"$out"
	# ping checks every byte of every reply against its pattern.
	check "ping -s $size: payload intact" \
		bash -c "! grep -q 'wrong data byte' <<<\"\$1\"" _ "$out"
done

check "2000 echo replies counted" test "$(gw_stat icmp_echo_replies)" -ge 2000
check "no checksum drops" test "$(gw_stat drop_ip_cksum)" -eq 0
check "no tx drops" test "$(gw_stat drop_tx_full)" -eq 0
check "ARP requests answered" test "$(gw_stat arp_tx_replies)" -ge 3

gw_stop
rc=$?
check "SIGTERM: exit 0 within 1 s" test "$rc" -eq 0
check "stopped cleanly" grep -q '^wsgw: stopped' "$GW_LOG"
check "statistics socket removed" test ! -e "$STATS_SOCK"
rig_finish
