'use strict';
// tests/sdk/reload.js URL LOG: one WebSocket client stays connected to a
// `wsgw serve --handlers libchatlib.so` while the library is rebuilt under
// it (issue 15's acceptance). Steps, each with a deadline:
//   1. connect, send {"action":"sendmessage","data":"one"}: the chat code
//      (v1) posts "one" back;
//   2. run $REBUILD_V2 (the library rebuilt with a sendmessage that posts
//      "v2"), wait for wsgw's reload line in LOG, send "two": "v2" comes back;
//   3. run $REBUILD_BROKEN (a library that cannot load), wait for the failed
//      reload line, send "three": still "v2" (the old code serves);
//   4. run $REBUILD_MISSING (a library without chatlib.sendmessage), the same;
//   5. the client saw no close and no error; it closes normally.
// Exits 0, or 1 with the step that failed.
const fs = require('node:fs');
const path = require('node:path');
const { execSync } = require('node:child_process');
const WebSocket = require(path.join(__dirname, '..', 'clients', 'node_modules', 'ws'));

const [url, logPath] = process.argv.slice(2);
const DEADLINE_MS = 10000;
const received = [];
let waiter = null;
let closed = null;

function fail(what) {
  console.error(`reload: FAIL: ${what}`);
  try {
    console.error('--- wsgw stderr ---\n' + fs.readFileSync(logPath, 'utf8').split('\n').slice(-20).join('\n'));
  } catch (e) { /* no log */ }
  process.exit(1);
}

function nextMessage(what) {
  if (received.length) return Promise.resolve(received.shift());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { waiter = null; reject(new Error(`no message: ${what}`)); }, DEADLINE_MS);
    waiter = (m) => { clearTimeout(timer); waiter = null; resolve(m); };
  });
}

function logText() {
  return fs.readFileSync(logPath, 'utf8');
}

// Waits until LOG has a line matching re after its first `from` characters.
async function waitForLog(re, from, what) {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    const hit = logText().slice(from).split('\n').find((l) => re.test(l));
    if (hit) return hit;
    if (Date.now() > end) fail(`no log line ${re} after ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function roundTrip(data, expect, what) {
  ws.send(JSON.stringify({ action: 'sendmessage', data }));
  let got;
  try {
    got = await nextMessage(what);
  } catch (e) {
    fail(e.message);
  }
  if (got !== expect) fail(`${what}: expected "${expect}", got "${got}"`);
  console.log(`reload: ${what}: "${got}"`);
}

async function rebuild(env, okRe, what) {
  const from = logText().length;
  try {
    execSync(process.env[env], { stdio: ['ignore', 'ignore', 'inherit'], shell: '/bin/sh' });
  } catch (e) {
    fail(`${env} (${process.env[env]}) failed`);
  }
  const line = await waitForLog(okRe, from, what);
  console.log(`reload: ${what}: wsgw said: ${line.trim()}`);
}

const ws = new WebSocket(url);
ws.on('message', (m) => {
  const s = m.toString();
  if (waiter) waiter(s); else received.push(s);
});
ws.on('close', (code, reason) => { closed = `${code} ${reason}`; });
ws.on('error', (e) => fail(`WebSocket error: ${e.message}`));

ws.on('open', async () => {
  await roundTrip('one', 'one', 'the first build runs');
  await rebuild('REBUILD_V2', /reloaded .*libchatlib\.so/, 'a rebuild');
  await roundTrip('two', 'v2', 'after the rebuild the same client runs the new code');
  await rebuild('REBUILD_BROKEN', /libchatlib\.so.*(failed|keeping)/, 'a broken rebuild');
  await roundTrip('three', 'v2', 'after a broken rebuild the old code still serves');
  await rebuild('REBUILD_MISSING', /libchatlib\.so.*(failed|keeping)/, 'a rebuild without chatlib.sendmessage');
  await roundTrip('four', 'v2', 'after a rebuild missing a routed name the old code still serves');
  if (closed) fail(`the client was closed: ${closed}`);
  ws.close(1000);
  ws.on('close', (code) => {
    if (code !== 1000) fail(`closing ended with ${code}`);
    console.log('reload: ok (one connection throughout, no close, no error)');
    process.exit(0);
  });
});
