'use strict';
// wsgw serve --auth sigv4 (emulator/aws/aws_sigv4.c): the AWS SDK for
// JavaScript v3 signs real requests to DynamoDB and @connections; the pair
// wsgw knows passes, an unknown access key is UnrecognizedClientException,
// a wrong secret InvalidSignatureException, no signature
// MissingAuthenticationTokenException (DynamoDB: 400; @connections: 403).

const { test, after, before } = require('node:test');
const assert = require('node:assert/strict');
const { DynamoDBClient, ListTablesCommand, PutItemCommand } = require('@aws-sdk/client-dynamodb');
const { ApiGatewayManagementApiClient, PostToConnectionCommand } =
  require('@aws-sdk/client-apigatewaymanagementapi');
const h = require('./helpers');

const GOOD = { accessKeyId: 'AKIDWSGWTEST', secretAccessKey: 'wsgw/test+secret' };
const WRONG_SECRET = { accessKeyId: GOOD.accessKeyId, secretAccessKey: 'not-the-secret' };
const UNKNOWN = { accessKeyId: 'AKIDUNKNOWN', secretAccessKey: GOOD.secretAccessKey };

let server;
before(async () => {
  server = await h.startServer({
    args: ['--auth', 'sigv4', '--auth-key', `${GOOD.accessKeyId}:${GOOD.secretAccessKey}`,
           '--auth-key', 'AKIDOTHER:other'] });
});
after(async () => { if (server) await server.stop(); });

const ddb = (credentials) => new DynamoDBClient({
  region: h.REGION, credentials, maxAttempts: 1, endpoint: server.baseUrl });
const mgmt = (credentials) => new ApiGatewayManagementApiClient({
  region: h.REGION, credentials, maxAttempts: 1, endpoint: server.managementEndpoint });

async function rejectsWith(promise, name, status) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.name, name);
    assert.equal(err.$metadata.httpStatusCode, status);
    return true;
  });
}

test('DynamoDB: the configured key pair signs, others are refused as AWS refuses them', async () => {
  const good = ddb(GOOD);
  const out = await good.send(new ListTablesCommand({}));
  assert.ok(out.TableNames.includes('Connections'));
  await good.send(new PutItemCommand({ TableName: 'Connections',
                                       Item: { id: { S: 'signed' } } }));
  good.destroy();
  for (const [creds, name] of [[WRONG_SECRET, 'InvalidSignatureException'],
                               [UNKNOWN, 'UnrecognizedClientException']]) {
    const c = ddb(creds);
    await rejectsWith(c.send(new ListTablesCommand({})), name, 400);
    c.destroy();
  }
  const res = await fetch(server.baseUrl + '/', {
    method: 'POST', body: '{}',
    headers: { 'X-Amz-Target': 'DynamoDB_20120810.ListTables',
               'Content-Type': 'application/x-amz-json-1.0' } });
  assert.equal(res.status, 400);
  assert.match((await res.json()).__type, /#MissingAuthenticationTokenException$/);
});

test('@connections: a signed PostToConnection is delivered, others get 403', async () => {
  const ws = await h.connectWs(server.wsUrl);
  try {
    const id = await h.waitUntil(async () => {
      const list = await fetch(`${server.baseUrl}/_wsgw/connections`).then((r) => r.json());
      return list.length === 1 ? list[0].connectionId : null;
    }, { what: 'the connection in GET /_wsgw/connections' });
    const good = mgmt(GOOD);
    await good.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'signed hello' }));
    await h.waitUntil(() => ws.received.some((m) => m.data === 'signed hello'),
                      { what: 'the signed message' });
    good.destroy();
    for (const [creds, name] of [[WRONG_SECRET, 'InvalidSignatureException'],
                                 [UNKNOWN, 'UnrecognizedClientException']]) {
      const c = mgmt(creds);
      await rejectsWith(c.send(new PostToConnectionCommand({ ConnectionId: id, Data: 'x' })),
                        name, 403);
      c.destroy();
    }
    const res = await fetch(`${server.managementEndpoint}/@connections/${encodeURIComponent(id)}`,
                            { method: 'POST', body: 'unsigned' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    assert.ok(!ws.received.some((m) => m.data === 'x' || m.data === 'unsigned'));
  } finally {
    ws.terminate();
  }
});
