#!/usr/bin/env bash
# wsgw's command line: --help, bad options and bad configuration files exit
# 2 with a message naming the option or the key and its line; start-up
# failures (no port, too few queues) exit 1 with a message saying what to do.
set -u
. "$(dirname "$0")/rig.sh"
rig_up

EAL="-l 0 $GW_EAL_MEM --no-pci --file-prefix wsgw$RIG_ID --log-level lib.eal:error"

run() {   # run EXPECTED_RC PATTERN wsgw-args...
	local want=$1 pattern=$2 out rc
	shift 2
	out=$("$WSGW" "$@" 2>&1)
	rc=$?
	check "wsgw $* -> exit $want" test "$rc" -eq "$want"
	check "wsgw $* -> says '$pattern'" grep -qF -- "$pattern" <<<"$out"
}

run 0 "--addr IP/PREFIX" -- --help
run 0 "wsgw 0." -- --version
run 2 "unknown option '--bogus'" -- --bogus
run 2 "option --addr: '10.0.0.1' is not IP/PREFIX" -- --addr 10.0.0.1
run 2 "option --config needs a value" -- --config

bad=$RIG_TMP/bad.conf
printf 'ip = { ttl = 64; };\n\narp = {\n  entrys = 64;\n};\n' >"$bad"
run 2 "$bad:4: key 'arp.entrys': unknown key; valid keys here: entries" \
	-- --config "$bad"
printf 'ports = ( { addr = "198.18.0.1/24"; gateway = "nowhere"; } );\n' >"$bad"
run 2 "$bad:1: key 'ports[0].gateway': expected an IPv4 address" \
	-- --config "$bad"
printf 'dataplane = { rx_desc = 5; };\n' >"$bad"
run 2 "key 'dataplane.rx_desc': expected an integer from 64 to 32768" \
	-- --config "$bad"
run 2 "$RIG_TMP/none.conf: cannot read the file" -- --config "$RIG_TMP/none.conf"

# --dump-config prints a file that wsgw reads back.
"$WSGW" -- --addr 198.18.0.9/16,gw=198.18.0.254 --dump-config >"$RIG_TMP/dump.conf"
run 0 'addr = "198.18.0.9/16"; gateway = "198.18.0.254"' \
	-- --config "$RIG_TMP/dump.conf" --dump-config

# shellcheck disable=SC2086
run 1 "no DPDK port" $EAL -- --stats-sock "$STATS_SOCK"
# shellcheck disable=SC2086
ip netns exec "$NS_GW" "$WSGW" -l 0,1 $GW_EAL_MEM --no-pci \
	--file-prefix "wsgw$RIG_ID" --log-level lib.eal:error \
	--vdev "net_af_packet0,iface=$VETH_GW,qpairs=1" \
	-- --stats-sock "$STATS_SOCK" >"$RIG_TMP/q.out" 2>&1
check "one queue for two workers -> exit 1" test $? -eq 1
check "one queue for two workers -> suggests qpairs=2" \
	grep -q "qpairs=2" "$RIG_TMP/q.out"
rig_finish
