'use strict';
// The DynamoDB endpoint's HTTP framing, checked with plain fetch (no SDK):
// the headers every response carries (x-amzn-RequestId, a correct
// x-amz-crc32, Content-Type application/x-amz-json-1.0), the 16 MB request
// limit (413), a missing Authorization header, CORS (only with --cors), the
// content-type check and the health check (spec: docs/spec/dynamodb.md 2.1-2.3); and
// that server options reach civetweb (--max-connections sizes the pool).

const { test, after, before } = require('node:test');
const assert = require('node:assert/strict');
const zlib = require('node:zlib');
const { startServer } = require('./helpers');

let server;
before(async () => { server = await startServer(); });
after(async () => { if (server) await server.stop(); });

function call(body, { target = 'DynamoDB_20120810.ListTables', auth = true,
                      type = 'application/x-amz-json-1.0' } = {}) {
  const headers = { 'X-Amz-Target': target };
  if (type) headers['Content-Type'] = type;
  if (auth) headers.Authorization = 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00';
  return fetch(server.baseUrl + '/', { method: 'POST', headers, body });
}

test('every response carries a request id, a correct CRC32 and the JSON 1.0 content type', async () => {
  for (const [body, opts] of [['{}', {}], ['{"TableName":"Nope"}', { target: 'DynamoDB_20120810.DescribeTable' }]]) {
    const res = await call(body, opts);
    const text = Buffer.from(await res.arrayBuffer());
    assert.match(res.headers.get('x-amzn-requestid') || '', /^[A-Z0-9]{52}$/);
    assert.equal(res.headers.get('content-type'), 'application/x-amz-json-1.0');
    assert.equal(res.headers.get('x-amz-crc32'), String(zlib.crc32(text)));
  }
});

test('a body over 16 MB is refused with 413', async () => {
  const big = '{"TableName":"' + 'x'.repeat(16 * 1024 * 1024) + '"}';
  const res = await call(big);
  assert.equal(res.status, 413);
});

test('a request without Authorization gets MissingAuthenticationTokenException', async () => {
  const res = await call('{}', { auth: false });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.__type, 'com.amazon.coral.service#MissingAuthenticationTokenException');
  assert.equal(body.message, 'Request is missing Authentication Token');
});

test('malformed JSON is a SerializationException and an unknown target an UnknownOperationException', async () => {
  let res = await call('{nope');
  assert.equal(res.status, 400);
  assert.equal((await res.json()).__type, 'com.amazon.coral.service#SerializationException');
  res = await call('{}', { target: 'DynamoDB_20120810.Frobnicate' });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).__type, 'com.amazon.coral.service#UnknownOperationException');
});

test('another content type gets 404 <UnknownOperationException/>', async () => {
  const res = await call('{}', { type: 'application/x-amz-json-1.1' });
  assert.equal(res.status, 404);
  assert.equal(await res.text(), '<UnknownOperationException/>\n');
});

const PREFLIGHT = {
  method: 'OPTIONS',
  headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST',
             'Access-Control-Request-Headers': 'x-amz-target,content-type' },
};

test('with --cors a CORS preflight is answered and responses allow any origin', async () => {
  const cors = await startServer({ args: ['--cors'] });
  try {
    const res = await fetch(cors.baseUrl + '/', PREFLIGHT);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('access-control-max-age'), '172800');
    assert.match(res.headers.get('access-control-allow-headers') || '', /x-amz-target/);
    const list = await fetch(cors.baseUrl + '/', {
      method: 'POST', body: '{}',
      headers: { Origin: 'http://localhost:3000', 'X-Amz-Target': 'DynamoDB_20120810.ListTables',
                 'Content-Type': 'application/x-amz-json-1.0',
                 Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' },
    });
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('access-control-allow-origin'), '*');
  } finally {
    await cors.stop();
  }
});

test('without --cors no page may call DynamoDB: no preflight answer, no Access-Control headers', async () => {
  const res = await fetch(server.baseUrl + '/', PREFLIGHT);
  assert.equal(res.status, 404);
  assert.equal(res.headers.get('access-control-allow-origin'), null);
  assert.equal(res.headers.get('access-control-allow-headers'), null);
  const list = await fetch(server.baseUrl + '/', {
    method: 'POST', body: '{}',
    headers: { Origin: 'http://evil.example', 'X-Amz-Target': 'DynamoDB_20120810.ListTables',
               'Content-Type': 'application/x-amz-json-1.0',
               Authorization: 'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00' },
  });
  assert.equal(list.status, 200);
  assert.equal(list.headers.get('access-control-allow-origin'), null);
});

test('GET / is the health check', async () => {
  const res = await fetch(server.baseUrl + '/');
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'healthy: dynamodb.us-east-1.amazonaws.com');
});

test('--max-connections sizes the pool: 150 concurrent WebSocket connections (civetweb alone has 50 workers)', async () => {
  const WebSocket = require('ws');
  const sockets = [];
  const big = await startServer({ args: ['--max-connections', '160'] });
  try {
    const opened = [];
    for (let i = 0; i < 150; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${big.port}/dev`);
      sockets.push(ws);
      opened.push(new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
        ws.once('unexpected-response', (req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      }));
    }
    const results = await Promise.race([
      Promise.allSettled(opened),
      new Promise((resolve) => setTimeout(() => resolve(null), 15000)),
    ]);
    assert.ok(results, 'connections did not all settle within 15 s');
    const failed = results.filter((r) => r.status !== 'fulfilled');
    assert.equal(failed.length, 0, `${failed.length} of 150 connections failed`);
  } finally {
    for (const ws of sockets) ws.terminate();
    await big.stop();
  }
});
