'use strict';
// tests/sdk/chat_once.js URL LOG: one chat round trip against a `wsgw serve`
// whose chat functions are a bootstrap built against the installed SDK (run
// as provided.al2023 functions): the WebSocket opens ($connect stored the
// connection id in DynamoDB), {"action":"sendmessage","data":"hello"} comes
// back as "hello" (sendmessage scanned the table and posted to each id
// through @connections), and the client closes normally. Each step has a
// deadline. Exits 0, or 1 with the step that failed and wsgw's last lines.
const fs = require('node:fs');
const path = require('node:path');
const WebSocket = require(path.join(__dirname, '..', 'clients', 'node_modules', 'ws'));

const [url, logPath] = process.argv.slice(2);
const DEADLINE_MS = 10000;

function fail(what) {
  console.error(`chat_once: FAIL: ${what}`);
  try {
    console.error('--- wsgw stderr ---\n' + fs.readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n'));
  } catch (e) { /* no log */ }
  process.exit(1);
}

const timer = setTimeout(() => fail('no answer within the deadline'), DEADLINE_MS);
const ws = new WebSocket(url);
ws.on('unexpected-response', (req, res) => fail(`$connect answered ${res.statusCode}`));
ws.on('error', (e) => fail(`WebSocket error: ${e.message}`));
ws.on('open', () => ws.send(JSON.stringify({ action: 'sendmessage', data: 'hello' })));
ws.on('message', (m) => {
  if (m.toString() !== 'hello') fail(`expected "hello", got "${m}"`);
  ws.close(1000);
});
ws.on('close', (code) => {
  clearTimeout(timer);
  if (code !== 1000) fail(`closed with ${code}`);
  console.log('chat_once: ok ($connect, sendmessage posted back, close)');
  process.exit(0);
});
