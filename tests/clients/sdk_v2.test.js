'use strict';
// The AWS SDK for JavaScript v2 (`aws-sdk`: AWS.DynamoDB, AWS.DynamoDB.DocumentClient,
// AWS.ApiGatewayManagementApi) against a real wsgw process running
// fixtures/chat-app.json. Many existing Lambda handlers (the classic chat
// examples among them) still use v2 and check errors by `err.code` and
// `err.statusCode === 410`, so those are what is asserted here.
// Every test starts its own server (in memory) and cleans up through t.after.
// Run: WSGW_BIN=/path/to/wsgw node --test sdk_v2.test.js  (or ctest -L clients)

// v2 prints an end-of-support notice (a process warning) after it is loaded;
// this variable, read when the notice would be emitted, turns it off.
process.env.AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE = '1';

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

if (!fs.existsSync(path.join(__dirname, 'node_modules', 'aws-sdk'))) {
  throw new Error(
    'tests/clients: the npm package aws-sdk (v2) is not installed. Run `make test` from the ' +
    'repository root (it runs `npm ci` in tests/clients), or `cd tests/clients && npm ci`.');
}
const AWS = require('aws-sdk');

const TIMEOUT = { timeout: 30000 };

function v2Common() {
  return {
    region: h.REGION,
    credentials: new AWS.Credentials(h.CREDENTIALS.accessKeyId, h.CREDENTIALS.secretAccessKey),
    maxRetries: 0,
  };
}

// Runs fn, which must reject; returns the error.
// All ids in table Connections, read with the v2 client (consistent, all pages).
async function connectionIds(ddb) {
  const ids = [];
  let start;
  do {
    const out = await ddb.scan({
      TableName: 'Connections', ConsistentRead: true, ExclusiveStartKey: start }).promise();
    for (const item of out.Items || [])
      if (item.id && item.id.S !== undefined) ids.push(item.id.S);
    start = out.LastEvaluatedKey;
  } while (start);
  return ids;
}

// One fresh server plus v2 clients; sockets and the server are cleaned up by t.after.
async function setup(t) {
  const server = await h.startServer();
  const ddb = new AWS.DynamoDB({ ...v2Common(), endpoint: server.baseUrl });
  const doc = new AWS.DynamoDB.DocumentClient({ service: ddb });
  // What a handler builds from requestContext: https://{domainName}/{stage}.
  const mgmt = new AWS.ApiGatewayManagementApi({
    ...v2Common(), apiVersion: '2018-11-29', endpoint: server.managementEndpoint });
  const sockets = [];
  t.after(async () => {
    await Promise.all(sockets.map((ws) => h.closeWs(ws)));
    const { code, signal } = await server.stop();
    if (code !== 0)
      throw new Error(`wsgw exited with code ${code} signal ${signal} after SIGTERM\n` +
                      `stderr:\n${server.stderr()}`);
  });
  return {
    server, ddb, doc, mgmt,
    // Opens a client and learns its connection id (the one $connect added to Connections).
    connect: async () => {
      const before = new Set(await connectionIds(ddb));
      const ws = await h.connectWs(server.wsUrl);
      sockets.push(ws);
      const fresh = await h.waitUntil(async () => {
        const now = (await connectionIds(ddb)).filter((id) => !before.has(id));
        return now.length === 1 ? now : null;
      }, { what: 'the new connection id in table Connections' });
      ws.connectionId = fresh[0];
      return ws;
    },
  };
}

// A table with a partition key and a sort key, created through v2.
async function createThreadTable(ddb) {
  const out = await ddb.createTable({
    TableName: 'Messages',
    AttributeDefinitions: [
      { AttributeName: 'room', AttributeType: 'S' },
      { AttributeName: 'ts', AttributeType: 'N' },
    ],
    KeySchema: [
      { AttributeName: 'room', KeyType: 'HASH' },
      { AttributeName: 'ts', KeyType: 'RANGE' },
    ],
    BillingMode: 'PAY_PER_REQUEST',
  }).promise();
  return out;
}

describe('wsgw with the AWS SDK for JavaScript v2 (aws-sdk)', { concurrency: true }, () => {

  test('AWS.DynamoDB: createTable, listTables, putItem, getItem, query, updateItem', TIMEOUT, async (t) => {
    const { ddb } = await setup(t);

    const created = await createThreadTable(ddb);
    assert.equal(created.TableDescription.TableName, 'Messages');
    assert.deepEqual(created.TableDescription.KeySchema, [
      { AttributeName: 'room', KeyType: 'HASH' }, { AttributeName: 'ts', KeyType: 'RANGE' }]);

    const tables = await ddb.listTables({}).promise();
    assert.deepEqual([...tables.TableNames].sort(), ['Connections', 'Messages']);

    for (const [room, ts, text] of [['general', 1, 'one'], ['general', 2, 'two'],
                                    ['general', 3, 'three'], ['random', 1, 'other room']]) {
      await ddb.putItem({ TableName: 'Messages', Item: {
        room: { S: room }, ts: { N: String(ts) }, text: { S: text },
        meta: { M: { len: { N: String(text.length) }, tags: { SS: ['a', 'b'] } } } } }).promise();
    }

    const got = await ddb.getItem({ TableName: 'Messages', ConsistentRead: true,
      Key: { room: { S: 'general' }, ts: { N: '2' } } }).promise();
    assert.equal(got.Item.text.S, 'two');
    assert.equal(got.Item.meta.M.len.N, '3');
    assert.deepEqual([...got.Item.meta.M.tags.SS].sort(), ['a', 'b']);

    const none = await ddb.getItem({ TableName: 'Messages',
      Key: { room: { S: 'general' }, ts: { N: '99' } } }).promise();
    assert.equal(none.Item, undefined, 'getItem of an absent key has no Item');

    const q = await ddb.query({
      TableName: 'Messages',
      KeyConditionExpression: 'room = :r AND ts >= :from',
      ExpressionAttributeValues: { ':r': { S: 'general' }, ':from': { N: '2' } },
      ScanIndexForward: false,
    }).promise();
    assert.equal(q.Count, 2);
    assert.deepEqual(q.Items.map((it) => it.ts.N), ['3', '2'], 'descending by sort key');
    assert.deepEqual(q.Items.map((it) => it.text.S), ['three', 'two']);

    const up = await ddb.updateItem({
      TableName: 'Messages',
      Key: { room: { S: 'general' }, ts: { N: '1' } },
      UpdateExpression: 'SET #t = :t, edits = if_not_exists(edits, :zero) + :one',
      ExpressionAttributeNames: { '#t': 'text' },
      ExpressionAttributeValues: { ':t': { S: 'one (edited)' }, ':zero': { N: '0' }, ':one': { N: '1' } },
      ReturnValues: 'ALL_NEW',
    }).promise();
    assert.equal(up.Attributes.text.S, 'one (edited)');
    assert.equal(up.Attributes.edits.N, '1');
    const after = await ddb.getItem({ TableName: 'Messages', ConsistentRead: true,
      Key: { room: { S: 'general' }, ts: { N: '1' } } }).promise();
    assert.equal(after.Item.text.S, 'one (edited)');
    assert.equal(after.Item.edits.N, '1');
  });

  test('DocumentClient: put/get/query/update with plain values, nested maps and sets', TIMEOUT, async (t) => {
    const { ddb, doc } = await setup(t);
    await createThreadTable(ddb);

    const item = {
      room: 'general',
      ts: 10,
      text: 'hello',
      score: 12.25,
      active: true,
      nothing: null,
      author: { name: 'Ada', address: { city: 'London', zip: 12345 }, langs: ['c', 'js'] },
      tags: doc.createSet(['red', 'green']),
      lucky: doc.createSet([7, 13]),
    };
    await doc.put({ TableName: 'Messages', Item: item }).promise();
    await doc.put({ TableName: 'Messages', Item: { room: 'general', ts: 11, text: 'world' } }).promise();

    const got = await doc.get({ TableName: 'Messages', Key: { room: 'general', ts: 10 },
                                ConsistentRead: true }).promise();
    const it = got.Item;
    assert.equal(it.room, 'general');
    assert.equal(it.ts, 10);
    assert.equal(it.score, 12.25);
    assert.equal(it.active, true);
    assert.equal(it.nothing, null);
    assert.deepEqual(it.author, item.author);
    // Sets come back as DynamoDBSet objects (type + values).
    assert.equal(it.tags.type, 'String');
    assert.deepEqual([...it.tags.values].sort(), ['green', 'red']);
    assert.equal(it.lucky.type, 'Number');
    assert.deepEqual([...it.lucky.values].sort((a, b) => a - b), [7, 13]);

    const q = await doc.query({
      TableName: 'Messages',
      KeyConditionExpression: 'room = :r AND ts BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':r': 'general', ':a': 10, ':b': 11 },
    }).promise();
    assert.deepEqual(q.Items.map((x) => [x.ts, x.text]), [[10, 'hello'], [11, 'world']]);

    const up = await doc.update({
      TableName: 'Messages',
      Key: { room: 'general', ts: 10 },
      UpdateExpression: 'SET author.address.city = :c, score = score + :d ADD tags :more',
      ExpressionAttributeValues: { ':c': 'Paris', ':d': 0.75, ':more': doc.createSet(['blue']) },
      ReturnValues: 'UPDATED_NEW',
    }).promise();
    assert.equal(up.Attributes.author.address.city, 'Paris');
    assert.equal(up.Attributes.score, 13);
    assert.deepEqual([...up.Attributes.tags.values].sort(), ['blue', 'green', 'red']);

    const again = await doc.get({ TableName: 'Messages', Key: { room: 'general', ts: 10 },
                                  ConsistentRead: true }).promise();
    assert.deepEqual(again.Item.author,
                     { ...item.author, address: { city: 'Paris', zip: 12345 } });
    assert.equal(again.Item.score, 13);
  });

  test('errors by err.code: ResourceNotFound, ConditionalCheckFailed, Validation', TIMEOUT, async (t) => {
    const { ddb, doc } = await setup(t);

    const notFound = await h.rejection(() => ddb.getItem({
      TableName: 'NoSuchTable', Key: { id: { S: 'x' } } }).promise());
    assert.equal(notFound.code, 'ResourceNotFoundException', String(notFound));
    assert.equal(notFound.statusCode, 400);
    assert.equal(notFound.retryable, false);

    const invalid = await h.rejection(() => ddb.putItem({
      TableName: 'Connections', Item: { notTheKey: { S: 'x' } } }).promise());
    assert.equal(invalid.code, 'ValidationException', String(invalid));
    assert.equal(invalid.message,
                 'One or more parameter values were invalid: Missing the key id in the item');
    assert.equal(invalid.statusCode, 400);

    await doc.put({ TableName: 'Connections', Item: { id: 'exists', v: 1 } }).promise();
    const failed = await h.rejection(() => doc.put({
      TableName: 'Connections',
      Item: { id: 'exists', v: 2 },
      ConditionExpression: 'attribute_not_exists(id)',
    }).promise());
    assert.equal(failed.code, 'ConditionalCheckFailedException', String(failed));
    assert.equal(failed.statusCode, 400);
    // The failed put changed nothing.
    const out = await doc.get({ TableName: 'Connections', Key: { id: 'exists' },
                                ConsistentRead: true }).promise();
    assert.deepEqual(out.Item, { id: 'exists', v: 1 });
  });

  test('postToConnection delivers the data to the WebSocket client', TIMEOUT, async (t) => {
    const { mgmt, connect } = await setup(t);
    const ws = await connect();
    await mgmt.postToConnection({ ConnectionId: ws.connectionId, Data: 'hello from v2' }).promise();
    assert.equal((await ws.waitForMessage()).data, 'hello from v2');

    // A Buffer, as handlers often pass JSON.stringify(...) or Buffer.from(...).
    await mgmt.postToConnection({ ConnectionId: ws.connectionId,
                                  Data: Buffer.from('{"k":"v","n":1}') }).promise();
    assert.equal((await ws.waitForMessage(undefined, { from: 1 })).data, '{"k":"v","n":1}');
  });

  test('postToConnection to an unknown id: err.code GoneException, err.statusCode 410', TIMEOUT, async (t) => {
    const { mgmt } = await setup(t);
    const err = await h.rejection(() => mgmt.postToConnection({
      ConnectionId: 'Zm9vYmFyYmF6cXV1eA=', Data: 'nobody home' }).promise());
    assert.equal(err.code, 'GoneException', `${err.code}: ${err.message}`);
    // What the classic chat handlers test: `if (e.statusCode === 410)`.
    assert.equal(err.statusCode, 410);
  });

  test('getConnection on a live id; deleteConnection closes the client with 1000', TIMEOUT, async (t) => {
    const { ddb, mgmt, connect } = await setup(t);
    const before = Date.now();
    const ws = await connect();
    const id = ws.connectionId;

    const info = await mgmt.getConnection({ ConnectionId: id }).promise();
    assert.ok(info.ConnectedAt instanceof Date, `ConnectedAt ${info.ConnectedAt} is a Date`);
    assert.ok(info.ConnectedAt.getTime() >= before - 2000 &&
              info.ConnectedAt.getTime() <= Date.now() + 2000,
              `ConnectedAt ${info.ConnectedAt.toISOString()} is about now`);
    assert.equal(info.Identity.SourceIp, '127.0.0.1');

    await mgmt.deleteConnection({ ConnectionId: id }).promise();
    const { code } = await ws.waitForClose();
    assert.equal(code, 1000);
    await h.waitUntil(async () => !(await connectionIds(ddb)).includes(id),
                      { what: `${id} to disappear from Connections ($disconnect)` });

    const gone = await h.rejection(() => mgmt.getConnection({ ConnectionId: id }).promise());
    assert.equal(gone.code, 'GoneException', `${gone.code}: ${gone.message}`);
    assert.equal(gone.statusCode, 410);
  });
});
