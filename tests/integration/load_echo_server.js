// A kernel-stack WebSocket echo server for wsgw-load's tests, on node's
// ws package (installed by scripts/install-deps.sh; run with NODE_PATH
// set to tests/integration/node/node_modules).
//
// Every message goes back to its sender as it came (text or binary).
// Prints "load_echo_server: listening" once it accepts, and on SIGTERM
// or SIGINT one line of totals, as load_echo_server.py does:
//   load_echo_server: conns=N msgs=N bytes=N sent=N closes=N open=N
//
// usage: node load_echo_server.js --addr IP --port N
'use strict';
const { WebSocketServer } = require('ws');

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : dflt;
}

const t = { conns: 0, msgs: 0, bytes: 0, sent: 0, closes: 0, open: 0 };
const addr = arg('--addr', '0.0.0.0');
const port = Number(arg('--port', '8765'));
const wss = new WebSocketServer({
  host: addr, port, perMessageDeflate: false, maxPayload: 64 << 20,
  backlog: 4096,
});

wss.on('connection', (ws) => {
  t.conns++;
  t.open++;
  ws.on('message', (data, isBinary) => {
    t.msgs++;
    t.bytes += data.length;
    ws.send(data, { binary: isBinary });
    t.sent++;
  });
  ws.on('close', () => {
    t.open--;
    t.closes++;
  });
  ws.on('error', () => {});
});

wss.on('listening', () => {
  console.log(`load_echo_server: listening on ${addr}:${port} mode echo`);
});

function stop() {
  wss.close();
  for (const ws of wss.clients) ws.terminate();
  console.log(`load_echo_server: conns=${t.conns} msgs=${t.msgs} ` +
    `bytes=${t.bytes} sent=${t.sent} closes=${t.closes} open=${t.open}`);
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
