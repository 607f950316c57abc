'use strict';
// Test helpers for the client tests: start/stop a wsgw process, AWS SDK v3
// clients pointed at it, a WebSocket client with deadlines, and polling.
//
// Environment (set by tests/clients/CMakeLists.txt):
//   WSGW_BIN         the wsgw executable (required)
//   WSGW_SOURCE_DIR  the source tree; the config is fixtures/chat-app.json in it
//                    (defaults to the tree this file lives in)
//
// Nothing here sleeps for a fixed time: every wait is either an event with a
// deadline or waitUntil() polling a condition with a deadline.

const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');

// Fail loudly (never skip) when the npm dependencies are missing.
const NODE_MODULES = path.join(__dirname, 'node_modules');
if (!fs.existsSync(path.join(NODE_MODULES, '@aws-sdk', 'client-dynamodb')) ||
    !fs.existsSync(path.join(NODE_MODULES, 'ws'))) {
  throw new Error(
    `tests/clients: npm dependencies are not installed (${NODE_MODULES} is missing or ` +
    'incomplete). Run `make test` from the repository root (it runs `npm ci` in tests/clients), ' +
    'or `cd tests/clients && npm ci`.');
}

const WebSocket = require('ws');
const { DynamoDBClient, ScanCommand } = require('@aws-sdk/client-dynamodb');
const { DynamoDBDocumentClient } = require('@aws-sdk/lib-dynamodb');
const { ApiGatewayManagementApiClient } = require('@aws-sdk/client-apigatewaymanagementapi');

const START_DEADLINE_MS = 10000;
const STOP_DEADLINE_MS = 10000;
const DEFAULT_DEADLINE_MS = 5000;
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const BANNER_RE = /^wsgw \S+ ready on (http:\/\/127\.0\.0\.1:(\d+))\s*$/m;
// "  TLS: wss://127.0.0.1:PORT/{stage}, https://127.0.0.1:PORT (certificate: PATH)"
const TLS_BANNER_RE = /^\s*TLS:\s+wss:\/\/127\.0\.0\.1:(\d+)\/\{stage\}, https:\/\/127\.0\.0\.1:\d+ \(certificate: (.+)\)\s*$/m;

function wsgwBin() {
  const bin = process.env.WSGW_BIN;
  if (!bin)
    throw new Error('WSGW_BIN is not set: run these tests through ctest (ctest -L clients) ' +
                    'or set WSGW_BIN to the wsgw executable');
  if (!fs.existsSync(bin))
    throw new Error(`WSGW_BIN=${bin} does not exist: build the wsgw target first`);
  return bin;
}

function configPath() {
  const src = process.env.WSGW_SOURCE_DIR || path.resolve(__dirname, '..', '..');
  return path.join(src, 'fixtures', 'chat-app.json');
}

// Rejects after ms unless the promise settles first; `what` (a string, or a
// function evaluated at the deadline) describes what was awaited.
function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(
      `timed out after ${ms} ms: ${typeof what === 'function' ? what() : what}`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

// Polls fn (sync or async) until it returns a truthy value, which is returned.
// Exceptions thrown by fn count as "not yet" but the last one is reported.
async function waitUntil(fn, { timeoutMs = DEFAULT_DEADLINE_MS, intervalMs = 10,
                               what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  let lastErr;
  for (;;) {
    try {
      const v = await fn();
      if (v)
        return v;
      lastErr = undefined;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= end) {
      const why = lastErr ? ` (last error: ${lastErr.name}: ${lastErr.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

// Starts `wsgw serve --config fixtures/chat-app.json --port 0 --in-memory` and
// resolves once the banner names the port. The returned object's stop()
// sends SIGTERM and waits for the exit (SIGKILL after a deadline).
//
// Options: `args` (extra command-line arguments), `config` (a config file
// instead of fixtures/chat-app.json), `tls` (also wait for the banner's TLS
// line; the result then has tlsPort, certPath, httpsUrl and wssBase),
// `inMemory` (default true; false when `args` names a --data-dir).
// env: variables added to (or, when undefined, removed from) this process's environment.
function startServer({ args = [], config, serverless, tls = false, inMemory = true, env } = {}) {
  const bin = wsgwBin();
  const argv = ['serve', ...(serverless ? ['--serverless', serverless] : ['--config', config || configPath()]),
                '--port', '0',
                ...(inMemory ? ['--in-memory'] : []),
                ...(tls && !args.includes('--tls-port') ? ['--tls-port', '0'] : []), ...args];
  const childEnv = { ...process.env, ...(env || {}) };
  for (const k of Object.keys(env || {}))
    if (env[k] === undefined) delete childEnv[k];
  const child = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
  let stdout = '';
  let stderr = '';
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });

  const ready = new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      stdout += d;
      const m = BANNER_RE.exec(stdout);
      const t = tls ? TLS_BANNER_RE.exec(stdout) : null;
      if (m && (!tls || t))
        resolve({ baseUrl: m[1], port: Number(m[2]),
                  tls: t ? { port: Number(t[1]), certPath: t[2] } : null });
    });
    child.once('error', (err) => reject(new Error(`cannot start ${bin}: ${err.message}`)));
    exited.then(({ code, signal }) => reject(new Error(
      `wsgw exited before it was ready (code ${code}, signal ${signal})\n` +
      `stdout:\n${stdout}\nstderr:\n${stderr}`)));
  });

  let stopping;
  const stop = () => {
    if (!stopping) {
      stopping = (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          let timer;
          const killed = new Promise((resolve) => {
            timer = setTimeout(() => { child.kill('SIGKILL'); resolve('killed'); },
                               STOP_DEADLINE_MS);
          });
          const r = await Promise.race([exited, killed]);
          clearTimeout(timer);
          if (r === 'killed')
            throw new Error(`wsgw did not stop within ${STOP_DEADLINE_MS} ms of SIGTERM; ` +
                            `killed it\nstderr:\n${stderr}`);
        }
        return exited;
      })();
    }
    return stopping;
  };

  return withDeadline(ready, START_DEADLINE_MS,
                      () => `wsgw banner on stdout (got: ${JSON.stringify(stdout)}, stderr: ${JSON.stringify(stderr)})`)
    .then(({ baseUrl, port, tls: t }) => ({
      child,
      port,
      baseUrl,                                   // DynamoDB endpoint
      wsUrl: `ws://127.0.0.1:${port}/dev`,
      managementEndpoint: `${baseUrl}/dev`,      // the SDK appends /@connections/{id}
      ...(t ? {
        tlsPort: t.port,
        certPath: t.certPath,                    // the certificate to trust
        httpsUrl: `https://127.0.0.1:${t.port}`,
        wssBase: `wss://127.0.0.1:${t.port}`,    // append /{stage}
      } : {}),
      stderr: () => stderr,
      stdout: () => stdout,                      // the banner and anything after it
      stop,
    }), async (err) => {
      await stop().catch(() => {});
      throw err;
    });
}

const sdkCommon = () => ({ region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });

function dynamoClient(server) {
  return new DynamoDBClient({ ...sdkCommon(), endpoint: server.baseUrl });
}

function documentClient(ddb) {
  return DynamoDBDocumentClient.from(ddb);
}

function managementClient(server) {
  return new ApiGatewayManagementApiClient({ ...sdkCommon(), endpoint: server.managementEndpoint });
}

// A WebSocket that buffers every message (so none is lost between awaits).
// Resolves once open; rejects on error, a non-101 answer or the deadline.
// `ca` (a PEM string or Buffer) is the authority to trust for wss://.
function connectWs(url, { timeoutMs = DEFAULT_DEADLINE_MS, headers, ca } = {}) {
  const ws = new WebSocket(url, { headers, ...(ca ? { ca } : {}) });
  ws.received = [];        // { data: string, isBinary: boolean }
  const waiters = new Set();
  ws.on('message', (data, isBinary) => {
    ws.received.push({ data: data.toString('utf8'), isBinary });
    for (const w of waiters) w();
  });
  ws.closed = new Promise((resolve) => {
    ws.once('close', (code, reason) => {
      resolve({ code, reason: reason.toString('utf8') });
      for (const w of waiters) w();
    });
  });
  ws.on('error', () => {});  // surfaced through the open promise / close
  // Resolves with the first buffered message (index >= from) matching pred.
  ws.waitForMessage = (pred = () => true, { timeoutMs: t = DEFAULT_DEADLINE_MS, from = 0 } = {}) => {
    let notify;
    const p = new Promise((resolve, reject) => {
      notify = () => {
        const m = ws.received.slice(from).find((x) => pred(x.data));
        if (m) resolve(m);
        else if (ws.readyState === WebSocket.CLOSED)
          reject(new Error('socket closed while waiting for a message; got ' +
                           JSON.stringify(ws.received.map((x) => x.data))));
      };
      waiters.add(notify);
      notify();
    });
    return withDeadline(p, t, () => 'a matching WebSocket message; got ' +
                        JSON.stringify(ws.received.slice(from).map((x) => x.data)))
      .finally(() => waiters.delete(notify));
  };
  ws.waitForClose = ({ timeoutMs: t = DEFAULT_DEADLINE_MS } = {}) =>
    withDeadline(ws.closed, t, 'the WebSocket to close');

  const opened = new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', (err) => reject(new Error(`WebSocket ${url}: ${err.message}`)));
    ws.once('unexpected-response', (req, res) =>
      reject(new Error(`WebSocket ${url}: HTTP ${res.statusCode} instead of 101`)));
  });
  return withDeadline(opened, timeoutMs, `WebSocket open ${url}`).catch((err) => {
    ws.terminate();
    throw err;
  });
}

// Closes a socket (close frame, then terminate after a deadline).
async function closeWs(ws, timeoutMs = 2000) {
  if (ws.readyState === WebSocket.CLOSED)
    return;
  if (ws.readyState === WebSocket.OPEN)
    ws.close(1000);
  else
    ws.terminate();
  try {
    await withDeadline(ws.closed, timeoutMs, 'close handshake');
  } catch {
    ws.terminate();
  }
}

// All ids in table Connections (consistent, all pages).
async function connectionIds(ddb, table = 'Connections') {
  const ids = [];
  let start;
  do {
    const out = await ddb.send(new ScanCommand({
      TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    for (const item of out.Items || [])
      if (item.id && item.id.S !== undefined) ids.push(item.id.S);
    start = out.LastEvaluatedKey;
  } while (start);
  return ids;
}

// Opens a client and learns its connection id from table Connections (the
// id $connect stored that was not there before).
async function connectAndIdentify(server, ddb, opts) {
  const before = new Set(await connectionIds(ddb));
  const ws = await connectWs(server.wsUrl, opts);
  try {
    const fresh = await waitUntil(async () => {
      const now = (await connectionIds(ddb)).filter((id) => !before.has(id));
      return now.length === 1 ? now : null;
    }, { what: 'the new connection id in table Connections' });
    ws.connectionId = fresh[0];
    return ws;
  } catch (err) {
    ws.terminate();
    throw err;
  }
}

// One fresh server plus clients for a node:test test; everything is cleaned
// up by t.after (sockets closed, clients destroyed, server stopped).
async function setup(t) {
  const server = await startServer();
  const ddb = dynamoClient(server);
  const doc = documentClient(ddb);
  const mgmt = managementClient(server);
  const sockets = [];
  t.after(async () => {
    await Promise.all(sockets.map((ws) => closeWs(ws)));
    mgmt.destroy();
    ddb.destroy();
    const { code, signal } = await server.stop();
    if (code !== 0)
      throw new Error(`wsgw exited with code ${code} signal ${signal} after SIGTERM\n` +
                      `stderr:\n${server.stderr()}`);
  });
  return {
    server, ddb, doc, mgmt,
    connect: async (opts) => {
      const ws = await connectAndIdentify(server, ddb, opts);
      sockets.push(ws);
      return ws;
    },
  };
}

// The error fn's promise rejects with; fails the test when it resolves.
async function rejection(fn) {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected the call to throw');
}

module.exports = {
  REGION, CREDENTIALS, DEFAULT_DEADLINE_MS,
  startServer, dynamoClient, documentClient, managementClient,
  connectWs, closeWs, connectionIds, connectAndIdentify, waitUntil, withDeadline, setup, rejection,
};
