'use strict';
// DynamoDB Streams through the AWS SDK for JavaScript v3
// (@aws-sdk/client-dynamodb-streams) against a real wsgw: the client is
// configured only by AWS_ENDPOINT_URL_DYNAMODB_STREAMS, taken from wsgw's
// banner, and reads the records written through @aws-sdk/client-dynamodb
// (ListStreams, DescribeStream, GetShardIterator, GetRecords), with the
// service's exceptions as SDK error classes.
// Run: WSGW_BIN=/path/to/wsgw node --test sdk_v3_streams.test.js  (or ctest -L clients)

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

const {
  CreateTableCommand, PutItemCommand, UpdateItemCommand, DeleteItemCommand,
  TransactWriteItemsCommand,
} = require('@aws-sdk/client-dynamodb');
const {
  DynamoDBStreamsClient, ListStreamsCommand, DescribeStreamCommand, GetShardIteratorCommand,
  GetRecordsCommand, ResourceNotFoundException,
} = require('@aws-sdk/client-dynamodb-streams');

const TIMEOUT = { timeout: 30000 };

let server;
let ddb;
let streams;

before(async () => {
  server = await h.startServer();
  ddb = h.dynamoClient(server);
  const m = /^\s*export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=(\S+)\s*$/m.exec(server.stdout());
  assert.ok(m, `the banner prints AWS_ENDPOINT_URL_DYNAMODB_STREAMS:\n${server.stdout()}`);
  process.env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS = m[1];
  streams = new DynamoDBStreamsClient({
    region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});

after(async () => {
  if (ddb) ddb.destroy();
  if (streams) streams.destroy();
  if (server) {
    const { code, signal } = await server.stop();
    if (code !== 0)
      throw new Error(`wsgw exited with code ${code} signal ${signal} after SIGTERM\n` +
                      `stderr:\n${server.stderr()}`);
  }
});

test('records written through DynamoDB read back through the Streams client', TIMEOUT, async () => {
  const created = await ddb.send(new CreateTableCommand({
    TableName: 'JsStreams',
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
    StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
  }));
  const arn = created.TableDescription.LatestStreamArn;
  assert.match(arn, /^arn:aws:dynamodb:us-east-1:000000000000:table\/JsStreams\/stream\/\d{4}-/);
  await ddb.send(new PutItemCommand({ TableName: 'JsStreams', Item: { id: { S: 'a' } } }));
  await ddb.send(new UpdateItemCommand({
    TableName: 'JsStreams', Key: { id: { S: 'a' } }, UpdateExpression: 'SET n = :n',
    ExpressionAttributeValues: { ':n': { N: '7' } },
  }));
  await ddb.send(new TransactWriteItemsCommand({ TransactItems: [
    { Put: { TableName: 'JsStreams', Item: { id: { S: 'b' } } } },
  ] }));
  await ddb.send(new DeleteItemCommand({ TableName: 'JsStreams', Key: { id: { S: 'a' } } }));

  const listed = await streams.send(new ListStreamsCommand({ TableName: 'JsStreams' }));
  assert.deepEqual(listed.Streams.map((s) => s.StreamArn), [arn]);
  const desc = await streams.send(new DescribeStreamCommand({ StreamArn: arn }));
  assert.equal(desc.StreamDescription.StreamStatus, 'ENABLED');
  assert.equal(desc.StreamDescription.Shards.length, 1);
  const shard = desc.StreamDescription.Shards[0];
  assert.ok(shard.SequenceNumberRange.StartingSequenceNumber);
  const it = await streams.send(new GetShardIteratorCommand({
    StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON',
  }));
  const page = await streams.send(new GetRecordsCommand({ ShardIterator: it.ShardIterator }));
  assert.deepEqual(page.Records.map((r) => r.eventName), ['INSERT', 'MODIFY', 'INSERT', 'REMOVE']);
  assert.deepEqual(page.Records[1].dynamodb.NewImage, { id: { S: 'a' }, n: { N: '7' } });
  assert.deepEqual(page.Records[3].dynamodb.OldImage, { id: { S: 'a' }, n: { N: '7' } });
  assert.ok(page.Records[0].dynamodb.ApproximateCreationDateTime instanceof Date);
  assert.ok(page.NextShardIterator);

  const after1 = await streams.send(new GetShardIteratorCommand({
    StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
    SequenceNumber: page.Records[2].dynamodb.SequenceNumber,
  }));
  const rest = await streams.send(new GetRecordsCommand({ ShardIterator: after1.ShardIterator }));
  assert.deepEqual(rest.Records.map((r) => r.eventName), ['REMOVE']);

  await assert.rejects(streams.send(new DescribeStreamCommand({ StreamArn: `${arn}0` })),
                       (err) => err instanceof ResourceNotFoundException);
});
