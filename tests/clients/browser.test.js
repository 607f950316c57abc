'use strict';
// A real browser chats through the emulator (issue 6, "Real browser"):
// Debian's Chromium (/usr/bin/chromium, package `chromium`), headless, driven
// by playwright-core (no browser download), loads the emulator's own chat page
// GET /_wsgw/chat?stage=STAGE[&protocol=P] (emulator/server/chat_page.c,
// docs/browser.md) and chats:
//   (a) two pages over ws:// (page loaded over http://);
//   (b) the same over wss:// (page loaded over https://, the emulator's
//       self-signed certificate, accepted with --ignore-certificate-errors);
//   (c) subprotocols as on AWS: the handshake completes when $connect returns
//       Sec-WebSocket-Protocol (diag.subprotocol) and the browser fails it
//       (close code 1006) when $connect returns none (chat.connect);
//   (d) a screenshot of the two-page chat is kept in
//       tests/artifacts/browser-chat.png (gitignored).
// A missing /usr/bin/chromium or playwright-core fails the file (never skips).
// Every wait is a DOM condition with a deadline; nothing sleeps.
// Run: WSGW_BIN=/path/to/wsgw node --test browser.test.js  (or ctest -R clients.browser)

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const crypto = require('node:crypto');

const CHROMIUM = '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM))
  throw new Error(`clients.browser: ${CHROMIUM} is missing: install Debian's chromium package ` +
                  '(run `make test` from the repository root, which runs .ci/install-deps.sh, ' +
                  'or `apt-get install chromium`)');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

let chromium;
try {
  ({ chromium } = require('playwright-core'));
} catch (err) {
  throw new Error('clients.browser: playwright-core is not installed ' +
                  `(${err.message}): run \`cd tests/clients && npm ci\``);
}

const TIMEOUT = { timeout: 60000 };
const WAIT_MS = 15000;           // one DOM condition (open, a message, closed)
const LAUNCH_MS = 30000;
const ARTIFACTS = path.resolve(__dirname, '..', 'artifacts');
const SCREENSHOT = path.join(ARTIFACTS, 'browser-chat.png');

const table = (name) => ({
  TableName: name,
  AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
  KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
  BillingMode: 'PAY_PER_REQUEST',
});

// dev: the chat app. proto: $connect answers Sec-WebSocket-Protocol = the
// query's `protocol` (diag.subprotocol). plain: the chat app's $connect, which
// returns no Sec-WebSocket-Protocol (own table, so it never joins dev's chat).
const CONFIG = {
  region: 'us-east-1',
  apis: [
    {
      name: 'chat', stage: 'dev',
      defaults: { function: { environment: { TABLE_NAME: 'Connections' } } },
      routes: {
        $connect: 'chat.connect', $disconnect: 'chat.disconnect', sendmessage: 'chat.sendmessage',
      },
    },
    { name: 'proto', stage: 'proto', routes: { $connect: 'diag.subprotocol' } },
    {
      name: 'plain', stage: 'plain',
      defaults: { function: { environment: { TABLE_NAME: 'Plain' } } },
      routes: { $connect: 'chat.connect', $disconnect: 'chat.disconnect' },
    },
  ],
  tables: [table('Connections'), table('Plain')],
};

const BASE_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
                   '--disable-background-networking', '--disable-component-update',
                   '--disable-sync'];
const LAUNCH_ARGS = [...BASE_ARGS, '--ignore-certificate-errors'];

// The base64 SHA-256 of a certificate's public key (SubjectPublicKeyInfo),
// as Chromium's --ignore-certificate-errors-spki-list wants (docs/browser.md).
function spkiHash(pemFile) {
  const der = new crypto.X509Certificate(fs.readFileSync(pemFile)).publicKey
    .export({ type: 'spki', format: 'der' });
  return crypto.createHash('sha256').update(der).digest('base64');
}

const launch = (args) => chromium.launch({
  executablePath: CHROMIUM, headless: true, args, timeout: LAUNCH_MS,
});

let tmpDir;
let server;
let browser;

// What a page shows, for failure messages.
async function describePage(page) {
  try {
    return JSON.stringify(await page.evaluate(() => {
      const s = document.getElementById('status');
      return {
        url: location.href,
        status: s && s.textContent,
        state: s && s.dataset.state,
        messages: [...document.querySelectorAll('#messages li')].map((li) => li.textContent),
      };
    }));
  } catch (err) {
    return `(cannot read the page: ${err.message})`;
  }
}

// Waits for fn(arg) to hold in the page; on timeout says what the page shows.
async function waitInPage(page, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: WAIT_MS });
  } catch (err) {
    throw new Error(`${what}: ${err.message.split('\n')[0]}; the page shows ` +
                    `${await describePage(page)}\nwsgw stderr:\n${server.stderr()}`);
  }
}

const waitForState = (page, state) => waitInPage(
  page, `#status data-state=${state}`,
  (s) => document.getElementById('status').dataset.state === s, state);

const waitForMessage = (page, text) => waitInPage(
  page, `a message ${JSON.stringify(text)} in #messages`,
  (t) => [...document.querySelectorAll('#messages li')].some((li) => li.textContent === t), text);

const messages = (page) => page.$$eval('#messages li', (lis) => lis.map((li) => li.textContent));
const status = (page) => page.$eval('#status', (s) => ({
  text: s.textContent, state: s.dataset.state, code: s.dataset.code, protocol: s.dataset.protocol,
}));

// A fresh browser context (its own cookies and cache: another user) with one
// chat page at base + /_wsgw/chat?query. Console lines are kept in page.logs.
async function openChat(contexts, base, query, b = browser) {
  const context = await b.newContext({ viewport: { width: 600, height: 380 } });
  contexts.push(context);
  const page = await context.newPage();
  page.logs = [];
  page.on('console', (m) => page.logs.push(`${m.type()}: ${m.text()}`));
  const res = await page.goto(`${base}/_wsgw/chat?${query}`, { timeout: WAIT_MS });
  assert.equal(res.status(), 200, `GET /_wsgw/chat?${query}`);
  assert.match(res.headers()['content-type'], /^text\/html; charset=utf-8$/);
  return page;
}

async function closeAll(contexts) {
  await Promise.all(contexts.map((c) => c.close().catch(() => {})));
}

async function send(page, text) {
  await page.fill('#message', text, { timeout: WAIT_MS });
  await page.click('#send', { timeout: WAIT_MS });  // waits until enabled (open)
}

// Two pages chat: both open, A sends, both see it, B answers, both see it.
async function twoPageChat(contexts, base, expectedScheme, br = browser) {
  const a = await openChat(contexts, base, 'stage=dev', br);
  const b = await openChat(contexts, base, 'stage=dev', br);
  await waitForState(a, 'open');
  await waitForState(b, 'open');
  for (const p of [a, b])
    assert.ok((await p.textContent('#url')).startsWith(`${expectedScheme}://127.0.0.1:`),
              `the page connects with ${expectedScheme}:// (${await p.textContent('#url')})`);
  await send(a, 'hello from A');
  await waitForMessage(a, 'hello from A');
  await waitForMessage(b, 'hello from A');
  await send(b, 'hi A, B here');
  await waitForMessage(a, 'hi A, B here');
  await waitForMessage(b, 'hi A, B here');
  assert.deepEqual(await messages(a), ['hello from A', 'hi A, B here']);
  assert.deepEqual(await messages(b), ['hello from A', 'hi A, B here']);
  return [a, b];
}

// Both pages side by side in one PNG: each page's screenshot, laid out by the
// browser itself on a blank page (no image library needed).
async function saveTwoPageScreenshot(contexts, a, b) {
  const shots = await Promise.all([a, b].map((p) => p.screenshot({ timeout: WAIT_MS })));
  const context = await browser.newContext({ viewport: { width: 1250, height: 200 } });
  contexts.push(context);
  const page = await context.newPage();
  const cell = (label, png) => `<figure><figcaption>${label}</figcaption>` +
    `<img src="data:image/png;base64,${png.toString('base64')}"></figure>`;
  await page.setContent(
    '<style>body{margin:0;display:flex;gap:12px;padding:12px;background:#888;font:14px sans-serif}' +
    'figure{margin:0;flex:1}figcaption{color:#fff;margin-bottom:4px}' +
    'img{width:100%;border:1px solid #333;display:block}</style>' +
    cell('page A', shots[0]) + cell('page B', shots[1]));
  await page.waitForFunction(() => [...document.images].every((i) => i.complete && i.naturalWidth > 0),
                             null, { timeout: WAIT_MS });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true, timeout: WAIT_MS });
}

describe('a real browser (Debian Chromium via playwright-core) chats through wsgw', () => {
  before(async () => {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsgw-browser-test-'));
    const configFile = path.join(tmpDir, 'config.json');
    fs.writeFileSync(configFile, JSON.stringify(CONFIG));
    server = await h.startServer({ config: configFile, tls: true, args: ['--tls-port', '0'] });
    // playwright-core's launch() gives the browser a fresh temporary profile
    // (user data dir), removed by browser.close().
    browser = await launch(LAUNCH_ARGS);
  });

  after(async () => {
    if (browser)
      await browser.close();
    if (server) {
      const { code, signal } = await server.stop();
      if (code !== 0)
        throw new Error(`wsgw exited with code ${code} signal ${signal}\n${server.stderr()}`);
    }
    if (tmpDir)
      fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  test('(a)+(d) two pages chat over ws://; a screenshot is kept', TIMEOUT, async () => {
    const contexts = [];
    try {
      const [a, b] = await twoPageChat(contexts, server.baseUrl, 'ws');
      await saveTwoPageScreenshot(contexts, a, b);
      const png = fs.readFileSync(SCREENSHOT);
      assert.ok(png.length > 1000 && png.subarray(1, 4).toString() === 'PNG',
                `${SCREENSHOT} is a PNG`);
    } finally {
      await closeAll(contexts);
    }
  });

  test('(b) two pages chat over wss:// with the emulator\'s certificate', TIMEOUT, async () => {
    const contexts = [];
    try {
      const [a] = await twoPageChat(contexts, server.httpsUrl, 'wss');
      assert.equal(await a.evaluate(() => location.protocol), 'https:');
    } finally {
      await closeAll(contexts);
    }
  });

  test('(b) trusting only the emulator\'s key (docs/browser.md), not every certificate',
       TIMEOUT, async () => {
    // Without any certificate flag Chromium refuses the self-signed
    // certificate; with --ignore-certificate-errors-spki-list naming the
    // emulator's key (the banner's certificate) the chat works over wss.
    const strict = await launch(BASE_ARGS);
    try {
      const page = await (await strict.newContext()).newPage();
      await assert.rejects(page.goto(`${server.httpsUrl}/_wsgw/chat?stage=dev`, { timeout: WAIT_MS }),
                           /ERR_CERT_AUTHORITY_INVALID/);
    } finally {
      await strict.close();
    }
    const pinned = await launch([...BASE_ARGS,
                                 `--ignore-certificate-errors-spki-list=${spkiHash(server.certPath)}`]);
    const contexts = [];
    try {
      await twoPageChat(contexts, server.httpsUrl, 'wss', pinned);
    } finally {
      await closeAll(contexts);
      await pinned.close();
    }
  });

  test('(c) a subprotocol opens when $connect returns Sec-WebSocket-Protocol', TIMEOUT,
       async () => {
    const contexts = [];
    try {
      // The page offers `chat` and adds ?protocol=chat to the WebSocket URL,
      // which diag.subprotocol echoes back as Sec-WebSocket-Protocol.
      const page = await openChat(contexts, server.baseUrl, 'stage=proto&protocol=chat');
      assert.match(await page.textContent('#url'), /^ws:\/\/127\.0\.0\.1:\d+\/proto\?protocol=chat\b/);
      await waitForState(page, 'open');
      const s = await status(page);
      assert.equal(s.protocol, 'chat', `negotiated subprotocol (status ${JSON.stringify(s)})`);
      assert.equal(s.text, 'open (subprotocol chat)');
    } finally {
      await closeAll(contexts);
    }
  });

  test('(c) the browser fails the handshake when $connect returns no subprotocol (1006)',
       TIMEOUT, async () => {
    const contexts = [];
    try {
      // Control: the same API without a subprotocol opens.
      const ok = await openChat(contexts, server.baseUrl, 'stage=plain');
      await waitForState(ok, 'open');

      const page = await openChat(contexts, server.baseUrl, 'stage=plain&protocol=chat');
      await waitForState(page, 'closed');
      const s = await status(page);
      assert.equal(s.code, '1006', `close code (status ${JSON.stringify(s)})`);
      assert.equal(s.text, 'closed (code 1006)');
      // wsgw answered 101 without the header (as AWS does); Chromium itself
      // rejects it and says why on the console.
      await h.waitUntil(() => page.logs.some((l) => /Sec-WebSocket-Protocol/i.test(l)), {
        timeoutMs: WAIT_MS, what: "Chromium's console naming Sec-WebSocket-Protocol",
      }).catch((err) => { throw new Error(`${err.message}; console: ${JSON.stringify(page.logs)}`); });
    } finally {
      await closeAll(contexts);
    }
  });
});
