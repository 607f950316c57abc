'use strict';
// Issue 7 through the AWS SDK for JavaScript v3 (@aws-sdk/client-dynamodb and
// @aws-sdk/lib-dynamodb): Query, parallel Scan, BatchWriteItem/BatchGetItem,
// TransactWriteItems/TransactGetItems, TTL and tags against a real wsgw.
// One server for the file (in memory); every test uses its own tables, so the
// tests run concurrently. Secondary indexes are not supported yet and are not
// tested here.
// Run: WSGW_BIN=/path/to/wsgw node --test sdk_v3_reads.test.js  (or ctest -L clients)

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

const {
  CreateTableCommand, DescribeTableCommand, PutItemCommand,
  QueryCommand, ScanCommand, BatchWriteItemCommand, BatchGetItemCommand,
  TransactWriteItemsCommand, TransactGetItemsCommand, TransactionCanceledException,
  UpdateTimeToLiveCommand, DescribeTimeToLiveCommand,
  TagResourceCommand, UntagResourceCommand, ListTagsOfResourceCommand,
  paginateQuery,
} = require('@aws-sdk/client-dynamodb');
const {
  QueryCommand: DocQueryCommand, BatchWriteCommand, TransactWriteCommand, GetCommand,
} = require('@aws-sdk/lib-dynamodb');

const TIMEOUT = { timeout: 30000 };

// Runs fn, which must reject; returns the error.
let server;
let ddb;
let doc;

before(async () => {
  server = await h.startServer();
  ddb = h.dynamoClient(server);
  doc = h.documentClient(ddb);
});

after(async () => {
  if (ddb) ddb.destroy();
  if (server) {
    const { code, signal } = await server.stop();
    if (code !== 0)
      throw new Error(`wsgw exited with code ${code} signal ${signal} after SIGTERM\n` +
                      `stderr:\n${server.stderr()}`);
  }
});

// A table keyed by pk (S) and sk (N by default).
async function createTable(name, skType = 'N') {
  const out = await ddb.send(new CreateTableCommand({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' },
                           { AttributeName: 'sk', AttributeType: skType }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' },
                { AttributeName: 'sk', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
  assert.equal(out.TableDescription.TableName, name);
  return out.TableDescription;
}

// Number sort keys in numeric (not lexical) order, negatives and mixed
// spellings included: -10, -2.5, 0, 1, 2, 3, ..., 9, 10, 100.
const NUM_KEYS = ['-10', '-2.5', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '100'];

// Table `name`: partition 'p' holds NUM_KEYS (sk written with spellings such
// as "07" and "1.0e1" where possible), partition 'other' holds three items.
async function createNumberTable(name) {
  await createTable(name);
  const spelling = { 7: '07', 10: '1.0e1', 100: '100.000' };
  for (const k of NUM_KEYS) {
    await ddb.send(new PutItemCommand({ TableName: name, Item: {
      pk: { S: 'p' }, sk: { N: spelling[k] || k }, odd: { BOOL: Math.abs(Number(k)) % 2 === 1 },
      v: { S: `v${k}` } } }));
  }
  for (const k of ['1', '2', '3'])
    await ddb.send(new PutItemCommand({ TableName: name, Item: {
      pk: { S: 'other' }, sk: { N: k }, odd: { BOOL: false }, v: { S: `o${k}` } } }));
}

const sks = (items) => items.map((it) => it.sk.N);

describe('DynamoDB reads, batches, transactions, TTL and tags with the AWS SDK for JavaScript v3',
         { concurrency: true }, () => {

  test('Query with =, BETWEEN and comparisons on a number sort key, in order', TIMEOUT, async () => {
    await createNumberTable('JsQueryNum');
    const all = await ddb.send(new QueryCommand({
      TableName: 'JsQueryNum', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'p' } } }));
    assert.deepEqual(sks(all.Items), NUM_KEYS, 'numeric order, spellings normalised');
    assert.equal(all.Count, NUM_KEYS.length);
    assert.equal(all.ScannedCount, NUM_KEYS.length);
    assert.equal(all.LastEvaluatedKey, undefined);

    const eq = await ddb.send(new QueryCommand({
      TableName: 'JsQueryNum', KeyConditionExpression: 'pk = :p AND sk = :s',
      ExpressionAttributeValues: { ':p': { S: 'p' }, ':s': { N: '10.00' } } }));
    assert.deepEqual(sks(eq.Items), ['10']);
    assert.deepEqual(eq.Items[0].v, { S: 'v10' });

    const between = await ddb.send(new QueryCommand({
      TableName: 'JsQueryNum', KeyConditionExpression: '#pk = :p AND #sk BETWEEN :lo AND :hi',
      ExpressionAttributeNames: { '#pk': 'pk', '#sk': 'sk' },
      ExpressionAttributeValues: { ':p': { S: 'p' }, ':lo': { N: '-3' }, ':hi': { N: '2' } } }));
    assert.deepEqual(sks(between.Items), ['-2.5', '0', '1', '2']);

    const lt = await ddb.send(new QueryCommand({
      TableName: 'JsQueryNum', KeyConditionExpression: 'pk = :p AND sk < :z',
      ExpressionAttributeValues: { ':p': { S: 'p' }, ':z': { N: '0' } } }));
    assert.deepEqual(sks(lt.Items), ['-10', '-2.5']);

    const ge = await ddb.send(new QueryCommand({
      TableName: 'JsQueryNum', KeyConditionExpression: 'pk = :p AND sk >= :n',
      ExpressionAttributeValues: { ':p': { S: 'p' }, ':n': { N: '9' } } }));
    assert.deepEqual(sks(ge.Items), ['9', '10', '100']);

    const other = await ddb.send(new QueryCommand({
      TableName: 'JsQueryNum', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'other' } } }));
    assert.deepEqual(sks(other.Items), ['1', '2', '3'], 'only the queried partition');

    const none = await ddb.send(new QueryCommand({
      TableName: 'JsQueryNum', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'absent' } } }));
    assert.deepEqual(none.Items, []);
    assert.equal(none.Count, 0);
  });

  test('Query begins_with on a string sort key', TIMEOUT, async () => {
    await createTable('JsQueryStr', 'S');
    const keys = ['2024-01-05', '2024-02-01', '2024-02-17', '2024-03-01', '2025-02-01', 'zeta', 'é'];
    for (const k of keys)
      await ddb.send(new PutItemCommand({ TableName: 'JsQueryStr', Item: {
        pk: { S: 'log' }, sk: { S: k } } }));
    const out = await ddb.send(new QueryCommand({
      TableName: 'JsQueryStr', KeyConditionExpression: 'pk = :p AND begins_with(sk, :pre)',
      ExpressionAttributeValues: { ':p': { S: 'log' }, ':pre': { S: '2024-02' } } }));
    assert.deepEqual(out.Items.map((it) => it.sk.S), ['2024-02-01', '2024-02-17']);

    const all = await ddb.send(new QueryCommand({
      TableName: 'JsQueryStr', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'log' } } }));
    assert.deepEqual(all.Items.map((it) => it.sk.S), keys, 'UTF-8 byte order');
  });

  test('Query without the partition key condition is a ValidationException', TIMEOUT, async () => {
    await createTable('JsQueryBad');
    const err = await h.rejection(() => ddb.send(new QueryCommand({
      TableName: 'JsQueryBad', KeyConditionExpression: 'sk = :s',
      ExpressionAttributeValues: { ':s': { N: '1' } } })));
    assert.equal(err.name, 'ValidationException', `${err.name}: ${err.message}`);
    assert.equal(err.$metadata.httpStatusCode, 400);
  });

  test('Query ScanIndexForward false reverses the order', TIMEOUT, async () => {
    await createNumberTable('JsQueryRev');
    const out = await ddb.send(new QueryCommand({
      TableName: 'JsQueryRev', KeyConditionExpression: 'pk = :p', ScanIndexForward: false,
      ExpressionAttributeValues: { ':p': { S: 'p' } } }));
    assert.deepEqual(sks(out.Items), [...NUM_KEYS].reverse());

    const page = await ddb.send(new QueryCommand({
      TableName: 'JsQueryRev', KeyConditionExpression: 'pk = :p', ScanIndexForward: false,
      Limit: 2, ExpressionAttributeValues: { ':p': { S: 'p' } } }));
    assert.deepEqual(sks(page.Items), ['100', '10']);
    assert.deepEqual(page.LastEvaluatedKey, { pk: { S: 'p' }, sk: { N: '10' } });
    const next = await ddb.send(new QueryCommand({
      TableName: 'JsQueryRev', KeyConditionExpression: 'pk = :p', ScanIndexForward: false,
      Limit: 2, ExclusiveStartKey: page.LastEvaluatedKey,
      ExpressionAttributeValues: { ':p': { S: 'p' } } }));
    assert.deepEqual(sks(next.Items), ['9', '8'], 'backward paging continues backward');
  });

  test('Query Limit and ExclusiveStartKey page through every item once; paginateQuery too',
       TIMEOUT, async () => {
    await createNumberTable('JsQueryPage');
    const seen = [];
    let start;
    let pages = 0;
    do {
      const out = await ddb.send(new QueryCommand({
        TableName: 'JsQueryPage', KeyConditionExpression: 'pk = :p', Limit: 4,
        ExclusiveStartKey: start, ExpressionAttributeValues: { ':p': { S: 'p' } } }));
      pages += 1;
      assert.ok(out.Count <= 4, `page of ${out.Count} items`);
      seen.push(...sks(out.Items));
      start = out.LastEvaluatedKey;
      if (start)
        assert.deepEqual(Object.keys(start).sort(), ['pk', 'sk'], 'LastEvaluatedKey is the table key');
      assert.ok(pages <= 10, 'paging terminates');
    } while (start);
    assert.deepEqual(seen, NUM_KEYS, 'every item once, in order');
    assert.ok(pages >= 4, `${pages} pages`);

    const viaPaginator = [];
    let paginatorPages = 0;
    for await (const page of paginateQuery({ client: ddb, pageSize: 3 }, {
      TableName: 'JsQueryPage', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'p' } } })) {
      paginatorPages += 1;
      viaPaginator.push(...sks(page.Items));
    }
    assert.deepEqual(viaPaginator, NUM_KEYS, 'paginateQuery sees every item once');
    assert.ok(paginatorPages >= 5, `${paginatorPages} paginator pages`);
  });

  test('Query FilterExpression: Count after, ScannedCount before the filter; Select COUNT',
       TIMEOUT, async () => {
    await createNumberTable('JsQueryFilter');
    const out = await ddb.send(new QueryCommand({
      TableName: 'JsQueryFilter', KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
      FilterExpression: 'odd = :t', ExpressionAttributeValues: {
        ':p': { S: 'p' }, ':lo': { N: '0' }, ':hi': { N: '10' }, ':t': { BOOL: true } } }));
    assert.deepEqual(sks(out.Items), ['1', '3', '5', '7', '9']);
    assert.equal(out.Count, 5);
    assert.equal(out.ScannedCount, 11, '0..10 read before the filter');

    // Limit counts items read, not items returned.
    const limited = await ddb.send(new QueryCommand({
      TableName: 'JsQueryFilter', KeyConditionExpression: 'pk = :p', Limit: 4,
      FilterExpression: 'odd = :t', ExpressionAttributeValues: { ':p': { S: 'p' }, ':t': { BOOL: true } } }));
    assert.equal(limited.ScannedCount, 4);
    assert.deepEqual(sks(limited.Items), ['1'], '-10, -2.5, 0, 1 read; only 1 is odd');
    assert.deepEqual(limited.LastEvaluatedKey, { pk: { S: 'p' }, sk: { N: '1' } });

    const count = await ddb.send(new QueryCommand({
      TableName: 'JsQueryFilter', KeyConditionExpression: 'pk = :p', Select: 'COUNT',
      FilterExpression: 'odd = :t', ExpressionAttributeValues: { ':p': { S: 'p' }, ':t': { BOOL: true } } }));
    assert.equal(count.Items, undefined, 'Select COUNT returns no Items');
    assert.equal(count.Count, 5);
    assert.equal(count.ScannedCount, NUM_KEYS.length);

    const projected = await ddb.send(new QueryCommand({
      TableName: 'JsQueryFilter', KeyConditionExpression: 'pk = :p AND sk = :s',
      ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'v' },
      ExpressionAttributeValues: { ':p': { S: 'p' }, ':s': { N: '2' } } }));
    assert.deepEqual(projected.Items, [{ v: { S: 'v2' } }]);
  });

  test('Query with legacy KeyConditions and QueryFilter', TIMEOUT, async () => {
    await createNumberTable('JsQueryLegacy');
    const out = await ddb.send(new QueryCommand({
      TableName: 'JsQueryLegacy',
      KeyConditions: {
        pk: { ComparisonOperator: 'EQ', AttributeValueList: [{ S: 'p' }] },
        sk: { ComparisonOperator: 'BETWEEN', AttributeValueList: [{ N: '1' }, { N: '6' }] },
      },
      QueryFilter: { odd: { ComparisonOperator: 'EQ', AttributeValueList: [{ BOOL: false }] } },
    }));
    assert.deepEqual(sks(out.Items), ['2', '4', '6']);
    assert.equal(out.ScannedCount, 6);
  });

  test('parallel Scan: every item lands in exactly one segment', TIMEOUT, async () => {
    await createTable('JsSegments');
    const N = 60;
    for (let i = 0; i < N; i += 25) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 25); j++)
        batch.push({ PutRequest: { Item: { pk: { S: `item-${j}` }, sk: { N: String(j % 3) } } } });
      await ddb.send(new BatchWriteItemCommand({ RequestItems: { JsSegments: batch } }));
    }
    const TOTAL = 4;
    const perSegment = await Promise.all([...Array(TOTAL).keys()].map(async (segment) => {
      const got = [];
      let start;
      do {
        const out = await ddb.send(new ScanCommand({
          TableName: 'JsSegments', Segment: segment, TotalSegments: TOTAL, Limit: 7,
          ExclusiveStartKey: start }));
        got.push(...out.Items.map((it) => `${it.pk.S}/${it.sk.N}`));
        start = out.LastEvaluatedKey;
      } while (start);
      return got;
    }));
    const all = perSegment.flat();
    assert.equal(all.length, N, `segment sizes ${perSegment.map((s) => s.length)}`);
    assert.equal(new Set(all).size, N, 'no item is in two segments');
    const expected = [...Array(N).keys()].map((j) => `item-${j}/${j % 3}`).sort();
    assert.deepEqual([...all].sort(), expected);
    assert.ok(perSegment.filter((s) => s.length > 0).length >= 2,
              `items spread over segments: ${perSegment.map((s) => s.length)}`);

    const bad = await h.rejection(() => ddb.send(new ScanCommand({
      TableName: 'JsSegments', Segment: 4, TotalSegments: 4 })));
    assert.equal(bad.name, 'ValidationException', `${bad.name}: ${bad.message}`);
  });

  test('BatchWriteItem puts and deletes; BatchGetItem Responses and projection', TIMEOUT, async () => {
    await createTable('JsBatchA');
    await createTable('JsBatchB', 'S');
    const w = await ddb.send(new BatchWriteItemCommand({ RequestItems: {
      JsBatchA: [1, 2, 3, 4].map((i) => ({ PutRequest: { Item: {
        pk: { S: 'a' }, sk: { N: String(i) }, v: { N: String(i * 10) }, extra: { S: 'x' } } } })),
      JsBatchB: [{ PutRequest: { Item: { pk: { S: 'b' }, sk: { S: 'one' }, v: { N: '1' } } } }],
    } }));
    assert.deepEqual(w.UnprocessedItems || {}, {});

    const w2 = await ddb.send(new BatchWriteItemCommand({ RequestItems: {
      JsBatchA: [
        { DeleteRequest: { Key: { pk: { S: 'a' }, sk: { N: '2' } } } },
        { DeleteRequest: { Key: { pk: { S: 'a' }, sk: { N: '99' } } } },  // absent: fine
        { PutRequest: { Item: { pk: { S: 'a' }, sk: { N: '5' }, v: { N: '50' } } } },
      ],
    } }));
    assert.deepEqual(w2.UnprocessedItems || {}, {});
    const q = await ddb.send(new QueryCommand({
      TableName: 'JsBatchA', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'a' } } }));
    assert.deepEqual(sks(q.Items), ['1', '3', '4', '5']);

    const g = await ddb.send(new BatchGetItemCommand({ RequestItems: {
      JsBatchA: {
        Keys: [{ pk: { S: 'a' }, sk: { N: '1' } }, { pk: { S: 'a' }, sk: { N: '2' } },
               { pk: { S: 'a' }, sk: { N: '4' } }],
        ProjectionExpression: 'sk, #v', ExpressionAttributeNames: { '#v': 'v' },
        ConsistentRead: true,
      },
      JsBatchB: { Keys: [{ pk: { S: 'b' }, sk: { S: 'one' } }] },
    } }));
    assert.deepEqual(g.UnprocessedKeys || {}, {});
    const a = [...g.Responses.JsBatchA].sort((x, y) => Number(x.sk.N) - Number(y.sk.N));
    assert.deepEqual(a, [{ sk: { N: '1' }, v: { N: '10' } }, { sk: { N: '4' }, v: { N: '40' } }],
                     'the deleted key is absent; the projection keeps sk and v');
    assert.deepEqual(g.Responses.JsBatchB, [{ pk: { S: 'b' }, sk: { S: 'one' }, v: { N: '1' } }]);

    const dup = await h.rejection(() => ddb.send(new BatchWriteItemCommand({ RequestItems: {
      JsBatchA: [{ PutRequest: { Item: { pk: { S: 'a' }, sk: { N: '7' } } } },
                 { DeleteRequest: { Key: { pk: { S: 'a' }, sk: { N: '7' } } } }],
    } })));
    assert.equal(dup.name, 'ValidationException', `${dup.name}: ${dup.message}`);
  });

  test('TransactWriteItems commits all actions, or cancels with CancellationReasons in order',
       TIMEOUT, async () => {
    await createTable('JsTx');
    const key = (i) => ({ pk: { S: 'tx' }, sk: { N: String(i) } });
    await ddb.send(new PutItemCommand({ TableName: 'JsTx', Item: { ...key(3), n: { N: '1' } } }));
    await ddb.send(new PutItemCommand({ TableName: 'JsTx', Item: { ...key(4), gone: { BOOL: true } } }));

    const ok = await ddb.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: 'JsTx', Item: { ...key(1), v: { S: 'one' } },
               ConditionExpression: 'attribute_not_exists(pk)' } },
      { Put: { TableName: 'JsTx', Item: { ...key(2), v: { S: 'two' } } } },
      { Update: { TableName: 'JsTx', Key: key(3), UpdateExpression: 'SET n = n + :one',
                  ExpressionAttributeValues: { ':one': { N: '1' } } } },
      { Delete: { TableName: 'JsTx', Key: key(4) } },
    ] }));
    assert.equal(ok.$metadata.httpStatusCode, 200);
    const after1 = await ddb.send(new QueryCommand({
      TableName: 'JsTx', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'tx' } } }));
    assert.deepEqual(sks(after1.Items), ['1', '2', '3']);
    assert.deepEqual(after1.Items[2].n, { N: '2' });

    const err = await h.rejection(() => ddb.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: 'JsTx', Item: { ...key(5), v: { S: 'five' } } } },
      { ConditionCheck: { TableName: 'JsTx', Key: key(1), ConditionExpression: 'v = :x',
                          ExpressionAttributeValues: { ':x': { S: 'not-one' } } } },
      { Update: { TableName: 'JsTx', Key: key(3), UpdateExpression: 'SET n = :z',
                  ExpressionAttributeValues: { ':z': { N: '0' } } } },
      { Delete: { TableName: 'JsTx', Key: key(2), ConditionExpression: 'attribute_not_exists(v)',
                  ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
    ] })));
    assert.ok(err instanceof TransactionCanceledException,
              `TransactionCanceledException, got ${err.name}: ${err.message}`);
    assert.equal(err.name, 'TransactionCanceledException');
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.ok(Array.isArray(err.CancellationReasons), 'err.CancellationReasons is an array');
    assert.deepEqual(err.CancellationReasons.map((r) => r.Code),
                     ['None', 'ConditionalCheckFailed', 'None', 'ConditionalCheckFailed']);
    assert.ok(/ConditionalCheckFailed/.test(err.message), err.message);
    assert.deepEqual(err.CancellationReasons[3].Item,
                     { ...key(2), v: { S: 'two' } }, 'ReturnValuesOnConditionCheckFailure ALL_OLD');

    const unchanged = await ddb.send(new QueryCommand({
      TableName: 'JsTx', KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': { S: 'tx' } } }));
    assert.deepEqual(sks(unchanged.Items), ['1', '2', '3'], 'nothing of the cancelled transaction');
    assert.deepEqual(unchanged.Items[2].n, { N: '2' });

    const twice = await h.rejection(() => ddb.send(new TransactWriteItemsCommand({ TransactItems: [
      { Put: { TableName: 'JsTx', Item: { ...key(9) } } },
      { Delete: { TableName: 'JsTx', Key: key(9) } },
    ] })));
    assert.equal(twice.name, 'ValidationException', `${twice.name}: ${twice.message}`);
  });

  test('TransactGetItems returns the items in request order', TIMEOUT, async () => {
    await createTable('JsTxGet');
    for (const i of [1, 2, 3])
      await ddb.send(new PutItemCommand({ TableName: 'JsTxGet', Item: {
        pk: { S: 'g' }, sk: { N: String(i) }, v: { S: `v${i}` }, big: { S: 'x'.repeat(50) } } }));
    const out = await ddb.send(new TransactGetItemsCommand({ TransactItems: [
      { Get: { TableName: 'JsTxGet', Key: { pk: { S: 'g' }, sk: { N: '3' } } } },
      { Get: { TableName: 'JsTxGet', Key: { pk: { S: 'g' }, sk: { N: '42' } } } },
      { Get: { TableName: 'JsTxGet', Key: { pk: { S: 'g' }, sk: { N: '1' } },
               ProjectionExpression: '#v', ExpressionAttributeNames: { '#v': 'v' } } },
    ] }));
    assert.equal(out.Responses.length, 3, 'one response per Get');
    assert.deepEqual(out.Responses[0].Item.v, { S: 'v3' });
    assert.equal(out.Responses[1].Item, undefined, 'an absent item has no Item');
    assert.deepEqual(out.Responses[2].Item, { v: { S: 'v1' } });
  });

  test('UpdateTimeToLive and DescribeTimeToLive', TIMEOUT, async () => {
    await createTable('JsTtl');
    const before0 = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'JsTtl' }));
    assert.equal(before0.TimeToLiveDescription.TimeToLiveStatus, 'DISABLED');

    const up = await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'JsTtl',
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } }));
    assert.deepEqual(up.TimeToLiveSpecification, { Enabled: true, AttributeName: 'expiresAt' });
    const on = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'JsTtl' }));
    assert.equal(on.TimeToLiveDescription.TimeToLiveStatus, 'ENABLED');
    assert.equal(on.TimeToLiveDescription.AttributeName, 'expiresAt');

    const again = await h.rejection(() => ddb.send(new UpdateTimeToLiveCommand({ TableName: 'JsTtl',
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } })));
    assert.equal(again.name, 'ValidationException', `${again.name}: ${again.message}`);

    await ddb.send(new UpdateTimeToLiveCommand({ TableName: 'JsTtl',
      TimeToLiveSpecification: { Enabled: false, AttributeName: 'expiresAt' } }));
    const off = await ddb.send(new DescribeTimeToLiveCommand({ TableName: 'JsTtl' }));
    assert.equal(off.TimeToLiveDescription.TimeToLiveStatus, 'DISABLED');
  });

  test('TagResource, ListTagsOfResource and UntagResource by the TableArn', TIMEOUT, async () => {
    await createTable('JsTags');
    const { Table } = await ddb.send(new DescribeTableCommand({ TableName: 'JsTags' }));
    const arn = Table.TableArn;
    assert.match(arn, /^arn:aws:dynamodb:us-east-1:\d{12}:table\/JsTags$/);

    const empty = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(empty.Tags || [], []);

    await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [
      { Key: 'team', Value: 'chat' }, { Key: 'env', Value: 'dev' }, { Key: 'cost', Value: '' }] }));
    const listed = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(listed.Tags, [{ Key: 'cost', Value: '' }, { Key: 'env', Value: 'dev' },
                                   { Key: 'team', Value: 'chat' }], 'tags in key order');

    await ddb.send(new TagResourceCommand({ ResourceArn: arn, Tags: [{ Key: 'env', Value: 'prod' }] }));
    await ddb.send(new UntagResourceCommand({ ResourceArn: arn, TagKeys: ['cost', 'no-such-key'] }));
    const after2 = await ddb.send(new ListTagsOfResourceCommand({ ResourceArn: arn }));
    assert.deepEqual(after2.Tags, [{ Key: 'env', Value: 'prod' }, { Key: 'team', Value: 'chat' }]);

    const missing = await h.rejection(() => ddb.send(new ListTagsOfResourceCommand({
      ResourceArn: arn.replace(/JsTags$/, 'JsNoSuchTable') })));
    assert.equal(missing.name, 'ResourceNotFoundException', `${missing.name}: ${missing.message}`);
  });

  test('DocumentClient QueryCommand, BatchWriteCommand and TransactWriteCommand with plain values',
       TIMEOUT, async () => {
    await createTable('JsDoc');
    await doc.send(new BatchWriteCommand({ RequestItems: { JsDoc: [
      { PutRequest: { Item: { pk: 'user#1', sk: 3, name: 'c', tags: new Set(['x']) } } },
      { PutRequest: { Item: { pk: 'user#1', sk: 1, name: 'a', nested: { deep: [1, 'two', null] } } } },
      { PutRequest: { Item: { pk: 'user#1', sk: 2, name: 'b' } } },
      { PutRequest: { Item: { pk: 'user#2', sk: 1, name: 'z' } } },
    ] } }));
    await doc.send(new BatchWriteCommand({ RequestItems: { JsDoc: [
      { DeleteRequest: { Key: { pk: 'user#1', sk: 2 } } }] } }));

    const q = await doc.send(new DocQueryCommand({
      TableName: 'JsDoc', KeyConditionExpression: 'pk = :p AND sk >= :s',
      ExpressionAttributeValues: { ':p': 'user#1', ':s': 1 } }));
    assert.deepEqual(q.Items, [
      { pk: 'user#1', sk: 1, name: 'a', nested: { deep: [1, 'two', null] } },
      { pk: 'user#1', sk: 3, name: 'c', tags: new Set(['x']) },
    ]);

    await doc.send(new TransactWriteCommand({ TransactItems: [
      { Put: { TableName: 'JsDoc', Item: { pk: 'user#3', sk: 1, name: 'new' },
               ConditionExpression: 'attribute_not_exists(pk)' } },
      { Update: { TableName: 'JsDoc', Key: { pk: 'user#1', sk: 1 },
                  UpdateExpression: 'SET #n = :n', ExpressionAttributeNames: { '#n': 'name' },
                  ExpressionAttributeValues: { ':n': 'A' } } },
      { ConditionCheck: { TableName: 'JsDoc', Key: { pk: 'user#2', sk: 1 },
                          ConditionExpression: '#n = :z', ExpressionAttributeNames: { '#n': 'name' },
                          ExpressionAttributeValues: { ':z': 'z' } } },
    ] }));
    const got = await doc.send(new GetCommand({ TableName: 'JsDoc', Key: { pk: 'user#1', sk: 1 } }));
    assert.equal(got.Item.name, 'A');
    const three = await doc.send(new GetCommand({ TableName: 'JsDoc', Key: { pk: 'user#3', sk: 1 } }));
    assert.deepEqual(three.Item, { pk: 'user#3', sk: 1, name: 'new' });

    const err = await h.rejection(() => doc.send(new TransactWriteCommand({ TransactItems: [
      { Put: { TableName: 'JsDoc', Item: { pk: 'user#3', sk: 1, name: 'again' },
               ConditionExpression: 'attribute_not_exists(pk)' } },
      { Delete: { TableName: 'JsDoc', Key: { pk: 'user#2', sk: 1 } } },
    ] })));
    assert.equal(err.name, 'TransactionCanceledException');
    assert.deepEqual(err.CancellationReasons.map((r) => r.Code), ['ConditionalCheckFailed', 'None']);
    const stillThere = await doc.send(new GetCommand({ TableName: 'JsDoc', Key: { pk: 'user#2', sk: 1 } }));
    assert.equal(stillThere.Item.name, 'z');
  });
});
