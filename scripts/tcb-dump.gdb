# Print every TCP connection of worker 0 of a running wsgw, one line each
# (sequence numbers relative to the ISNs). Needs a build with symbols:
#   meson setup build-dbg -Dbuildtype=debugoptimized && ninja -C build-dbg
#   gdb -p $(pidof wsgw) -batch -x scripts/tcb-dump.gdb
set $t = dp.workers[0].ts.tcp.flows
set $i = 0
while $i <= $t.mask
  if $t.slots[$i].tcb != 0
    set $c = $t.slots[$i].tcb
    printf "%u:%u st=%d una=%u nxt=%u max=%u swnd=%u sndq=%u cwnd=%u rwnd_free=%u adv=%u flags=%x backoff=%d t_rexmt=%u ooo=%d\n", $c->rport, $c->lport, $c->state, $c->snd_una-$c->iss, $c->snd_nxt-$c->iss, $c->snd_max-$c->iss, $c->snd_wnd, $c->sndq_bytes, $c->cwnd, $c->rcv_free, $c->rcv_adv-$c->rcv_nxt, $c->flags, $c->backoff, $c->t_rexmt, $c->ooo_n
  end
  set $i = $i + 1
end
printf "wheel tick %lu\n", dp.workers[0].ts.tcp.wheel->now
