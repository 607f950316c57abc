'use strict';
// wss:// and https:// (issue 3, "TLS, APIs, authorizers, logs"): wsgw started
// with `--port 0` also listens for TLS on a free port with a self-signed
// certificate generated in the data directory; the banner line
// `TLS: wss://127.0.0.1:PORT/{stage}, https://127.0.0.1:PORT (certificate: PATH)`
// names both. Every endpoint must work over TLS for clients that trust that
// certificate (DynamoDB, WebSocket chat, @connections), clients that do not
// trust it must be refused, and the handlers' AWS recipe
// `https://${domainName}/${stage}`, built from a recorded event, must reach
// the emulator over TLS unchanged.
// Run: WSGW_BIN=/path/to/wsgw node --test tls.test.js  (or ctest -L clients)

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const https = require('node:https');
const tls = require('node:tls');
const { execFile } = require('node:child_process');
const { promisify } = require('node:util');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

const { DynamoDBClient, ListTablesCommand, ScanCommand } = require('@aws-sdk/client-dynamodb');
const {
  ApiGatewayManagementApiClient, PostToConnectionCommand, GetConnectionCommand,
} = require('@aws-sdk/client-apigatewaymanagementapi');
const { NodeHttpHandler } = require('@smithy/node-http-handler');

const TIMEOUT = { timeout: 30000 };
const run = promisify(execFile);

// GET url with Node's default trust store (plus NODE_EXTRA_CA_CERTS when
// given), in a child process, as a user's Node app would. Resolves with the
// child's stdout: the status code and body, or the error message.
async function getInChildNode(url, extraCa) {
  const script = `require('node:https').get(${JSON.stringify(url)}, (res) => {
      let b = ''; res.on('data', (d) => { b += d; });
      res.on('end', () => { console.log(res.statusCode + ' ' + b); });
    }).on('error', (e) => { console.log('ERROR ' + e.message); });`;
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  if (extraCa)
    env.NODE_EXTRA_CA_CERTS = extraCa;
  const { stdout } = await run(process.execPath, ['-e', script], { env, timeout: 10000 });
  return stdout.trim();
}

// The certificate a TLS server presents (verified against ca).
function peerCertificate(port, ca) {
  return h.withDeadline(new Promise((resolve, reject) => {
    const sock = tls.connect({ host: '127.0.0.1', port, ca, servername: undefined }, () => {
      const cert = sock.getPeerCertificate();
      sock.end();
      resolve(cert);
    });
    sock.once('error', reject);
  }), h.DEFAULT_DEADLINE_MS, `TLS handshake with 127.0.0.1:${port}`);
}

async function stopCleanly(server) {
  const { code, signal } = await server.stop();
  if (code !== 0)
    throw new Error(`wsgw exited with code ${code} signal ${signal}\n${server.stderr()}`);
}

// Two APIs: the chat app (stage dev) and a recorder (stage rec) whose
// $connect and $default store their events in table Events (diag.record).
const CONFIG = {
  region: 'us-east-1',
  apis: [
    {
      name: 'chat', stage: 'dev',
      defaults: { function: { environment: { TABLE_NAME: 'Connections' } } },
      routes: {
        $connect: 'chat.connect',
        $disconnect: 'chat.disconnect',
        sendmessage: 'chat.sendmessage',
      },
    },
    {
      name: 'rec', stage: 'rec',
      defaults: { function: { environment: { EVENTS_TABLE: 'Events' } } },
      routes: { $connect: 'diag.record', $default: 'diag.record' },
    },
  ],
  tables: ['Connections', 'Events'].map((name) => ({
    TableName: name,
    AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    BillingMode: 'PAY_PER_REQUEST',
  })),
};

const sdkCommon = () => ({ region: h.REGION, credentials: h.CREDENTIALS, maxAttempts: 1 });

// One server for the file (TLS start-up generates a key); tests use their own
// connections and tables rows, so they do not interfere.
let tmpDir;
let server;
let ca;
let agent;

const trusted = () => new NodeHttpHandler({ httpsAgent: agent });

function ddbOverTls() {
  return new DynamoDBClient({ ...sdkCommon(), endpoint: server.httpsUrl,
                              requestHandler: trusted() });
}

function managementOverTls(endpoint) {
  return new ApiGatewayManagementApiClient({ ...sdkCommon(), endpoint,
                                             requestHandler: trusted() });
}

// Every item of a table over https (consistent, all pages).
async function scanAll(ddb, table) {
  const items = [];
  let start;
  do {
    const out = await ddb.send(new ScanCommand({
      TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(out.Items || []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

describe('wsgw over TLS (wss:// and https://)', () => {
  before(async () => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsgw-tls-test-'));
    const configFile = path.join(tmpDir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(CONFIG));
    server = await h.startServer({ config: configFile, tls: true });
    assert.ok(server.tlsPort > 0, `the banner names a TLS port (got ${server.tlsPort})`);
    assert.notEqual(server.tlsPort, server.port);
    assert.ok(fs.existsSync(server.certPath), `certificate ${server.certPath} exists`);
    ca = fs.readFileSync(server.certPath);
    agent = new https.Agent({ ca, keepAlive: false });
  });

  after(async () => {
    if (agent)
      agent.destroy();
    if (server) {
      const { code, signal } = await server.stop();
      if (code !== 0)
        throw new Error(`wsgw exited with code ${code} signal ${signal}\n${server.stderr()}`);
    }
    if (tmpDir)
      fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  test('DynamoDB ListTables works over https with the certificate trusted', TIMEOUT, async () => {
    const ddb = ddbOverTls();
    try {
      const out = await ddb.send(new ListTablesCommand({}));
      assert.deepEqual([...out.TableNames].sort(), ['Connections', 'Events']);
    } finally {
      ddb.destroy();
    }
  });

  test('the health check answers over https', TIMEOUT, async () => {
    const body = await h.withDeadline(new Promise((resolve, reject) => {
      https.get(`${server.httpsUrl}/`, { agent }, (res) => {
        let b = '';
        res.on('data', (d) => { b += d; });
        res.on('end', () => resolve(`${res.statusCode} ${b}`));
      }).on('error', reject);
    }), h.DEFAULT_DEADLINE_MS, 'GET / over https');
    assert.match(body, /^200 healthy: dynamodb\.us-east-1\.amazonaws\.com/);
  });

  test('NODE_EXTRA_CA_CERTS (the documented way) makes Node trust it', TIMEOUT, async () => {
    const without = await getInChildNode(`${server.httpsUrl}/`, null);
    assert.match(without, /^ERROR .*(self[- ]signed|certificate|unable to verify)/i);
    const withCa = await getInChildNode(`${server.httpsUrl}/`, server.certPath);
    assert.match(withCa, /^200 healthy/);
  });

  test('a client that does not trust the certificate is refused', TIMEOUT, async () => {
    // Without `ca`, Node rejects the self-signed certificate: the listener
    // really is TLS with wsgw's own certificate.
    await assert.rejects(h.connectWs(`${server.wssBase}/dev`),
                         /self[- ]signed|certificate|unable to verify/i);
    const ddb = new DynamoDBClient({ ...sdkCommon(), endpoint: server.httpsUrl });
    try {
      await assert.rejects(ddb.send(new ListTablesCommand({})),
                           /self[- ]signed|certificate|unable to verify/i);
    } finally {
      ddb.destroy();
    }
  });

  test('two ws clients chat over wss', TIMEOUT, async () => {
    const ddb = ddbOverTls();
    const sockets = [];
    try {
      const alice = await h.connectWs(`${server.wssBase}/dev`, { ca });
      sockets.push(alice);
      const bob = await h.connectWs(`${server.wssBase}/dev`, { ca });
      sockets.push(bob);
      await h.waitUntil(async () => (await scanAll(ddb, 'Connections')).length >= 2,
                        { what: 'both connections stored by chat.connect' });
      alice.send(JSON.stringify({ action: 'sendmessage', data: 'hello over wss' }));
      const [a, b] = await Promise.all([
        alice.waitForMessage((d) => d === 'hello over wss'),
        bob.waitForMessage((d) => d === 'hello over wss'),
      ]);
      assert.equal(a.data, 'hello over wss');
      assert.equal(b.data, 'hello over wss');
    } finally {
      await Promise.all(sockets.map((ws) => h.closeWs(ws)));
      ddb.destroy();
    }
  });

  test('the recipe https://{domainName}/{stage} from a recorded event reaches wsgw over TLS',
       TIMEOUT, async () => {
    const ddb = ddbOverTls();
    const ws = await h.connectWs(`${server.wssBase}/rec`, { ca });
    let mgmt;
    try {
      // Learn this connection's CONNECT event (the newest one not yet seen).
      ws.send('mark');  // a $default MESSAGE, recorded too
      const event = await h.waitUntil(async () => {
        const items = await scanAll(ddb, 'Events');
        const connects = items.filter((it) => it.eventType.S === 'CONNECT')
          .map((it) => JSON.parse(it.event.S));
        const messages = items.filter((it) => it.eventType.S === 'MESSAGE')
          .map((it) => JSON.parse(it.event.S));
        // One connection to /rec in this file: its MESSAGE names it.
        const msg = messages.find((m) => m.body === 'mark');
        return msg && connects.find((c) =>
          c.requestContext.connectionId === msg.requestContext.connectionId);
      }, { what: 'the recorded CONNECT event' });
      const { domainName, stage, connectionId } = event.requestContext;
      assert.equal(domainName, `127.0.0.1:${server.tlsPort}`,
                   'over wss, domainName is the TLS listener');
      assert.equal(stage, 'rec');
      assert.equal(event.headers['X-Forwarded-Proto'], 'https');

      // Exactly what a handler on AWS does.
      mgmt = managementOverTls(`https://${domainName}/${stage}`);
      const out = await mgmt.send(new PostToConnectionCommand({
        ConnectionId: connectionId, Data: Buffer.from('via the recipe') }));
      assert.equal(out.$metadata.httpStatusCode, 200);
      const got = await ws.waitForMessage((d) => d === 'via the recipe');
      assert.equal(got.data, 'via the recipe');
      const info = await mgmt.send(new GetConnectionCommand({ ConnectionId: connectionId }));
      assert.ok(info.ConnectedAt instanceof Date, 'GetConnection over https returns ConnectedAt');
      assert.equal(info.Identity.SourceIp, '127.0.0.1');
    } finally {
      if (mgmt)
        mgmt.destroy();
      await h.closeWs(ws);
      ddb.destroy();
    }
  });

  test('PostToConnection over https reaches a wss client', TIMEOUT, async () => {
    const ddb = ddbOverTls();
    const ws = await h.connectWs(`${server.wssBase}/dev`, { ca });
    const mgmt = managementOverTls(`${server.httpsUrl}/dev`);
    try {
      // chat.connect stored the id; find the one that answers.
      const ids = (await h.waitUntil(async () => {
        const items = await scanAll(ddb, 'Connections');
        return items.length ? items : null;
      }, { what: 'a stored connection id' })).map((it) => it.id.S);
      let delivered = 0;
      for (const id of ids) {
        try {
          await mgmt.send(new PostToConnectionCommand({
            ConnectionId: id, Data: Buffer.from(`to ${id}`) }));
          delivered++;
        } catch (err) {
          if (err.name !== 'GoneException')
            throw err;
        }
      }
      assert.ok(delivered >= 1, 'at least the live connection accepted the post');
      const got = await ws.waitForMessage((d) => d.startsWith('to '));
      assert.ok(ids.includes(got.data.slice(3)));
    } finally {
      mgmt.destroy();
      await h.closeWs(ws);
      ddb.destroy();
    }
  });

  // Issue 13, items 4 and 6, over TLS: civetweb reads TLS through SSL_read,
  // which wsgw's libssl shim hands to the same guard as recv on plain sockets.
  test('a wss frame header declaring 2 GB is refused with close 1009 from its header',
       TIMEOUT, async () => {
    const sock = tls.connect({ host: '127.0.0.1', port: server.tlsPort, ca });
    const got = [];
    let buffered = Buffer.alloc(0);
    const closeCode = await h.withDeadline(new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.once('secureConnect', () => {
        sock.write('GET /dev HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n' +
                   'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
                   'Sec-WebSocket-Version: 13\r\n\r\n');
      });
      let upgraded = false;
      sock.on('data', (d) => {
        buffered = Buffer.concat([buffered, d]);
        got.push(d.toString('latin1'));
        if (!upgraded) {
          const end = buffered.indexOf('\r\n\r\n');
          if (end < 0)
            return;
          if (!buffered.toString('latin1').startsWith('HTTP/1.1 101 '))
            return reject(new Error(`no 101: ${got.join('')}`));
          upgraded = true;
          buffered = buffered.subarray(end + 4);
          // FIN + text, masked, 64-bit length 0x7FFF0000, mask 0.
          const header = Buffer.from([0x81, 0xFF, 0, 0, 0, 0, 0x7F, 0xFF, 0, 0, 0, 0, 0, 0]);
          sock.write(header);
        }
        // A server frame: opcode 8 with a 2-byte code first.
        if (buffered.length >= 4 && (buffered[0] & 0x0F) === 8)
          resolve(buffered.readUInt16BE(2));
      });
      sock.once('end', () => reject(new Error(`closed without a close frame: ${got.join('')}`)));
    }), 3000, 'the close frame after a 2 GB frame header over wss').finally(() => sock.destroy());
    assert.equal(closeCode, 1009);
  });

  test('an https request head that trickles in is cut off within seconds', TIMEOUT, async () => {
    const head = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: 0123456789abcdef\r\n\r\n';
    const sock = tls.connect({ host: '127.0.0.1', port: server.tlsPort, ca });
    const started = Date.now();
    let timer;
    await h.withDeadline(new Promise((resolve, reject) => {
      let i = 0;
      sock.once('secureConnect', () => {
        timer = setInterval(() => {
          if (i < head.length)
            sock.write(head[i++]);
        }, 400);
      });
      sock.on('data', () => {});
      sock.once('close', resolve);
      sock.once('error', resolve);
    }), 4500, 'the end of a trickling https head').finally(() => {
      clearInterval(timer);
      sock.destroy();
    });
    assert.ok(Date.now() - started < 4500);
  });
});

describe('TLS certificates', () => {
  test('the self-signed certificate is kept in the data directory across restarts',
       TIMEOUT, async (t) => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsgw-tls-data-'));
    t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
    const first = await h.startServer({ tls: true, inMemory: false, args: ['--data-dir', dataDir] });
    let firstPem;
    try {
      assert.ok(first.certPath.startsWith(dataDir + path.sep),
                `${first.certPath} is inside the data directory ${dataDir}`);
      firstPem = fs.readFileSync(first.certPath, 'utf8');
      assert.match(firstPem, /-----BEGIN CERTIFICATE-----/);
      const cert = await peerCertificate(first.tlsPort, firstPem);
      assert.match(cert.subjectaltname, /IP Address:127\.0\.0\.1/);
      assert.match(cert.subjectaltname, /DNS:localhost/);
    } finally {
      await stopCleanly(first);
    }
    const second = await h.startServer({ tls: true, inMemory: false, args: ['--data-dir', dataDir] });
    try {
      assert.equal(second.certPath, first.certPath);
      assert.equal(fs.readFileSync(second.certPath, 'utf8'), firstPem,
                   'the certificate is reused, so it only needs to be trusted once');
      // Clients that trusted the first certificate still connect.
      const ws = await h.connectWs(`${second.wssBase}/dev`, { ca: firstPem });
      await h.closeWs(ws);
    } finally {
      await stopCleanly(second);
    }
  });

  test('--tls-cert and --tls-key serve the given certificate', TIMEOUT, async (t) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsgw-tls-own-'));
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const certFile = path.join(dir, 'cert.pem');
    const keyFile = path.join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile,
                          '-out', certFile, '-days', '2', '-subj', '/CN=wsgw-regression',
                          '-addext', 'subjectAltName=IP:127.0.0.1'], { timeout: 20000 });
    const pem = fs.readFileSync(certFile);
    const server = await h.startServer({ tls: true,
                                         args: ['--tls-cert', certFile, '--tls-key', keyFile] });
    try {
      const cert = await peerCertificate(server.tlsPort, pem);
      assert.equal(cert.subject.CN, 'wsgw-regression');
      const ddb = new DynamoDBClient({
        ...sdkCommon(), endpoint: server.httpsUrl,
        requestHandler: new NodeHttpHandler({ httpsAgent: new https.Agent({ ca: pem }) }) });
      try {
        const out = await ddb.send(new ListTablesCommand({}));
        assert.ok(out.TableNames.includes('Connections'));
      } finally {
        ddb.destroy();
      }
    } finally {
      await stopCleanly(server);
    }
  });
});
