'use strict';
// The channel chat app end to end under a real `wsgw serve`, twice: the C app
// (handlers/channels.c, --config fixtures/channels-app.json) and the same app as a
// Serverless Framework project of Node.js functions (--serverless
// fixtures/node/channels-serverless/serverless.yml). The routes write to DynamoDB; the
// Messages table's stream drives the broadcast function; @aws-sdk/client-dynamodb-streams
// reads the same stream. Run: WSGW_BIN=/path/to/wsgw node --test channels.test.js
// (or ctest -L clients).
//
// Exact delivery: each client's messages are checked as a whole list, after a quiet
// window in which nothing more may arrive (no fixed sleep stands in for a wait).

const { test, describe } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const h = require('./helpers.js'); // throws a clear error if node_modules is missing
const { QueryCommand, DescribeTableCommand, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const {
  DynamoDBStreamsClient, DescribeStreamCommand, GetShardIteratorCommand, GetRecordsCommand,
} = require('@aws-sdk/client-dynamodb-streams');

const SRC = process.env.WSGW_SOURCE_DIR || path.resolve(__dirname, '..', '..');
const WAIT_MS = 20000;
const QUIET_MS = 300;
const STALE_ID = 'AAAAAAAAAAAAAAA=';

const APPS = [
  { name: 'the C app', channels: 'Channels', messages: 'Messages',
    start: () => h.startServer({ config: path.join(SRC, 'fixtures', 'channels-app.json'), tls: true }) },
  { name: 'the Node.js project', channels: 'channels-subscriptions-dev', messages: 'channels-messages-dev',
    start: () => h.startServer({
      serverless: path.join(SRC, 'fixtures', 'node', 'channels-serverless', 'serverless.yml'), tls: true }) },
];

async function control(server, method, what, body) {
  const res = await fetch(`${server.baseUrl}/_wsgw/${what}`, {
    method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} /_wsgw/${what}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// The invocations of the stream function (their event has Records), oldest first.
async function streamInvocations(server) {
  return (await control(server, 'GET', 'invocations')).filter((e) => Array.isArray(e.event?.Records));
}

// Waits until a successful invocation of the stream function had the record of `type` in
// `channel` about client `who`.
async function waitBroadcast(c, type, channel, who) {
  await h.waitUntil(async () => (await streamInvocations(c.server)).some((e) => e.outcome === 'ok' &&
    e.event.Records.some((r) => {
      const img = r.dynamodb?.NewImage ?? {};
      return img.type?.S === type && img.channel?.S === channel && img.connectionId?.S === c.ids[who];
    })), { timeoutMs: WAIT_MS, what: `the broadcast of the ${type} of ${'ABC'[who]} in ${channel}` });
}

// One app's server, its clients A, B, C (all in General; each heard the later ones join).
async function start(t, app) {
  const server = await app.start();
  const ddb = h.dynamoClient(server);
  const streams = new DynamoDBStreamsClient({ region: h.REGION, credentials: h.CREDENTIALS,
                                              endpoint: server.baseUrl, maxAttempts: 1 });
  const c = { server, ddb, streams, app, ws: [], ids: [], seen: [] };
  t.after(async () => {
    await Promise.all(c.ws.filter(Boolean).map((ws) => h.closeWs(ws)));
    streams.destroy();
    ddb.destroy();
    await server.stop();
  });

  c.subscribers = async (channel) => {
    const out = await ddb.send(new QueryCommand({
      TableName: app.channels, KeyConditionExpression: 'channel = :c',
      ExpressionAttributeValues: { ':c': { S: channel } } }));
    return out.Items.map((i) => i.connectionId.S);
  };
  c.channelsOf = async (id) => {
    const out = await ddb.send(new QueryCommand({
      TableName: app.channels, IndexName: 'ByConnection', KeyConditionExpression: 'connectionId = :c',
      ExpressionAttributeValues: { ':c': { S: id } } }));
    return out.Items.map((i) => i.channel.S).sort();
  };
  c.send = (who, action, channel, content) =>
    c.ws[who].send(JSON.stringify({ action, channel, ...(content !== undefined ? { content } : {}) }));
  // The next messages of client `who` are exactly `frames` ([channel, type, from, content?]).
  c.expect = async (who, ...frames) => {
    const ws = c.ws[who];
    const from = c.seen[who];
    await ws.waitForMessage(() => ws.received.length >= from + frames.length,
                            { timeoutMs: WAIT_MS, from });
    const got = ws.received.slice(from, from + frames.length).map((m) => JSON.parse(m.data));
    assert.deepEqual(got, frames.map(([channel, type, f, content]) => ({
      channel, type, connectionId: c.ids[f], ...(content !== undefined ? { content } : {}) })),
    `client ${'ABC'[who]}`);
    c.seen[who] = from + frames.length;
  };
  // Nothing more arrives at any client for a quiet window.
  c.quiet = async () => {
    const counts = c.ws.map((ws) => ws && ws.received.length);
    await new Promise((r) => setTimeout(r, QUIET_MS));
    c.ws.forEach((ws, i) => {
      if (ws) assert.deepEqual(ws.received.slice(counts[i]).map((m) => m.data), [], `client ${'ABC'[i]}`);
    });
  };

  // Each client connects once the join notice of the previous one has been broadcast (a
  // notice is not posted to its subject, and a late one would reach a later client).
  for (let i = 0; i < 3; i++) {
    const before = new Set(await c.subscribers('General'));
    const ws = await h.connectWs(server.wsUrl, { timeoutMs: WAIT_MS });
    const ids = (await c.subscribers('General')).filter((id) => !before.has(id));
    assert.equal(ids.length, 1, '$connect subscribed the new client to General');
    c.ids.push(ids[0]);
    c.ws.push(ws);
    c.seen.push(0);
    await waitBroadcast(c, 'join', 'General', i);
    for (let j = 0; j < i; j++) await c.expect(j, ['General', 'join', i]);
  }
  return c;
}

const [A, B, C] = [0, 1, 2];

// A: General and dev; B: dev only; C: General only.
async function twoChannels(c) {
  c.send(A, 'subscribeChannel', 'dev');
  await waitBroadcast(c, 'join', 'dev', A);
  c.send(B, 'subscribeChannel', 'dev');
  await c.expect(A, ['dev', 'join', B]);
  c.send(B, 'unsubscribeChannel', 'General');
  await c.expect(A, ['General', 'leave', B]);
  await c.expect(C, ['General', 'leave', B]);
  await c.quiet();
}

// Every record of the Messages stream through the SDK, from TRIM_HORIZON.
async function streamRecords(c) {
  const table = await c.ddb.send(new DescribeTableCommand({ TableName: c.app.messages }));
  const StreamArn = table.Table.LatestStreamArn;
  assert.ok(StreamArn, 'the Messages table has a stream');
  const desc = await c.streams.send(new DescribeStreamCommand({ StreamArn }));
  const records = [];
  for (const shard of desc.StreamDescription.Shards) {
    let it = (await c.streams.send(new GetShardIteratorCommand({
      StreamArn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }))).ShardIterator;
    while (it) {
      const page = await c.streams.send(new GetRecordsCommand({ ShardIterator: it }));
      if (page.Records.length === 0) break;
      records.push(...page.Records);
      it = page.NextShardIterator;
    }
  }
  return records;
}

for (const app of APPS) {
  describe(app.name, () => {
    test('three clients in two channels each get exactly their channels\' messages',
         { timeout: 90000 }, async (t) => {
      const c = await start(t, app);
      await twoChannels(c);
      c.send(A, 'sendMessage', 'dev', 'd1');
      await c.expect(A, ['dev', 'message', A, 'd1']);
      await c.expect(B, ['dev', 'message', A, 'd1']);
      c.send(C, 'sendMessage', 'General', 'g1');
      await c.expect(A, ['General', 'message', C, 'g1']);
      await c.expect(C, ['General', 'message', C, 'g1']);
      await c.quiet();
    });

    test('unsubscribing stops delivery', { timeout: 90000 }, async (t) => {
      const c = await start(t, app);
      await twoChannels(c);
      c.send(A, 'unsubscribeChannel', 'dev');
      await c.expect(B, ['dev', 'leave', A]);
      c.send(B, 'sendMessage', 'dev', 'after');
      await c.expect(B, ['dev', 'message', B, 'after']);
      await c.quiet();
    });

    test('a disconnect removes the subscriptions and a 410 removes a dead one',
         { timeout: 90000 }, async (t) => {
      const c = await start(t, app);
      await twoChannels(c);
      const a = c.ids[A];
      assert.deepEqual(await c.channelsOf(a), ['General', 'dev']);
      await h.closeWs(c.ws[A]);
      c.ws[A] = null;
      await c.expect(B, ['dev', 'leave', A]);
      await c.expect(C, ['General', 'leave', A]);
      await h.waitUntil(async () => (await c.channelsOf(a)).length === 0,
                        { timeoutMs: WAIT_MS, what: 'no subscription of A left' });
      // A subscription whose connection is gone: the next broadcast gets 410 and deletes it.
      await c.ddb.send(new PutItemCommand({ TableName: app.channels,
        Item: { channel: { S: 'General' }, connectionId: { S: STALE_ID } } }));
      c.send(C, 'sendMessage', 'General', 'hi');
      await c.expect(C, ['General', 'message', C, 'hi']);
      await h.waitUntil(async () => !(await c.subscribers('General')).includes(STALE_ID),
                        { timeoutMs: WAIT_MS, what: 'the dead subscription deleted' });
    });

    test('a failing stream function is retried and the message arrives once',
         { timeout: 90000 }, async (t) => {
      const c = await start(t, app);
      // The next invocation of the table's stream function fails (a function error).
      await control(c.server, 'POST', 'faults', { type: 'stream.error', table: app.messages, count: 1 });
      c.send(C, 'sendMessage', 'General', 'again');
      for (const who of [A, B, C]) await c.expect(who, ['General', 'message', C, 'again']);
      await c.quiet();
      const after = (await streamInvocations(c.server)).filter((e) =>
        e.event.Records.some((r) => r.dynamodb?.NewImage?.content?.S === 'again'));
      assert.deepEqual(after.map((e) => e.outcome), ['error', 'ok'], 'one failed invocation, then its retry');
      assert.deepEqual(after[1].event.Records.map((r) => r.eventID), after[0].event.Records.map((r) => r.eventID));
    });

    test('an SDK stream consumer reads the records the function got', { timeout: 90000 }, async (t) => {
      const c = await start(t, app);
      c.send(A, 'sendMessage', 'General', 'm1');
      for (const who of [A, B, C]) await c.expect(who, ['General', 'message', A, 'm1']);
      await c.quiet();
      const read = await streamRecords(c);
      const got = [];
      for (const inv of await streamInvocations(c.server))
        for (const r of inv.event.Records)
          if (!got.some((g) => g.eventID === r.eventID)) got.push(r);
      // Three joins and one message.
      assert.equal(read.length, 4);
      assert.deepEqual(read.map((r) => r.eventName), ['INSERT', 'INSERT', 'INSERT', 'INSERT']);
      assert.deepEqual(got.map((r) => r.eventID), read.map((r) => r.eventID));
      assert.deepEqual(got.map((r) => r.dynamodb.SequenceNumber), read.map((r) => r.dynamodb.SequenceNumber));
      assert.deepEqual(got.map((r) => r.dynamodb.NewImage), read.map((r) => r.dynamodb.NewImage));
    });
  });
}
