'use strict';
// Node.js functions run by `wsgw serve` (issue 16), reached the way users reach them: the real
// `wsgw` executable with a config from fixtures/node/, and `ws` clients over wss:// and ws://.
// The functions build the management endpoint from the event (`https://${domainName}/${stage}`
// in SDK v3, `domainName + '/' + stage` in SDK v2), so for both schemes that recipe must lead
// them to wsgw's TLS listener, whose certificate they trust. Each app: two clients, a
// broadcast, a stale id deleted after its 410; the server stops cleanly.
// Run: WSGW_BIN=/path/to/wsgw node --test node_functions.test.js  (or ctest -L clients)

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const h = require('./helpers.js'); // throws a clear error if node_modules is missing
const { PutItemCommand, GetItemCommand } = require('@aws-sdk/client-dynamodb');

const TIMEOUT = { timeout: 60000 };
const SOURCE = process.env.WSGW_SOURCE_DIR || path.resolve(__dirname, '../..');
const STALE = 'AAAAAAAAAAAAAAA=';
const COLD_START_MS = 20000; // a first invocation starts node and loads the SDK

async function chat(t, app, scheme) {
  const config = path.join(SOURCE, 'fixtures', 'node', `${app}.json`);
  assert.ok(fs.existsSync(path.join(SOURCE, 'fixtures', 'node', 'node_modules')),
            'fixtures/node/node_modules is missing: run `make test` (it runs npm ci there)');
  // No --tls-port: a config with Node functions gets a TLS listener by itself.
  const server = await h.startServer({ config, tls: true });
  const ddb = h.dynamoClient(server);
  const sockets = [];
  t.after(async () => {
    await Promise.all(sockets.map((ws) => h.closeWs(ws)));
    ddb.destroy();
    const { code, signal } = await server.stop();
    if (code !== 0)
      throw new Error(`wsgw exited with code ${code} signal ${signal}\n${server.stderr()}`);
  });
  const ca = fs.readFileSync(server.certPath);
  const url = scheme === 'wss' ? `${server.wssBase}/dev` : server.wsUrl;
  const open = async () => {
    const ws = await h.connectWs(url, { ca, timeoutMs: COLD_START_MS });
    sockets.push(ws);
    return ws;
  };
  const a = await open();
  const b = await open();
  await ddb.send(new PutItemCommand({ TableName: 'Connections', Item: { id: { S: STALE } } }));
  a.send(JSON.stringify({ action: 'sendmessage', data: `hello over ${scheme}` }));
  for (const ws of [a, b])
    await ws.waitForMessage((d) => d === `hello over ${scheme}`, { timeoutMs: COLD_START_MS });
  await h.waitUntil(async () => {
    const out = await ddb.send(new GetItemCommand({
      TableName: 'Connections', Key: { id: { S: STALE } }, ConsistentRead: true }));
    return !out.Item;
  }, { what: 'the stale id deleted after its 410', timeoutMs: COLD_START_MS });
  assert.doesNotMatch(server.stderr(), /Invoke Error/, 'no function failed');
}

describe('Node.js functions under wsgw serve', () => {
  for (const app of ['v2-chat', 'v3-chat', 'ts-chat']) {
    test(`the ${app} app broadcasts to clients that came over wss://`, TIMEOUT,
         (t) => chat(t, app, 'wss'));
  }
  test('the v2-chat app broadcasts to clients that came over ws://', TIMEOUT,
       (t) => chat(t, 'v2-chat', 'ws'));
});
