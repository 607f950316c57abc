'use strict';
// docker_e2e.js - the chat end-to-end check against a wsgw that is already
// running (the container of `make docker-check`, .ci/docker-check.sh), with the
// bundled chat app (fixtures/chat-app.json):
//   - GET / is the health answer, on http:// and (with --tls) on https://;
//   - two `ws` clients connect to /dev; one `sendmessage` reaches both;
//   - a stale id put into table Connections is deleted by that broadcast,
//     after its 410 GoneException, and the live ids stay;
//   - DynamoDB calls from the AWS SDK v3 work (Scan, PutItem, ListTables...);
//   - the clients close and $disconnect removes their ids;
//   - --put VALUE stores VALUE in table DockerCheck (created if missing);
//     --expect VALUE reads it back (data that must survive a restart);
//   - --table NAME: ListTables also lists NAME (a table of the config in use).
//
// Usage: node docker_e2e.js --base http://127.0.0.1:PORT [--tls https://127.0.0.1:PORT]
//                           [--put VALUE | --expect VALUE] [--table NAME]
// Exits 0 when every check passes; otherwise prints the failure and exits 1.
// Every wait has a deadline (helpers.js).

const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const https = require('node:https');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

const {
  ListTablesCommand, PutItemCommand, GetItemCommand, CreateTableCommand, DescribeTableCommand,
  ResourceInUseException,
} = require('@aws-sdk/client-dynamodb');

const STEP_MS = 15000;
const MARKER_TABLE = 'DockerCheck';

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const name = { '--base': 'base', '--tls': 'tls', '--put': 'put', '--expect': 'expect',
                   '--table': 'table' }[argv[i]];
    if (!name || i + 1 >= argv.length)
      throw new Error('usage: docker_e2e.js --base URL [--tls URL] [--put V | --expect V] ' +
                      `[--table NAME]` +
                      ` (bad argument ${JSON.stringify(argv[i])})`);
    out[name] = argv[++i];
  }
  if (!out.base)
    throw new Error('docker_e2e.js: --base http://HOST:PORT is required');
  return out;
}

function step(what) {
  process.stdout.write(`docker_e2e: ${what}\n`);
}

// GET url (https: any certificate: wsgw's is self-signed) -> { status, body }.
function get(url) {
  if (url.startsWith('http:'))
    return h.withDeadline(fetch(url).then(async (r) => ({ status: r.status, body: await r.text() })),
                          STEP_MS, `GET ${url}`);
  return h.withDeadline(new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, body }));
    }).on('error', reject);
  }), STEP_MS, `GET ${url}`);
}

async function chat(server, ddb) {
  const sockets = [];
  try {
    step('two clients connect to /dev');
    const alice = await h.connectAndIdentify(server, ddb, { timeoutMs: STEP_MS });
    sockets.push(alice);
    const bob = await h.connectAndIdentify(server, ddb, { timeoutMs: STEP_MS });
    sockets.push(bob);
    assert.notEqual(alice.connectionId, bob.connectionId);

    // An id of a connection that no longer exists, as a crashed client leaves
    // (16 characters like wsgw's ids; letters and digits: no '/' in the path).
    const stale = `${crypto.randomBytes(12).toString('hex').slice(0, 15)}=`;
    await ddb.send(new PutItemCommand({ TableName: 'Connections', Item: { id: { S: stale } } }));
    assert.ok((await h.connectionIds(ddb)).includes(stale), 'the stale id is in Connections');

    step('one sendmessage reaches both clients');
    const text = `hello from docker ${crypto.randomBytes(4).toString('hex')}`;
    alice.send(JSON.stringify({ action: 'sendmessage', data: text }));
    await Promise.all([
      alice.waitForMessage((d) => d === text, { timeoutMs: STEP_MS }),
      bob.waitForMessage((d) => d === text, { timeoutMs: STEP_MS }),
    ]);

    step('the stale id got 410 and was deleted; the live ids stay');
    await h.waitUntil(async () => !(await h.connectionIds(ddb)).includes(stale),
                      { timeoutMs: STEP_MS, what: `stale id ${stale} to leave Connections` });
    const ids = await h.connectionIds(ddb);
    assert.ok(ids.includes(alice.connectionId) && ids.includes(bob.connectionId),
              `both live ids are still in Connections: ${JSON.stringify(ids)}`);

    step('the clients close; $disconnect removes their ids');
    await Promise.all(sockets.map((ws) => h.closeWs(ws)));
    await h.waitUntil(async () => {
      const now = await h.connectionIds(ddb);
      return !now.includes(alice.connectionId) && !now.includes(bob.connectionId);
    }, { timeoutMs: STEP_MS, what: 'both ids to leave Connections ($disconnect)' });
  } finally {
    for (const ws of sockets)
      ws.terminate();
  }
}

async function putMarker(ddb, value) {
  try {
    await ddb.send(new CreateTableCommand({
      TableName: MARKER_TABLE, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'k', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'k', KeyType: 'HASH' }] }));
  } catch (err) {
    if (!(err instanceof ResourceInUseException))
      throw err;
  }
  await h.waitUntil(async () => (await ddb.send(new DescribeTableCommand({
    TableName: MARKER_TABLE }))).Table.TableStatus === 'ACTIVE',
  { timeoutMs: STEP_MS, what: `table ${MARKER_TABLE} to be ACTIVE` });
  await ddb.send(new PutItemCommand({
    TableName: MARKER_TABLE, Item: { k: { S: 'survivor' }, v: { S: value } } }));
  const out = await ddb.send(new GetItemCommand({
    TableName: MARKER_TABLE, Key: { k: { S: 'survivor' } }, ConsistentRead: true }));
  assert.deepEqual(out.Item && out.Item.v, { S: value }, 'the item reads back');
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const base = args.base.replace(/\/+$/, '');
  const server = { baseUrl: base, wsUrl: `${base.replace(/^http/, 'ws')}/dev` };
  const ddb = h.dynamoClient(server);
  try {
    step(`GET ${base}/ answers the health text`);
    const health = await get(`${base}/`);
    assert.equal(health.status, 200, `GET / status (body ${JSON.stringify(health.body)})`);
    assert.match(health.body, /^healthy: dynamodb\./);
    if (args.tls) {
      step(`GET ${args.tls}/ (TLS, self-signed certificate) answers too`);
      const tls = await get(`${args.tls.replace(/\/+$/, '')}/`);
      assert.equal(tls.status, 200);
      assert.match(tls.body, /^healthy: dynamodb\./);
    }

    if (args.expect !== undefined) {
      step(`the item put before the restart is still in ${MARKER_TABLE}`);
      const out = await ddb.send(new GetItemCommand({
        TableName: MARKER_TABLE, Key: { k: { S: 'survivor' } }, ConsistentRead: true }));
      assert.deepEqual(out.Item && out.Item.v, { S: args.expect },
                       `item survivor in ${MARKER_TABLE}: ${JSON.stringify(out.Item)}`);
    }

    const want = ['Connections', ...(args.table ? [args.table] : [])];
    step(`the SDK lists table${want.length > 1 ? 's' : ''} ${want.join(', ')}`);
    const tables = await ddb.send(new ListTablesCommand({}));
    for (const t of want)
      assert.ok(tables.TableNames.includes(t), `${t} in ${JSON.stringify(tables.TableNames)}`);

    await chat(server, ddb);

    if (args.put !== undefined) {
      step(`the SDK creates ${MARKER_TABLE} and puts an item that must survive a restart`);
      await putMarker(ddb, args.put);
    }
    step('passed');
  } finally {
    ddb.destroy();
  }
}

main().then(() => process.exit(0), (err) => {
  process.stderr.write(`docker_e2e: FAILED: ${err && err.stack ? err.stack : err}\n`);
  process.exit(1);
});
