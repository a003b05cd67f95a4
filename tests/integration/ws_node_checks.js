// WebSocket checks against the gateway with node's ws (from npm):
//   node ws_node_checks.js HOST PORT
// Prints "ok NAME" / "fail NAME: why" per check and a summary line; exits
// 1 on a failure. Every wait is bounded.
'use strict';
const WebSocket = require('ws');
const crypto = require('crypto');

const [host, port] = [process.argv[2], Number(process.argv[3])];
const url = `ws://${host}:${port}/echo`;
const TIMEOUT = 20000;
let oks = 0, fails = 0;

function record(name, ok, why) {
  if (ok) { oks++; console.log(`ok ${name}`); } else { fails++; console.log(`fail ${name}: ${why}`); }
}

function open(opts) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, Object.assign({ maxPayload: 0 }, opts || {}));
    const t = setTimeout(() => reject(new Error('open timeout')), TIMEOUT);
    ws.once('open', () => { clearTimeout(t); resolve(ws); });
    ws.once('error', (e) => { clearTimeout(t); reject(e); });
  });
}

function next(ws) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('message timeout')), TIMEOUT);
    ws.once('message', (data, isBinary) => { clearTimeout(t); resolve({ data, isBinary }); });
  });
}

function closed(ws) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('close timeout')), TIMEOUT);
    ws.once('close', (code, reason) => { clearTimeout(t); resolve({ code, reason: reason.toString() }); });
  });
}

async function main() {
  let ws = await open();
  const bad = [];
  for (const n of [0, 1, 125, 126, 65535, 65536, 300000, 1 << 20]) {
    const bin = crypto.randomBytes(n);
    ws.send(bin);
    let m = await next(ws);
    if (!m.isBinary || !Buffer.from(m.data).equals(bin)) bad.push(`binary ${n}`);
    const text = 'é中😀abc'.repeat(Math.floor(n / 16));
    ws.send(text);
    m = await next(ws);
    if (m.isBinary || m.data.toString() !== text) bad.push(`text ${n}`);
  }
  record('node ws: echo of text and binary, 0 B to 1 MiB', bad.length === 0, bad.join(','));

  // Fragments sent with fin: false come back as one message.
  ws.send('part1-', { fin: false });
  ws.send('part2-', { fin: false });
  ws.send('end', { fin: true });
  let m = await next(ws);
  record('node ws: fragmented message echoed whole', m.data.toString() === 'part1-part2-end', m.data.toString());

  const pong = new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('pong timeout')), TIMEOUT);
    ws.once('pong', (d) => { clearTimeout(t); resolve(d.toString()); });
  });
  ws.ping('node-ping');
  record('node ws: ping answered by pong with its payload', (await pong) === 'node-ping', 'other payload');

  const done = closed(ws);
  ws.close(4001, 'app says bye');
  const c = await done;
  record('node ws: close code 4001 echoed', c.code === 4001, `code ${c.code}`);

  // Invalid UTF-8 in a text frame: node sends the bytes as they are.
  ws = await open();
  let d = closed(ws);
  ws.send(Buffer.from([0x66, 0xff, 0x6f]), { binary: false });
  let cc = await d;
  record('node ws: invalid UTF-8 closed with 1007', cc.code === 1007, `code ${cc.code}`);

  ws = await open();
  d = closed(ws);
  ws.send(Buffer.alloc((1 << 20) + 10));
  cc = await d;
  record('node ws: oversized message closed with 1009', cc.code === 1009, `code ${cc.code}`);

  // Subprotocol offered on a route without any: none selected.
  ws = await open({ protocol: undefined });
  record('node ws: no subprotocol when the route has none', ws.protocol === '', ws.protocol);
  d = closed(ws);
  ws.close(1000);
  cc = await d;
  record('node ws: close 1000', cc.code === 1000, `code ${cc.code}`);
}

main().catch((e) => record('node ws run', false, e.message)).finally(() => {
  console.log(`ws_node_checks: ${oks} ok, ${fails} failed`);
  process.exit(fails ? 1 : 0);
});
