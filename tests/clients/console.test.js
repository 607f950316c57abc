'use strict';
// The web console at /_wsgw/ (issue 22; emulator/server/console/, console.h) in a
// real browser: Debian's Chromium, headless, driven by playwright-core. The page
// is opened once and watched while a client connects, gets a message sent from
// the console, is disconnected from it ($disconnect shows in the invocations),
// and an item is edited (read back through the SDK) and edited badly
// (DynamoDB's ValidationException shown inline). Also: the stream records, the
// faults form, https:// on the TLS listener, --console/--no-console and the event
// stream's subscriber cap.
// Screenshots go to $WSGW_ARTIFACTS_DIR (the build tree's artifacts/, set by
// CMake) or tests/artifacts. Every wait is a DOM condition with a deadline.
// Run: WSGW_BIN=/path/to/wsgw node --test console.test.js  (or ctest -R clients.console)

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CHROMIUM = '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM))
  throw new Error(`clients.console: ${CHROMIUM} is missing: install Debian's chromium package ` +
                  '(run `make test` from the repository root, or `apt-get install chromium`)');

const h = require('./helpers.js');
const { GetItemCommand, PutItemCommand } = require('@aws-sdk/client-dynamodb');

let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (err) {
  throw new Error('clients.console: playwright-core is not installed ' +
                  `(${err.message}): run \`cd tests/clients && npm ci\``);
}

const WAIT_MS = 15000;
const TIMEOUT = { timeout: 120000 };
const ARTIFACTS = process.env.WSGW_ARTIFACTS_DIR || path.resolve(__dirname, '..', 'artifacts');
const USER_AGENT = 'console-test-client/1.0';

// The chat app plus a Notes table with a stream and a GSI.
const CONFIG = {
  region: 'us-east-1',
  apis: [{
    name: 'chat', stage: 'dev',
    defaults: { function: { environment: { TABLE_NAME: 'Connections' } } },
    routes: { $connect: 'chat.connect', $disconnect: 'chat.disconnect', sendmessage: 'chat.sendmessage',
              fail: 'diag.fail' },
  }],
  tables: [
    {
      TableName: 'Connections',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    {
      TableName: 'Notes',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' },
                             { AttributeName: 'owner', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      GlobalSecondaryIndexes: [{
        IndexName: 'byOwner', KeySchema: [{ AttributeName: 'owner', KeyType: 'HASH' }],
        Projection: { ProjectionType: 'ALL' },
      }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
      BillingMode: 'PAY_PER_REQUEST',
    },
  ],
};

let tmpDir;
let server;
let browser;
let ddb;

before(async () => {
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsgw-console-'));
  const configFile = path.join(tmpDir, 'console-app.json');
  fs.writeFileSync(configFile, JSON.stringify(CONFIG));
  server = await h.startServer({ config: configFile });
  ddb = h.dynamoClient(server);
  browser = await chromium.launch({
    executablePath: CHROMIUM, headless: true, timeout: 30000,
    // --ignore-certificate-errors: the https:// test trusts wsgw's self-signed certificate.
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--ignore-certificate-errors'],
  });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
});

after(async () => {
  if (browser) await browser.close();
  if (ddb) ddb.destroy();
  if (server) await server.stop();
  if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
});

// Waits for fn(arg) in the page; on timeout says what was awaited and what wsgw logged.
async function waitInPage(page, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: WAIT_MS });
  } catch (err) {
    throw new Error(`${what}: ${err.message.split('\n')[0]}\npage console:\n${(page.logs || []).join('\n')}` +
                    `\nwsgw stderr:\n${server.stderr()}`);
  }
}

async function openConsole(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.logs = [];
  page.on('console', (m) => page.logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => page.logs.push(`pageerror: ${e.message}`));
  const res = await page.goto(`${server.baseUrl}/_wsgw/`, { timeout: WAIT_MS });
  assert.equal(res.status(), 200);
  assert.match(res.headers()['content-type'], /^text\/html; charset=utf-8$/);
  await waitInPage(page, 'the live indicator', () => document.getElementById('live').dataset.state === 'live');
  return page;
}

const shot = (page, name) => page.screenshot({ path: path.join(ARTIFACTS, name), timeout: WAIT_MS });

describe('the web console', TIMEOUT, () => {
  let page;
  let ws;
  let id;

  test('serves its files with their content types and the app\'s endpoints', TIMEOUT, async () => {
    for (const [file, type] of [['console.css', /^text\/css/], ['console.js', /^text\/javascript/]]) {
      const r = await fetch(`${server.baseUrl}/_wsgw/${file}`);
      assert.equal(r.status, 200, file);
      assert.match(r.headers.get('content-type'), type);
      assert.match(r.headers.get('content-security-policy'), /script-src 'self'/);
    }
    const bare = await fetch(`${server.baseUrl}/_wsgw`, { redirect: 'manual' });
    assert.equal(bare.status, 302);
    assert.equal(bare.headers.get('location'), '/_wsgw/');
    const info = await (await fetch(`${server.baseUrl}/_wsgw/info`)).json();
    assert.equal(info.apis[0].name, 'chat');
    assert.equal(info.apis[0].url, `ws://127.0.0.1:${server.port}/dev`);
    assert.equal(info.dynamodb, server.baseUrl);
  });

  test('shows a connection as soon as a client connects', TIMEOUT, async () => {
    page = await openConsole();
    assert.equal(await page.textContent('#app-name'), 'chat');
    ws = await h.connectWs(server.wsUrl, { headers: { 'User-Agent': USER_AGENT } });
    await waitInPage(page, 'a row in #connections',
                     () => document.querySelectorAll('#connections tbody tr').length === 1);
    id = await page.getAttribute('#connections tbody tr', 'data-connection-id');
    assert.match(id, /^[A-Za-z0-9_=-]{10,}$/);
    const row = await page.textContent(`tr[data-connection-id="${id}"]`);
    assert.ok(row.includes(USER_AGENT), `the row shows the user agent: ${row}`);
    assert.ok(row.includes('chat / dev'), row);
    // A message from the client: its frame count and its invocation arrive live.
    ws.send(JSON.stringify({ action: 'sendmessage', data: 'hi from the client' }));
    await ws.waitForMessage((m) => m === 'hi from the client');
    await waitInPage(page, 'frames in/out 1 / 1',
                     (cid) => document.querySelector(`tr[data-connection-id="${cid}"] td[data-field=frames]`)
                       .textContent === '1 / 1', id);
  });

  test('sends a message to the connection, and the client receives it', TIMEOUT, async () => {
    await page.click(`tr[data-connection-id="${id}"] button[data-action=send]`);
    await page.fill('#send-text', '{"from":"the console"}');
    await page.click('#send-button');
    const m = await ws.waitForMessage((d) => d === '{"from":"the console"}', { timeoutMs: WAIT_MS });
    assert.equal(m.data, '{"from":"the console"}');
    await waitInPage(page, '#send-result says sent',
                     () => document.getElementById('send-result').textContent.startsWith('sent'));
    await shot(page, 'console-connections.png');
  });

  test('disconnects it from the console, and $disconnect shows in the invocations', TIMEOUT, async () => {
    await page.click(`tr[data-connection-id="${id}"] button[data-action=disconnect]`);
    const closed = await ws.waitForClose({ timeoutMs: WAIT_MS });
    assert.equal(closed.code, 1000);
    await waitInPage(page, 'the row to go', () => document.querySelectorAll('#connections tbody tr').length === 0);
    await page.click('a[data-tab=invocations]');
    await waitInPage(page, 'a $disconnect row for the connection',
                     (cid) => [...document.querySelectorAll('#invocations tbody tr[data-route="$disconnect"]')]
                       .some((tr) => tr.textContent.includes(cid)), id);
    // The filter by connection keeps its three invocations.
    await page.fill('#filter-connection', id);
    await waitInPage(page, '$connect, sendmessage and $disconnect rows',
                     () => [...document.querySelectorAll('#invocations tbody tr')].map((tr) => tr.dataset.route)
                       .sort().join() === '$connect,$disconnect,sendmessage');
    await page.fill('#filter-route', '$disconnect');
    await waitInPage(page, 'one row', () => document.querySelectorAll('#invocations tbody tr').length === 1);
    await page.click('#invocations tbody tr');
    await waitInPage(page, 'the event JSON', () => document.getElementById('inv-event').textContent.includes('"DISCONNECT"'));
    assert.match(await page.textContent('#inv-title'), /\$disconnect → chat\.disconnect/);
    assert.match(await page.textContent('#inv-response'), /statusCode/);
    await shot(page, 'console-invocations.png');
  });

  test('kills a connection silently: the client sees 1006, $disconnect still runs', TIMEOUT, async () => {
    await page.click('a[data-tab=connections]');
    const victim = await h.connectWs(server.wsUrl);
    await waitInPage(page, 'a row for the new client',
                     () => document.querySelectorAll('#connections tbody tr').length === 1);
    const vid = await page.getAttribute('#connections tbody tr', 'data-connection-id');
    await page.click(`tr[data-connection-id="${vid}"] button[data-action=kill]`);
    const closed = await victim.waitForClose({ timeoutMs: WAIT_MS });
    assert.equal(closed.code, 1006, 'no close frame: the TCP connection was dropped');
    await waitInPage(page, 'the row to go', () => document.querySelectorAll('#connections tbody tr').length === 0);
    await page.click('a[data-tab=invocations]');
    await page.fill('#filter-route', '$disconnect');
    await page.fill('#filter-connection', vid);
    await waitInPage(page, 'its $disconnect', () => document.querySelectorAll('#invocations tbody tr').length === 1);
    await page.click('#inv-clear-filters');
  });

  test('a function error shows in the invocation log as it happens', TIMEOUT, async () => {
    const client = await h.connectWs(server.wsUrl);
    try {
      client.send(JSON.stringify({ action: 'fail' }));
      await waitInPage(page, 'the fail route\'s error in its row',
                       () => [...document.querySelectorAll('#invocations tbody tr[data-route=fail] td[data-field=error]')]
                         .some((td) => td.textContent.includes('failing on purpose')));
      await page.click('a[data-tab=invocations]');
      await page.click('#invocations tbody tr[data-route=fail]');
      await waitInPage(page, 'the error in the detail', () => !document.getElementById('inv-error').hidden);
      assert.match(await page.textContent('#inv-error'), /^error: diag\.fail: failing on purpose/);
      await shot(page, 'console-invocation-error.png');
    } finally {
      await h.closeWs(client);
    }
  });

  test('edits an item, and the SDK reads the edit back', TIMEOUT, async () => {
    await ddb.send(new PutItemCommand({
      TableName: 'Notes', Item: { id: { S: 'n1' }, owner: { S: 'ana' }, text: { S: 'first' } } }));
    await page.click('a[data-tab=tables]');
    await page.click('a[data-table=Notes]');
    await waitInPage(page, 'the item n1', () => [...document.querySelectorAll('#items tbody td')].some((td) => td.textContent === 'n1'));
    assert.match(await page.textContent('#table-keys'), /byOwner \(GSI\)/);
    await page.click('#items tbody tr');
    const edited = { id: { S: 'n1' }, owner: { S: 'ana' }, text: { S: 'edited in the console' }, n: { N: '42' } };
    await page.fill('#item-json', JSON.stringify(edited, null, 2));
    await page.click('#item-save');
    await waitInPage(page, 'saved', () => document.getElementById('item-status').textContent === 'saved');
    const got = await ddb.send(new GetItemCommand({ TableName: 'Notes', Key: { id: { S: 'n1' } }, ConsistentRead: true }));
    assert.deepEqual(got.Item, edited);
    // Query through the index, by the owner.
    await page.selectOption('#read-op', 'Query');
    await page.selectOption('#read-index', 'byOwner');
    await page.fill('#read-pk', 'ana');
    await page.click('#read-run');
    await waitInPage(page, 'one item from the index', () => document.getElementById('read-status').textContent.startsWith('1 item '));
    // Paging: a Scan of two items one per page, forward and back.
    await ddb.send(new PutItemCommand({ TableName: 'Notes', Item: { id: { S: 'n2' }, owner: { S: 'bo' } } }));
    await page.selectOption('#read-op', 'Scan');
    await page.selectOption('#read-index', '');
    await page.fill('#read-limit', '1');
    await page.click('#read-run');
    await waitInPage(page, 'page 1 of a Scan',
                     () => document.getElementById('read-status').textContent.includes('page 1 · more pages'));
    const first = await page.textContent('#items tbody td');
    await page.click('#read-next');
    await waitInPage(page, 'page 2', () => document.getElementById('read-status').textContent.includes('page 2'));
    const second = await page.textContent('#items tbody td');
    assert.notEqual(first, second);
    assert.deepEqual([first, second].sort(), ['n1', 'n2']);
    await page.click('#read-prev');
    await waitInPage(page, 'page 1 again', () => document.getElementById('read-status').textContent.includes('page 1'));
    assert.equal(await page.textContent('#items tbody td'), first);
    assert.equal(await page.isDisabled('#read-prev'), true);
    await page.fill('#read-limit', '25');
    await page.click('#read-run');
    await waitInPage(page, 'both items', () => document.querySelectorAll('#items tbody tr').length === 2);
  });

  test('an invalid edit shows DynamoDB\'s error inline', TIMEOUT, async () => {
    await page.click('#items tbody tr');
    await page.fill('#item-json', JSON.stringify({ id: { S: 'n1' }, n: { N: 'not a number' } }));
    await page.click('#item-save');
    await waitInPage(page, '#item-error', () => !document.getElementById('item-error').hidden);
    const text = await page.textContent('#item-error');
    assert.match(text, /^ValidationException: /);
    const got = await ddb.send(new GetItemCommand({ TableName: 'Notes', Key: { id: { S: 'n1' } }, ConsistentRead: true }));
    assert.equal(got.Item.n.N, '42', 'the refused edit changed nothing');
    await shot(page, 'console-item-error.png');
  });

  test('lists the table\'s stream records', TIMEOUT, async () => {
    await page.click('#stream-show');
    await waitInPage(page, 'stream records', () => document.querySelectorAll('#stream-records tbody tr').length >= 2);
    const events = await page.$$eval('#stream-records tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    assert.deepEqual(events.slice(0, 2), ['INSERT', 'MODIFY']);
  });

  test('adds a fault from the form, counts its hits, and clears them all', TIMEOUT, async () => {
    await page.click('a[data-tab=faults]');
    await page.selectOption('#fault-type', 'dynamodb.error');
    await page.fill('#fault-json', JSON.stringify({ type: 'dynamodb.error', operation: 'GetItem', table: 'Notes',
                                                    error: 'ThrottlingException', count: 1 }));
    await page.click('#fault-add');
    await waitInPage(page, 'a fault row', () => document.querySelectorAll('#faults tbody tr').length === 1);
    await assert.rejects(ddb.send(new GetItemCommand({ TableName: 'Notes', Key: { id: { S: 'n1' } } })),
                         (err) => err.name === 'ThrottlingException');
    await page.click('#faults-refresh');
    await waitInPage(page, 'hits 1', () => document.querySelector('#faults tbody tr td:nth-child(4)').textContent === '1');
    await page.click('#faults-clear');
    await waitInPage(page, 'no fault rows', () => document.querySelectorAll('#faults tbody tr').length === 0);
  });

  test('fits a narrow window, in dark mode', TIMEOUT, async () => {
    const narrow = await openConsole({ width: 420, height: 800 });
    await narrow.emulateMedia({ colorScheme: 'dark' });
    await narrow.click('a[data-tab=connect]');
    const snippet = await narrow.textContent('#env-snippet');
    assert.ok(snippet.includes(`AWS_ENDPOINT_URL_DYNAMODB=${server.baseUrl}`), snippet);
    assert.ok((await narrow.textContent('#boto3-snippet')).includes(`endpoint_url="${server.baseUrl}"`));
    const overflow = await narrow.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `no horizontal scrolling of the page (${overflow} px too wide)`);
    const bg = await narrow.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.equal(bg, 'rgb(20, 23, 29)', 'the dark palette');
    await shot(narrow, 'console-narrow-dark.png');
    await narrow.context().close();
    await page.context().close();
  });
});

describe('the console\'s switches and limits', TIMEOUT, () => {
  test('--no-console turns it off on loopback; --console on 0.0.0.0 turns it on', TIMEOUT, async () => {
    const off = await h.startServer({ args: ['--no-console'] });
    try {
      assert.equal((await fetch(`${off.baseUrl}/_wsgw/`)).status, 404);
      assert.equal((await fetch(`${off.baseUrl}/_wsgw/events`)).status, 404);
      assert.equal((await fetch(`${off.baseUrl}/_wsgw/faults`)).status, 200, 'the control API stays');
    } finally {
      await off.stop();
    }
    const any = await h.startServer({ args: ['--host', '0.0.0.0'] });
    try {
      assert.equal((await fetch(`${any.baseUrl}/_wsgw/`)).status, 404, 'off by default on 0.0.0.0');
    } finally {
      await any.stop();
    }
    const on = await h.startServer({ args: ['--host', '0.0.0.0', '--console'] });
    try {
      assert.equal((await fetch(`${on.baseUrl}/_wsgw/`)).status, 200);
    } finally {
      await on.stop();
    }
  });

  test('works over https:// on the TLS listener, live updates included', TIMEOUT, async () => {
    const tls = await h.startServer({ tls: true });
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    try {
      const p = await context.newPage();
      const res = await p.goto(`${tls.httpsUrl}/_wsgw/`, { timeout: WAIT_MS });
      assert.equal(res.status(), 200);
      await p.waitForFunction(() => document.getElementById('live').dataset.state === 'live', null,
                              { timeout: WAIT_MS });
      const ws = await h.connectWs(tls.wsUrl);
      await p.waitForFunction(() => document.querySelectorAll('#connections tbody tr').length === 1, null,
                              { timeout: WAIT_MS });
      await h.closeWs(ws);
      await p.waitForFunction(() => document.querySelectorAll('#connections tbody tr').length === 0, null,
                              { timeout: WAIT_MS });
    } finally {
      await context.close();
      await tls.stop();
    }
  });

  test('at most 8 event streams at once; the 9th gets a 503, and a closed one frees its place', TIMEOUT, async () => {
    const own = await h.startServer();
    const controllers = [];
    const open = async () => {
      const c = new AbortController();
      const r = await fetch(`${own.baseUrl}/_wsgw/events`, { signal: c.signal });
      if (r.status === 200) controllers.push(c);
      else await r.text();
      return r;
    };
    try {
      for (let i = 0; i < 8; i++) {
        const r = await open();
        assert.equal(r.status, 200);
        assert.match(r.headers.get('content-type'), /^text\/event-stream/);
      }
      assert.equal((await open()).status, 503);
      controllers.shift().abort();
      // wsgw notices the closed stream at its next keep-alive write.
      await h.waitUntil(async () => (await open()).status === 200,
                        { timeoutMs: WAIT_MS, intervalMs: 250, what: 'a stream after one was closed' });
    } finally {
      for (const c of controllers) c.abort();
      await own.stop();
    }
  });
});
