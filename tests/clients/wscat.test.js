'use strict';
// wscat (npm) against the emulator, as users try it by hand: the echo route
// answers, the chat broadcasts to a second client, and a message that
// matches no route gets API Gateway's Forbidden frame.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { startServer, connectWs, closeWs } = require('./helpers');

const WSCAT = path.join(__dirname, 'node_modules', '.bin', 'wscat');
let server;
before(async () => { server = await startServer(); });
after(async () => { if (server) await server.stop(); });

/* Runs wscat: connect, send each message, wait a second, and return what
 * came back. Off a terminal wscat prints each received message on a line of
 * its own, and quits when its stdin ends, so stdin stays open until it exits. */
function wscat(url, messages) {
  const args = ['-c', url];
  for (const m of messages) args.push('-x', m);
  args.push('-w', '1');
  return new Promise((resolve, reject) => {
    const child = spawn(WSCAT, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 20000);
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code) => {
      clearTimeout(timer);
      child.stdin.destroy();
      if (code === 0) resolve(stdout);
      else reject(new Error(`wscat exited ${code}\n${stdout}\n${stderr}`));
    });
  });
}

test('wscat gets the echo route\'s answer', async () => {
  const out = await wscat(server.wsUrl, ['{"action":"echo","n":1}']);
  assert.match(out, /^\{"action":"echo","n":1\}$/m);
});

test('wscat\'s sendmessage reaches another client', async () => {
  const other = await connectWs(server.wsUrl);
  try {
    await wscat(server.wsUrl, ['{"action":"sendmessage","data":"hi from wscat"}']);
    assert.equal((await other.waitForMessage()).data, 'hi from wscat');
  } finally {
    await closeWs(other);
  }
});

test('an unrouted message gets the Forbidden frame', async () => {
  const out = await wscat(server.wsUrl, ['{"action":"nope"}']);
  assert.match(out, /^\{"message": "Forbidden", "connectionId":"[A-Za-z0-9_-]{15}=", "requestId":"[A-Za-z0-9_-]{15}="\}$/m);
});
