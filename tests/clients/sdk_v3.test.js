'use strict';
// The AWS SDK for JavaScript v3 (DynamoDB, lib-dynamodb, ApiGatewayManagementApi)
// and the `ws` client against a real wsgw process running fixtures/chat-app.json.
// Every test starts its own server (in memory) and cleans up through t.after.
// Run: WSGW_BIN=/path/to/wsgw node --test sdk_v3.test.js  (or ctest -L clients)

const { describe, test } = require('node:test');
const assert = require('node:assert/strict');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

const {
  ListTablesCommand, PutItemCommand, GetItemCommand, ScanCommand,
  ResourceNotFoundException, ConditionalCheckFailedException,
} = require('@aws-sdk/client-dynamodb');
const { PutCommand, GetCommand, UpdateCommand } = require('@aws-sdk/lib-dynamodb');
const {
  PostToConnectionCommand, GetConnectionCommand, DeleteConnectionCommand, GoneException,
} = require('@aws-sdk/client-apigatewaymanagementapi');

const TIMEOUT = { timeout: 30000 };

// Runs fn, which must reject; returns the error.
// Each test has its own server and port, so they run concurrently (stopping
// a server takes about 2 s: civetweb's mg_stop).
describe('wsgw with the AWS SDK for JavaScript v3', { concurrency: true }, () => {

  test('ListTables includes Connections', TIMEOUT, async (t) => {
    const { ddb } = await h.setup(t);
    const out = await ddb.send(new ListTablesCommand({}));
    assert.ok(Array.isArray(out.TableNames), 'TableNames is an array');
    assert.ok(out.TableNames.includes('Connections'),
              `TableNames ${JSON.stringify(out.TableNames)} includes Connections`);
  });

  test('PutItem then GetItem round-trips numbers, maps and string sets', TIMEOUT, async (t) => {
    const { ddb } = await h.setup(t);
    const item = {
      id: { S: 'item-1' },
      price: { N: '1.50' },
      count: { N: '0042' },
      nested: { M: { a: { S: 'x' }, inner: { M: { n: { N: '-7' }, ok: { BOOL: true } } },
                     list: { L: [{ S: 'l0' }, { N: '2' }, { NULL: true }] } } },
      tags: { SS: ['red', 'green', 'blue'] },
    };
    const put = await ddb.send(new PutItemCommand({ TableName: 'Connections', Item: item }));
    assert.equal(put.$metadata.httpStatusCode, 200);

    const out = await ddb.send(new GetItemCommand({
      TableName: 'Connections', Key: { id: { S: 'item-1' } }, ConsistentRead: true }));
    assert.ok(out.Item, 'GetItem returned the item');
    assert.deepEqual(out.Item.id, { S: 'item-1' });
    assert.deepEqual(out.Item.price, { N: '1.5' }, 'numbers come back normalised');
    assert.deepEqual(out.Item.count, { N: '42' });
    assert.deepEqual(out.Item.nested, item.nested);
    assert.ok(Array.isArray(out.Item.tags.SS), 'tags is a string set');
    assert.deepEqual([...out.Item.tags.SS].sort(), ['blue', 'green', 'red']);
    assert.deepEqual(Object.keys(out.Item).sort(), ['count', 'id', 'nested', 'price', 'tags']);

    const missing = await ddb.send(new GetItemCommand({
      TableName: 'Connections', Key: { id: { S: 'no-such-item' } } }));
    assert.equal(missing.Item, undefined, 'GetItem of an absent key has no Item');
  });

  test('DocumentClient put/get of a plain JavaScript object', TIMEOUT, async (t) => {
    const { doc } = await h.setup(t);
    const obj = {
      id: 'doc-1',
      name: 'Ada',
      score: 12.25,
      active: true,
      nothing: null,
      profile: { langs: ['c', 'js'], address: { city: 'London', zip: 12345 } },
      empty: {},
    };
    await doc.send(new PutCommand({ TableName: 'Connections', Item: obj }));
    const out = await doc.send(new GetCommand({
      TableName: 'Connections', Key: { id: 'doc-1' }, ConsistentRead: true }));
    assert.deepEqual(out.Item, obj);
  });

  // Issue 13 item 3: DynamoDB strings may hold U+0000. The SDK sends it as
  // \u0000 in the JSON; keys that differ after it are distinct items.
  test('DocumentClient keeps U+0000 in keys, values and attribute names', TIMEOUT, async (t) => {
    const { doc } = await h.setup(t);
    const a = { id: 'k\u0000A', v: 'one\u0000', 'n\u0000m': 'name with a NUL', n: 'prefix' };
    const b = { id: 'k\u0000B', v: 'two' };
    await doc.send(new PutCommand({ TableName: 'Connections', Item: a }));
    await doc.send(new PutCommand({ TableName: 'Connections', Item: b }));

    const gotA = await doc.send(new GetCommand({
      TableName: 'Connections', Key: { id: 'k\u0000A' }, ConsistentRead: true }));
    assert.deepEqual(gotA.Item, a, 'the first item is not overwritten by the second');
    const gotB = await doc.send(new GetCommand({ TableName: 'Connections', Key: { id: 'k\u0000B' } }));
    assert.deepEqual(gotB.Item, b);
    const prefix = await doc.send(new GetCommand({ TableName: 'Connections', Key: { id: 'k' } }));
    assert.equal(prefix.Item, undefined, '"k" alone is another key');

    const upd = await doc.send(new UpdateCommand({
      TableName: 'Connections', Key: { id: 'k\u0000B' },
      UpdateExpression: 'SET #n = :v',
      ConditionExpression: 'v = :two AND size(v) = :three',
      ExpressionAttributeNames: { '#n': 'x\u0000y' },
      ExpressionAttributeValues: { ':v': '\u0000', ':two': 'two', ':three': 3 },
      ReturnValues: 'ALL_NEW' }));
    assert.deepEqual(upd.Attributes, { ...b, 'x\u0000y': '\u0000' });
  });

  test('errors: missing table, missing key attribute, failed condition', TIMEOUT, async (t) => {
    const { ddb } = await h.setup(t);

    const notFound = await h.rejection(() => ddb.send(new GetItemCommand({
      TableName: 'NoSuchTable', Key: { id: { S: 'x' } } })));
    assert.equal(notFound.name, 'ResourceNotFoundException', String(notFound));
    assert.ok(notFound instanceof ResourceNotFoundException, 'instanceof ResourceNotFoundException');
    assert.equal(notFound.$metadata.httpStatusCode, 400);

    const invalid = await h.rejection(() => ddb.send(new PutItemCommand({
      TableName: 'Connections', Item: { notTheKey: { S: 'x' } } })));
    assert.equal(invalid.name, 'ValidationException', String(invalid));
    assert.equal(invalid.message, 'One or more parameter values were invalid: Missing the key id in the item');
    assert.equal(invalid.$metadata.httpStatusCode, 400);

    await ddb.send(new PutItemCommand({ TableName: 'Connections', Item: { id: { S: 'exists' } } }));
    const failed = await h.rejection(() => ddb.send(new PutItemCommand({
      TableName: 'Connections',
      Item: { id: { S: 'exists' }, v: { N: '2' } },
      ConditionExpression: 'attribute_not_exists(id)',
    })));
    assert.equal(failed.name, 'ConditionalCheckFailedException', String(failed));
    assert.ok(failed instanceof ConditionalCheckFailedException,
              'instanceof ConditionalCheckFailedException');
    assert.equal(failed.$metadata.httpStatusCode, 400);
    // The failed put changed nothing.
    const out = await ddb.send(new GetItemCommand({
      TableName: 'Connections', Key: { id: { S: 'exists' } }, ConsistentRead: true }));
    assert.deepEqual(out.Item, { id: { S: 'exists' } });
  });

  test('Scan with ProjectionExpression returns only the projected attributes', TIMEOUT, async (t) => {
    const { ddb } = await h.setup(t);
    for (let i = 0; i < 3; i++) {
      await ddb.send(new PutItemCommand({ TableName: 'Connections', Item: {
        id: { S: `p${i}` }, a: { N: String(i) }, b: { S: 'drop me' }, name: { S: `n${i}` },
        m: { M: { keep: { S: 'k' }, drop: { S: 'd' } } } } }));
    }
    const out = await ddb.send(new ScanCommand({
      TableName: 'Connections',
      ProjectionExpression: 'id, a, #n, m.keep',
      ExpressionAttributeNames: { '#n': 'name' },   // "name" is a reserved word
    }));
    assert.equal(out.Count, 3);
    assert.equal(out.Items.length, 3);
    const byId = Object.fromEntries(out.Items.map((it) => [it.id.S, it]));
    assert.deepEqual(Object.keys(byId).sort(), ['p0', 'p1', 'p2']);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(byId[`p${i}`], {
        id: { S: `p${i}` }, a: { N: String(i) }, name: { S: `n${i}` },
        m: { M: { keep: { S: 'k' } } } });
    }
  });

  test('PostToConnection delivers the data to the WebSocket client', TIMEOUT, async (t) => {
    const { ddb, mgmt, connect } = await h.setup(t);
    const ws = await connect();
    const out = await mgmt.send(new PostToConnectionCommand({
      ConnectionId: ws.connectionId, Data: 'hello from the SDK' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    const msg = await ws.waitForMessage();
    assert.equal(msg.data, 'hello from the SDK');

    // Bytes are delivered unchanged too (no JSON wrapping, no base64).
    const bytes = new TextEncoder().encode('{"k":"v","n":1}');
    await mgmt.send(new PostToConnectionCommand({ ConnectionId: ws.connectionId, Data: bytes }));
    const msg2 = await ws.waitForMessage(undefined, { from: 1 });
    assert.equal(msg2.data, '{"k":"v","n":1}');
  });

  test('PostToConnection to an unknown id throws GoneException', TIMEOUT, async (t) => {
    const { mgmt } = await h.setup(t);
    const err = await h.rejection(() => mgmt.send(new PostToConnectionCommand({
      ConnectionId: 'Zm9vYmFyYmF6cXV1eA=', Data: 'nobody home' })));
    assert.equal(err.name, 'GoneException', `${err.name}: ${err.message}`);
    assert.ok(err instanceof GoneException, 'instanceof GoneException');
    assert.equal(err.$metadata.httpStatusCode, 410);
  });

  test('GetConnection on a live id returns ConnectedAt and Identity.SourceIp', TIMEOUT, async (t) => {
    const { ddb, mgmt, connect } = await h.setup(t);
    const before = Date.now();
    const ws = await connect();
    const out = await mgmt.send(new GetConnectionCommand({ ConnectionId: ws.connectionId }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.ConnectedAt instanceof Date, `ConnectedAt ${out.ConnectedAt} is a Date`);
    assert.ok(!Number.isNaN(out.ConnectedAt.getTime()), 'ConnectedAt is a valid date');
    // Second precision is enough; allow a little clock slack either way.
    assert.ok(out.ConnectedAt.getTime() >= before - 2000 && out.ConnectedAt.getTime() <= Date.now() + 2000,
              `ConnectedAt ${out.ConnectedAt.toISOString()} is about now`);
    assert.ok(out.Identity, 'Identity is present');
    assert.equal(out.Identity.SourceIp, '127.0.0.1');
    if (out.LastActiveAt !== undefined)
      assert.ok(out.LastActiveAt instanceof Date, 'LastActiveAt is a Date');
  });

  test('DeleteConnection closes the socket with 1000 and runs $disconnect', TIMEOUT, async (t) => {
    const { ddb, mgmt, connect } = await h.setup(t);
    const ws = await connect();
    const id = ws.connectionId;
    const out = await mgmt.send(new DeleteConnectionCommand({ ConnectionId: id }));
    assert.equal(out.$metadata.httpStatusCode, 204, 'DeleteConnection answers 204 (modelled)');
    const { code } = await ws.waitForClose();
    assert.equal(code, 1000);
    await h.waitUntil(async () => !(await h.connectionIds(ddb)).includes(id),
                      { what: `${id} to disappear from Connections ($disconnect)` });
    // The id is gone for the management API too.
    const err = await h.rejection(() => mgmt.send(new GetConnectionCommand({ ConnectionId: id })));
    assert.equal(err.name, 'GoneException', `${err.name}: ${err.message}`);
  });

  test('chat: sendmessage from one client reaches both clients', TIMEOUT, async (t) => {
    const env = await h.setup(t);
    const alice = await env.connect();
    const bob = await env.connect();
    assert.notEqual(alice.connectionId, bob.connectionId);
    assert.deepEqual((await h.connectionIds(env.ddb)).sort(),
                     [alice.connectionId, bob.connectionId].sort());
    alice.send(JSON.stringify({ action: 'sendmessage', data: 'hello, chat' }));
    const [a, b] = await Promise.all([
      alice.waitForMessage((d) => d === 'hello, chat'),
      bob.waitForMessage((d) => d === 'hello, chat'),
    ]);
    assert.equal(a.data, 'hello, chat');
    assert.equal(b.data, 'hello, chat');
  });

  // docs/spec/dynamodb.md 2.30-2.34: CreateTable's optional settings are kept and described,
  // and the resource policy operations answer through the SDK's own shapes.
  test('CreateTable settings: tags, SSE, table class, throughput, resource policy', TIMEOUT,
       async (t) => {
    const {
      CreateTableCommand, ListTagsOfResourceCommand, GetResourcePolicyCommand,
      PutResourcePolicyCommand, DeleteResourcePolicyCommand, PolicyNotFoundException,
    } = require('@aws-sdk/client-dynamodb');
    const { ddb } = await h.setup(t);
    const policy = '{"Version":"2012-10-17","Statement":[]}';
    const out = await ddb.send(new CreateTableCommand({
      TableName: 'SdkSettings', BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      Tags: [{ Key: 'team', Value: 'red' }],
      SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: 'alias/mine' },
      TableClass: 'STANDARD_INFREQUENT_ACCESS',
      OnDemandThroughput: { MaxReadRequestUnits: 10, MaxWriteRequestUnits: 5 },
      WarmThroughput: { ReadUnitsPerSecond: 12500 },
      ResourcePolicy: policy,
    }));
    const d = out.TableDescription;
    assert.equal(d.TableClassSummary.TableClass, 'STANDARD_INFREQUENT_ACCESS');
    assert.equal(d.SSEDescription.Status, 'ENABLED');
    assert.equal(d.SSEDescription.KMSMasterKeyArn,
                 'arn:aws:kms:us-east-1:000000000000:alias/mine');
    assert.deepEqual(d.OnDemandThroughput, { MaxReadRequestUnits: 10, MaxWriteRequestUnits: 5 });
    assert.deepEqual(d.WarmThroughput,
                     { ReadUnitsPerSecond: 12500, WriteUnitsPerSecond: 4000, Status: 'ACTIVE' });
    const tags = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: d.TableArn }));
    assert.deepEqual(tags.Tags, [{ Key: 'team', Value: 'red' }]);
    const got = await ddb.send(new GetResourcePolicyCommand({ ResourceArn: d.TableArn }));
    assert.equal(got.Policy, policy);
    const put = await ddb.send(new PutResourcePolicyCommand({
      ResourceArn: d.TableArn, Policy: policy, ExpectedRevisionId: got.RevisionId }));
    assert.equal(put.RevisionId, got.RevisionId, 'the same document keeps its revision');
    await ddb.send(new DeleteResourcePolicyCommand({ ResourceArn: d.TableArn }));
    const err = await h.rejection(() => ddb.send(
      new GetResourcePolicyCommand({ ResourceArn: d.TableArn })));
    assert.ok(err instanceof PolicyNotFoundException, `${err.name}: ${err.message}`);
  });
});
