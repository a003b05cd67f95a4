// An independent WebSocket load client, for checking wsgw-load's figures
// against another instrument on the same server (bench/load_compare.sh).
// Node's ws package; nothing shared with wsgw-load but the method:
// N connections, each keeps one 64-byte binary message in flight, checks
// the echo byte for byte, for D seconds after all are open. Latency is
// the round trip from send to echo (process.hrtime).
//
// Prints one line:
//   load_client: conns=N msgs=N errors=N rate=MSG/S p50_us=X p99_us=Y
//
// usage: node load_client.js URL CONNS SECONDS [SIZE]
'use strict';
const WebSocket = require('ws');

const [url, connsArg, secsArg, sizeArg] = process.argv.slice(2);
const conns = Number(connsArg || 1);
const secs = Number(secsArg || 5);
const size = Number(sizeArg || 64);
const lat = [];
let msgs = 0;
let errors = 0;
let open = 0;
let running = false;
let t0 = 0n;

function payload(id, seq) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = (id * 31 + seq * 7 + i) & 0xff;
  return b;
}

function start(id) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  let seq = 0;
  let sent = 0n;
  let want = null;
  const send = () => {
    want = payload(id, seq++);
    sent = process.hrtime.bigint();
    ws.send(want, { binary: true });
  };
  ws.on('open', () => {
    if (++open === conns) {
      running = true;
      t0 = process.hrtime.bigint();
      setTimeout(finish, secs * 1000);
      for (const f of starters) f();
    }
  });
  ws.on('message', (data) => {
    if (!running) return;
    lat.push(Number(process.hrtime.bigint() - sent) / 1000);
    msgs++;
    if (!want.equals(data)) errors++;
    send();
  });
  ws.on('error', () => { errors++; });
  starters.push(send);
  sockets.push(ws);
}

const starters = [];
const sockets = [];

function finish() {
  running = false;
  const dt = Number(process.hrtime.bigint() - t0) / 1e9;
  lat.sort((a, b) => a - b);
  const pct = (p) => lat.length ? lat[Math.min(lat.length - 1,
    Math.ceil(p / 100 * lat.length) - 1)] : 0;
  console.log(`load_client: conns=${conns} msgs=${msgs} errors=${errors} ` +
    `rate=${(msgs / dt).toFixed(0)} p50_us=${pct(50).toFixed(1)} ` +
    `p99_us=${pct(99).toFixed(1)}`);
  for (const ws of sockets) ws.close(1000);
  setTimeout(() => process.exit(0), 200);
}

for (let i = 0; i < conns; i++) start(i);
