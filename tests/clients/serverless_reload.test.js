'use strict';
// `wsgw serve --serverless serverless.yml` reloads the project (issue 17): a function added in
// a file that serverless.yml includes with ${file(...)} answers on its route once the file is
// saved, on the WebSocket that was open before; editing a function's code starts it in a new
// process. Run: WSGW_BIN=/path/to/wsgw node --test serverless_reload.test.js
// (or ctest -L clients).

const { test } = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const h = require('./helpers.js'); // throws a clear error if node_modules is missing

const route = (name) => `${name}:\n  handler: fn.main\n  events:\n    - websocket:\n` +
  `        route: ${name}\n        routeResponseSelectionExpression: $default\n`;

// Writes a file as editors and build tools do: a temporary file renamed over it.
function save(file, text) {
  fs.writeFileSync(file + '.tmp', text);
  fs.renameSync(file + '.tmp', file);
}

test('a route added in an included file answers after the save, on an open WebSocket',
     { timeout: 60000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wsgw-sls-reload-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'serverless.yml'),
    'service: reloadme\nprovider:\n  name: aws\n  runtime: nodejs20.x\n' +
    'functions: ${file(./functions.yml)}\n');
  fs.writeFileSync(path.join(dir, 'functions.yml'), route('v'));
  fs.writeFileSync(path.join(dir, 'fn.js'),
    "exports.main = async (e) => ({ statusCode: 200, body: 'one ' + e.requestContext.routeKey });\n");
  const server = await h.startServer({ serverless: path.join(dir, 'serverless.yml') });
  t.after(() => server.stop());
  const ws = await h.connectWs(server.wsUrl, { timeoutMs: 20000 });
  t.after(() => h.closeWs(ws));

  ws.send(JSON.stringify({ action: 'v' }));
  await ws.waitForMessage((d) => d === 'one v', { timeoutMs: 20000 });

  // A new route in the included file: the project is read again.
  save(path.join(dir, 'functions.yml'), route('v') + route('w'));
  await h.waitUntil(() => /reloaded .*serverless\.yml \(1 API, 2 routes\)/.test(server.stderr()),
                    { what: 'the reload line on stderr', timeoutMs: 10000 });
  let from = ws.received.length;
  ws.send(JSON.stringify({ action: 'w' }));
  await ws.waitForMessage((d) => d === 'one w', { timeoutMs: 20000, from });

  // New code: the next invocation runs it.
  save(path.join(dir, 'fn.js'),
    "exports.main = async (e) => ({ statusCode: 200, body: 'two ' + e.requestContext.routeKey });\n");
  await h.waitUntil(() => /fn\.js changed/.test(server.stderr()),
                    { what: 'the code-change line on stderr', timeoutMs: 10000 });
  from = ws.received.length;
  ws.send(JSON.stringify({ action: 'v' }));
  await ws.waitForMessage((d) => d === 'two v', { timeoutMs: 20000, from });
  assert.equal(ws.readyState, 1, 'the WebSocket stayed open');
});
