'use strict';
// `wsgw serve --dynamodb-endpoint URL` (issue 18) with the real executable: wsgw A forwards every
// DynamoDB call to wsgw B, a second process acting as the external DynamoDB-compatible service.
// A runs the v3-chat Node.js functions (fixtures/node/), which reach DynamoDB over HTTP at A's
// own port, as on any wsgw: their writes must land in B. Without credentials A must refuse to
// start with one line.
// Run: WSGW_BIN=/path/to/wsgw node --test dynamodb_endpoint.test.js  (or ctest -L clients)

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');

const h = require('./helpers.js'); // throws a clear error if node_modules is missing
const { PutItemCommand, GetItemCommand, ScanCommand } = require('@aws-sdk/client-dynamodb');

const TIMEOUT = { timeout: 90000 };
const SOURCE = process.env.WSGW_SOURCE_DIR || path.resolve(__dirname, '../..');
const STALE = 'AAAAAAAAAAAAAAA=';
const COLD_START_MS = 20000; // a first invocation starts node and loads the SDK
// What A signs its calls to B with (B checks only that a signature is there).
const CREDS = { AWS_ACCESS_KEY_ID: 'AKIDWSGWTEST', AWS_SECRET_ACCESS_KEY: 'secret',
                AWS_REGION: 'us-east-1' };

// A config with no API and no table: B starts empty, and A must create the tables on it.
function emptyConfig(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsgw-ddb-endpoint-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'empty.json');
  fs.writeFileSync(file, '{"region":"us-east-1"}\n');
  return file;
}

async function stopped(server) {
  const { code, signal } = await server.stop();
  if (code !== 0)
    throw new Error(`wsgw exited with code ${code} signal ${signal}\n${server.stderr()}`);
}

describe('wsgw serve --dynamodb-endpoint', () => {
  test('Node.js functions on A keep their connections in the table on B', TIMEOUT, async (t) => {
    assert.ok(fs.existsSync(path.join(SOURCE, 'fixtures', 'node', 'node_modules')),
              'fixtures/node/node_modules is missing: run `make test` (it runs npm ci there)');
    const b = await h.startServer({ config: emptyConfig(t) });
    t.after(() => stopped(b));
    const a = await h.startServer({ config: path.join(SOURCE, 'fixtures', 'node', 'v3-chat.json'),
                                    tls: true, args: ['--dynamodb-endpoint', b.baseUrl],
                                    env: CREDS });
    t.after(() => stopped(a));
    const onB = h.dynamoClient(b);
    const sockets = [];
    t.after(async () => {
      await Promise.all(sockets.map((ws) => h.closeWs(ws)));
      onB.destroy();
    });
    const ca = fs.readFileSync(a.certPath);
    const open = async () => {
      const ws = await h.connectWs(`${a.wssBase}/dev`, { ca, timeoutMs: COLD_START_MS });
      sockets.push(ws);
      return ws;
    };
    const x = await open();
    const y = await open();
    // The functions' $connect wrote both ids through A into B.
    const ids = await h.waitUntil(async () => {
      const out = await onB.send(new ScanCommand({ TableName: 'Connections' }));
      return out.Items.length >= 2 && out.Items.map((i) => i.id.S);
    }, { what: 'two connection ids in B\'s Connections table', timeoutMs: COLD_START_MS });
    assert.equal(ids.length, 2);
    // A stale id put into B is seen by the function on A, which deletes it after its 410.
    await onB.send(new PutItemCommand({ TableName: 'Connections', Item: { id: { S: STALE } } }));
    x.send(JSON.stringify({ action: 'sendmessage', data: 'hello via B' }));
    for (const ws of [x, y])
      await ws.waitForMessage((d) => d === 'hello via B', { timeoutMs: COLD_START_MS });
    await h.waitUntil(async () => {
      const out = await onB.send(new GetItemCommand({
        TableName: 'Connections', Key: { id: { S: STALE } }, ConsistentRead: true }));
      return !out.Item;
    }, { what: 'the stale id deleted from B after its 410', timeoutMs: COLD_START_MS });
    assert.doesNotMatch(a.stderr(), /Invoke Error/, 'no function failed');
    assert.doesNotMatch(a.stderr(), /could not reach/, 'A always reached B');
  });

  test('without AWS credentials wsgw exits 1 with one line saying which is missing', TIMEOUT,
       async () => {
    const env = { ...process.env };
    delete env.AWS_ACCESS_KEY_ID;
    delete env.AWS_SECRET_ACCESS_KEY;
    delete env.AWS_SESSION_TOKEN;
    const child = spawn(process.env.WSGW_BIN,
                        ['serve', '--in-memory', '--port', '0', '--dynamodb-endpoint',
                         'http://127.0.0.1:9'], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const { code } = await h.withDeadline(
      new Promise((resolve) => child.once('exit', (c, s) => resolve({ code: c, signal: s }))),
      10000, 'wsgw to exit');
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.equal(stderr,
                 'wsgw: --dynamodb-endpoint needs AWS credentials: AWS_ACCESS_KEY_ID is not set\n');
  });
});
