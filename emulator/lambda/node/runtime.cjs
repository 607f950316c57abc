/*
 * runtime.cjs - wsgw's Node.js runtime client: runs a user's unmodified
 * Lambda function (CommonJS, ES module or TypeScript) inside one process that
 * wsgw started, the way AWS's nodejs runtimes do.
 *
 * wsgw embeds this file, writes it to a temporary file and starts
 * `node <that file>` once per function process, with Lambda's environment:
 * AWS_LAMBDA_RUNTIME_API (host:port of a loopback Runtime API that serves
 * this process only), _HANDLER ("dir/module.export"), LAMBDA_TASK_ROOT (the
 * directory _HANDLER is relative to, also the cwd), AWS_LAMBDA_FUNCTION_*,
 * AWS_REGION, credentials, AWS_ENDPOINT_URL_DYNAMODB and
 * AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI (wsgw's own listeners), and
 * NODE_EXTRA_CA_CERTS (wsgw's certificate, so https to wsgw is trusted).
 *
 * The protocol (AWS Lambda Runtime API, 2018-06-01; docs/spec/lambda-nodejs.md):
 *   1. load the handler; on failure POST /runtime/init/error and exit(1);
 *   2. GET /runtime/invocation/next (blocks until there is an event; no
 *      timeout), run the handler, POST /runtime/invocation/<id>/response
 *      (the result as JSON) or /runtime/invocation/<id>/error
 *      ({errorType, errorMessage, trace}); repeat.
 * An uncaught exception or unhandled rejection while an invocation runs is
 * posted as that invocation's error, then the process exits (wsgw starts a
 * new one for the next invocation), as AWS's runtime does.
 *
 * What it patches in the process, and nothing else:
 *   - require() learns .ts/.mts/.cts when the function's project has esbuild
 *     (transformSync to CommonJS with an inline source map, as SST's esbuild
 *     build does), and a relative "./x.js" import from TypeScript finds
 *     ./x.ts;
 *   - the AWS SDK for JavaScript v2, which ignores AWS_ENDPOINT_URL_*: when
 *     the function loads it (require, ESM import or aws-sdk/clients/...), its
 *     global config gets service-specific endpoints for DynamoDB, DynamoDB
 *     Streams and the API Gateway Management API from those variables, so
 *     an unmodified DocumentClient talks to wsgw. v3 reads the variables
 *     itself.
 *   - process 'uncaughtException', 'unhandledRejection' and 'beforeExit'
 *     listeners (the last one implements callbackWaitsForEmptyEventLoop).
 * DEVIATION: console.* is left alone (AWS's runtime prefixes each line with
 * a timestamp, the request id and the level): wsgw prefixes every line the
 * process writes with the function's name and the request id.
 * DEVIATION: no `awslambda` global (response streaming: API Gateway
 * WebSocket integrations do not stream), and the process is not frozen
 * between invocations (timers left behind keep running).
 *
 * Invariants: one invocation at a time; the first of callback / done /
 * succeed / fail / the returned promise settles an invocation, later ones
 * are ignored; HTTP requests to the Runtime API go through one keep-alive
 * agent with one socket (an init error, which may have to be sent while a
 * GET /next is pending, gets a connection of its own). A failure before
 * the first invocation is an init error, after it the invocation's error.
 *
 * Self-contained: Node.js >= 18, no dependencies (it runs from a temporary
 * directory, outside the function's project).
 */
'use strict';

const fs = require('fs');
const http = require('http');
const path = require('path');
const Module = require('module');
const { pathToFileURL } = require('url');
const util = require('util');

const env = process.env;
const API_PREFIX = '/2018-06-01/runtime';

// ---------------------------------------------------------------------------
// The Runtime API client.

function parseHostPort(hostPort) {
  const s = String(hostPort || '');
  const colon = s.lastIndexOf(':');
  if (colon <= 0) return null;
  let host = s.slice(0, colon);
  const port = Number(s.slice(colon + 1));
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return null;
  return { host, port };
}

const api = parseHostPort(env.AWS_LAMBDA_RUNTIME_API);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

/* One request to the Runtime API; resolves {status, headers, body}. A
 * request sent on a reused keep-alive socket that the server had already
 * closed is retried once on a fresh socket (nothing reached the server). */
function apiRequest(method, urlPath, body, headers, retried, ownSocket) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(body, 'utf8');
    const req = http.request(
      {
        host: api.host,
        port: api.port,
        method,
        path: API_PREFIX + urlPath,
        agent: ownSocket ? false : agent,
        headers: Object.assign(
          data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {},
          headers || {},
        ),
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', (err) => {
      if (!retried && req.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
        apiRequest(method, urlPath, body, headers, true, ownSocket).then(resolve, reject);
      } else {
        reject(err);
      }
    });
    req.end(data);
  });
}

function fatal(what, err) {
  process.stderr.write(`wsgw node runtime: ${what}: ${err && err.message ? err.message : err}\n`);
  process.exit(1);
}

// ---------------------------------------------------------------------------
// Errors in Lambda's shape.

function runtimeError(type, message) {
  const e = new Error(message);
  e.name = type;
  return e;
}

function isErrorLike(v) {
  return (
    util.types.isNativeError(v) ||
    (v && typeof v.name === 'string' && typeof v.message === 'string' && typeof v.stack === 'string')
  );
}

/* SPEC: docs/spec/lambda-nodejs.md 5: an Error becomes {errorType: name,
 * errorMessage: message, trace: stack lines}; any other value {errorType:
 * typeof value, errorMessage: String(value), trace: []}. */
function toLambdaError(value) {
  try {
    if (isErrorLike(value)) {
      return {
        errorType: value.name || 'Error',
        errorMessage: String(value.message),
        trace: typeof value.stack === 'string' ? value.stack.split('\n') : [],
      };
    }
    return { errorType: typeof value, errorMessage: String(value), trace: [] };
  } catch (_) {
    return {
      errorType: 'handled',
      errorMessage:
        'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
      trace: [],
    };
  }
}

function logError(label, lambdaError) {
  let line;
  try {
    line = JSON.stringify(lambdaError);
  } catch (_) {
    line = String(lambdaError.errorMessage);
  }
  process.stderr.write(`${label} ${line}\n`);
}

// ---------------------------------------------------------------------------
// The AWS SDK for JavaScript v2: service endpoints from AWS_ENDPOINT_URL_*.

/* SPEC: docs/spec/lambda-nodejs.md 8: the SDKs' service-specific endpoint
 * variables; v2 never reads them, so its global config gets them as
 * service-specific config (AWS.config.<serviceIdentifier> = {endpoint}),
 * which every client of that service merges over the global config. A
 * client constructed with its own endpoint keeps it. */
function sdkV2Endpoints() {
  const out = {};
  const ddb = env.AWS_ENDPOINT_URL_DYNAMODB;
  if (ddb) out.dynamodb = ddb;
  const streams = env.AWS_ENDPOINT_URL_DYNAMODB_STREAMS || ddb;
  if (streams) out.dynamodbstreams = streams;
  const mgmt = env.AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI;
  if (mgmt) out.apigatewaymanagementapi = mgmt;
  return out;
}

/* Makes config[service] always carry an endpoint: the current value gets
 * one now, and an object assigned later without one gets it too. */
function pinServiceEndpoint(config, service, endpoint) {
  const withEndpoint = (v) =>
    v && typeof v === 'object' && v.endpoint === undefined ? Object.assign({}, v, { endpoint }) : v;
  let value = withEndpoint(config[service] === undefined ? {} : config[service]);
  Object.defineProperty(config, service, {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (v) => {
      value = v === undefined ? { endpoint } : withEndpoint(v);
    },
  });
}

function patchSdkV2Core(AWS, endpoints) {
  const apply = (config) => {
    if (!config || typeof config !== 'object') return;
    for (const service of Object.keys(endpoints)) pinServiceEndpoint(config, service, endpoints[service]);
  };
  let config = AWS.config;
  apply(config);
  // A function that replaces AWS.config (AWS.config = new AWS.Config(...))
  // keeps the endpoints.
  Object.defineProperty(AWS, 'config', {
    configurable: true,
    enumerable: true,
    get: () => config,
    set: (v) => {
      config = v;
      apply(v);
    },
  });
}

/* Own properties only: a module still loading (a require cycle) has a
 * prototype that warns on every missing property read. */
function looksLikeSdkV2Core(m) {
  const own = (key) => Object.prototype.hasOwnProperty.call(m, key);
  return (
    m &&
    typeof m === 'object' &&
    own('VERSION') &&
    own('Config') &&
    own('Service') &&
    own('config') &&
    typeof m.VERSION === 'string' &&
    m.VERSION.startsWith('2.') &&
    typeof m.Config === 'function' &&
    typeof m.Service === 'function' &&
    m.config instanceof m.Config
  );
}

/* DEVIATION: on AWS no patch is needed (the default endpoints are AWS's);
 * here v2 must reach wsgw like v3 does.
 * aws-sdk v2's modules require its core (lib/core.js: the AWS object) with
 * require() even when the function imports aws-sdk from an ES module, so
 * watching Module._load for loads made by, or of, aws-sdk finds the core
 * once it is complete, whichever entry point the function used. */
function installSdkV2Hook() {
  const endpoints = sdkV2Endpoints();
  if (Object.keys(endpoints).length === 0) return;
  const patched = new WeakSet();
  const sep = path.sep;
  const marker = `${sep}node_modules${sep}aws-sdk${sep}`;
  const load = Module._load;
  Module._load = function wsgwLoad(request, parent, isMain) {
    const exported = load.apply(this, arguments);
    const fromSdk =
      (typeof request === 'string' && (request === 'aws-sdk' || request.startsWith('aws-sdk/'))) ||
      (parent && typeof parent.filename === 'string' && parent.filename.includes(marker));
    if (fromSdk && exported && !patched.has(exported)) {
      try {
        if (looksLikeSdkV2Core(exported)) {
          patched.add(exported);
          patchSdkV2Core(exported, endpoints);
        }
      } catch (_) {
        // Not the SDK's core after all: leave it alone.
      }
    }
    return exported;
  };
}

// ---------------------------------------------------------------------------
// TypeScript.

let tsMode = null; // null (not set up yet), 'esbuild' or 'strip'

function findEsbuild(dirs) {
  let resolved;
  try {
    resolved = require.resolve('esbuild', { paths: dirs });
  } catch (_) {
    return null;
  }
  const esbuild = require(resolved);
  return esbuild && typeof esbuild.transformSync === 'function' ? esbuild : null;
}

/* Converts an esbuild transform failure into the SyntaxError Node would
 * have thrown for bad JavaScript (file:line:column and esbuild's text). */
function esbuildSyntaxError(err, filename) {
  const first = err && Array.isArray(err.errors) && err.errors[0];
  if (!first) return err;
  const loc = first.location ? `:${first.location.line}:${first.location.column + 1}` : '';
  const e = new SyntaxError(`${first.text} (${filename}${loc})`);
  e.stack = `SyntaxError: ${e.message}\n    at ${filename}${loc}`;
  return e;
}

function installEsbuildHook(esbuild) {
  const target = `node${process.versions.node.split('.')[0]}`;
  const compile = (loader) =>
    function wsgwCompileTs(module, filename) {
      const source = fs.readFileSync(filename, 'utf8');
      let out;
      try {
        out = esbuild.transformSync(source, {
          loader,
          format: 'cjs',
          sourcemap: 'inline',
          sourcefile: filename,
          target,
          logLevel: 'silent',
          // CommonJS has no import.meta: give the module its own values.
          define: {
            'import.meta.url': JSON.stringify(pathToFileURL(filename).href),
            'import.meta.filename': JSON.stringify(filename),
            'import.meta.dirname': JSON.stringify(path.dirname(filename)),
          },
        });
      } catch (err) {
        throw esbuildSyntaxError(err, filename);
      }
      module._compile(out.code, filename);
    };
  Module._extensions['.ts'] = compile('ts');
  Module._extensions['.mts'] = compile('ts');
  Module._extensions['.cts'] = compile('ts');
  Module._extensions['.tsx'] = compile('tsx');
  if (typeof process.setSourceMapsEnabled === 'function') process.setSourceMapsEnabled(true);

  // TypeScript written for ES modules imports "./lib.js" meaning ./lib.ts
  // (esbuild's bundler, and so SST, resolves it that way).
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function wsgwResolve(request, parent, isMain, options) {
    try {
      return resolve.call(this, request, parent, isMain, options);
    } catch (err) {
      const fromTs = parent && typeof parent.filename === 'string' && /\.[cm]?tsx?$/.test(parent.filename);
      if (err && err.code === 'MODULE_NOT_FOUND' && fromTs && /^\.\.?\//.test(request) && /\.[cm]?js$/.test(request)) {
        const alternative = request.replace(/\.([cm]?)js$/, '.$1ts');
        try {
          return resolve.call(this, alternative, parent, isMain, options);
        } catch (_) {
          // Report the original request.
        }
      }
      throw err;
    }
  };
}

/* Sets up TypeScript loading once: esbuild from the function's project
 * (what SST uses), else Node's own type stripping, else an init error that
 * says what to install.
 * DEVIATION: docs/spec/lambda-nodejs.md 2: AWS's nodejs20.x runs only
 * JavaScript (TypeScript is transpiled at deploy time, by SST with esbuild);
 * wsgw runs the source the way that deploy step would have compiled it. */
function setUpTypeScript(file, taskRoot) {
  if (tsMode) return tsMode;
  const esbuild = findEsbuild([path.dirname(file), taskRoot]);
  if (esbuild) {
    installEsbuildHook(esbuild);
    tsMode = 'esbuild';
  } else if (process.features && process.features.typescript) {
    tsMode = 'strip';
  } else {
    throw runtimeError(
      'Runtime.ImportModuleError',
      `Error: cannot load ${file}: running TypeScript needs esbuild in the function's project ` +
        `(npm install --save-dev esbuild, in ${taskRoot} or a parent directory) or a Node.js ` +
        `version that strips types (22.18 or later, or 22.6 or later with --experimental-strip-types); ` +
        `this is Node.js ${process.version}`,
    );
  }
  return tsMode;
}

// ---------------------------------------------------------------------------
// Loading the handler.

function isFile(p) {
  try {
    return fs.statSync(p).isFile();
  } catch (_) {
    return false;
  }
}

/* SPEC: docs/spec/lambda-nodejs.md 2: a .js file is an ES module when the
 * nearest package.json above it says "type": "module" (the search stops at
 * node_modules and at the root). */
function inModulePackage(dir) {
  for (let d = dir; ; d = path.dirname(d)) {
    if (path.basename(d) === 'node_modules') return false;
    const pj = path.join(d, 'package.json');
    if (isFile(pj)) {
      try {
        return JSON.parse(fs.readFileSync(pj, 'utf8')).type === 'module';
      } catch (_) {
        return false;
      }
    }
    if (path.dirname(d) === d) return false;
  }
}

function importFile(file) {
  return import(pathToFileURL(file).href);
}

/* require(), and import() where require() cannot load an ES module. */
async function requireOrImport(file) {
  try {
    return require(file);
  } catch (err) {
    if (err && (err.code === 'ERR_REQUIRE_ESM' || err.code === 'ERR_REQUIRE_ASYNC_MODULE')) return importFile(file);
    throw err;
  }
}

/* SPEC: docs/spec/lambda-nodejs.md 2: the candidates, in order: the
 * extensionless file, .js, .mjs, .cjs, then TypeScript .ts, .mts, .cts;
 * none found: Node's own resolution from the task root. */
async function loadModule(taskRoot, moduleDir, moduleName) {
  const base = path.resolve(taskRoot, moduleDir, moduleName);
  const esm = inModulePackage(path.dirname(base));
  if (isFile(base)) return requireOrImport(base);
  if (isFile(base + '.js')) return esm ? importFile(base + '.js') : requireOrImport(base + '.js');
  if (isFile(base + '.mjs')) return importFile(base + '.mjs');
  if (isFile(base + '.cjs')) return requireOrImport(base + '.cjs');
  for (const ext of ['.ts', '.mts', '.cts']) {
    const file = base + ext;
    if (!isFile(file)) continue;
    const mode = setUpTypeScript(file, taskRoot);
    if (mode === 'esbuild') return requireOrImport(file);
    return importFile(file);
  }
  const resolved = require.resolve(moduleName, { paths: [taskRoot, path.resolve(taskRoot, moduleDir)] });
  return requireOrImport(resolved);
}

async function loadHandler() {
  const taskRoot = path.resolve(env.LAMBDA_TASK_ROOT || process.cwd());
  const full = env._HANDLER || '';
  // SPEC: docs/spec/lambda-nodejs.md 1: ".." is refused; the module path is
  // everything up to the last '/' plus the name up to the first '.', the
  // rest is a (possibly nested) export name.
  if (full.includes('..')) {
    throw runtimeError(
      'Runtime.MalformedHandlerName',
      `'${full}' is not a valid handler name. Use absolute paths when specifying root directories in handler names.`,
    );
  }
  const slash = full.lastIndexOf('/');
  const moduleDir = full.slice(0, slash + 1);
  const moduleAndExport = full.slice(slash + 1);
  const dot = moduleAndExport.indexOf('.');
  if (dot < 0) throw runtimeError('Runtime.MalformedHandlerName', 'Bad handler');
  const moduleName = moduleAndExport.slice(0, dot);
  const exportPath = moduleAndExport.slice(dot + 1);

  let userModule;
  try {
    userModule = await loadModule(taskRoot, moduleDir, moduleName);
  } catch (err) {
    // SPEC: docs/spec/lambda-nodejs.md 3: a syntax error is
    // Runtime.UserCodeSyntaxError, a missing module
    // Runtime.ImportModuleError, both with String(error) as the message;
    // anything else the module throws is reported as itself.
    if (err instanceof SyntaxError) {
      const e = runtimeError('Runtime.UserCodeSyntaxError', String(err));
      e.stack = err.stack;
      throw e;
    }
    if (err && (err.code === 'MODULE_NOT_FOUND' || err.code === 'ERR_MODULE_NOT_FOUND')) {
      throw runtimeError('Runtime.ImportModuleError', String(err));
    }
    throw err;
  }

  const fn = exportPath.split('.').reduce((obj, key) => (obj ? obj[key] : undefined), userModule);
  // SPEC: docs/spec/lambda-nodejs.md 3: the two Runtime.HandlerNotFound messages.
  if (!fn) throw runtimeError('Runtime.HandlerNotFound', `${full} is undefined or not exported`);
  if (typeof fn !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${full} is not a function`);
  return fn;
}

// ---------------------------------------------------------------------------
// Invocations.

let phase = 'init'; // 'init' until the handler is loaded, then 'run'
let started = false; // the first invocation arrived: failures are no longer init errors
let failing = false; // a process-level failure is being reported; the process exits next
let current = null; // the invocation in progress: {id, settled}
let onEmptyLoop = null; // what 'beforeExit' does for the current invocation
let inflight = Promise.resolve(); // the last post to the Runtime API

function logStreamName() {
  const d = new Date();
  const day = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')}`;
  const hex = require('crypto').randomBytes(16).toString('hex');
  return `${day}/[${env.AWS_LAMBDA_FUNCTION_VERSION || '$LATEST'}]${hex}`;
}

function serialize(result) {
  // SPEC: docs/spec/lambda-nodejs.md 4: the response body is
  // JSON.stringify(result), undefined as null.
  return JSON.stringify(result === undefined ? null : result);
}

function post(urlPath, body, headers, ownSocket) {
  const p = apiRequest('POST', urlPath, body, headers, false, ownSocket).then((res) => {
    if (res.status < 200 || res.status > 299) {
      process.stderr.write(`wsgw node runtime: ${urlPath} answered ${res.status}: ${res.body.slice(0, 500)}\n`);
    }
  });
  inflight = p.catch(() => {});
  return p;
}

function postResponse(id, result) {
  let body;
  try {
    body = serialize(result);
  } catch (_) {
    return postError(id, runtimeError('Runtime.JSONStringifyError', 'Unable to stringify response body'));
  }
  return post(`/invocation/${encodeURIComponent(id)}/response`, body);
}

function postError(id, value) {
  const e = toLambdaError(value);
  logError('Invoke Error', e);
  let body;
  try {
    body = JSON.stringify(e);
  } catch (_) {
    body = JSON.stringify({ errorType: String(e.errorType), errorMessage: String(e.errorMessage), trace: [] });
  }
  return post(`/invocation/${encodeURIComponent(id)}/error`, body, {
    'Lambda-Runtime-Function-Error-Type': String(e.errorType),
  });
}

function postInitError(value) {
  const e = toLambdaError(value);
  logError('Init Error', e);
  // SPEC: docs/spec/lambda-nodejs.md 3: init errors carry the error type in
  // Lambda-Runtime-Function-Error-Type too.
  // On a socket of its own: the agent's one socket may be waiting in a
  // GET /next that will not return before this error is known.
  return post('/init/error', JSON.stringify(e), { 'Lambda-Runtime-Function-Error-Type': String(e.errorType) }, true);
}

function scheduleNext() {
  // In a later turn of the event loop, after Node reported rejections
  // left unhandled by the code that just ran: a failing process asks for
  // no more events.
  setImmediate(() => {
    if (failing) return;
    nextInvocation().catch((err) => fatal('the Runtime API failed', err));
  });
}

/* Settles the current invocation once: either a result or an error. */
function settle(inv, isError, value) {
  if (inv.posted) return;
  inv.posted = true;
  onEmptyLoop = null;
  const p = isError ? postError(inv.id, value) : postResponse(inv.id, value);
  p.then(
    () => {
      if (current === inv) current = null;
      scheduleNext();
    },
    (err) => fatal('could not post the result', err),
  );
}

/* SPEC: docs/spec/lambda-nodejs.md 6: callback(), context.done/succeed/fail
 * and the returned promise: the first call wins. callback(null, result)
 * answers once the event loop is empty unless
 * context.callbackWaitsForEmptyEventLoop is false; done/succeed/fail and a
 * settled promise answer at once. */
function buildCallbacks(inv) {
  let waitForEmptyLoop = true;
  let finished = false;
  // A call after the invocation was answered (by the empty event loop, or
  // from a later invocation holding on to this one's callback) is ignored.
  const once = (fn) =>
    function () {
      if (finished || inv.posted) return;
      finished = true;
      fn.apply(null, arguments);
    };
  const done = (err, result) => {
    if (err !== undefined && err !== null) settle(inv, true, err);
    else settle(inv, false, result);
  };
  const callback = once((err, result) => {
    if (err !== undefined && err !== null) {
      settle(inv, true, err);
    } else if (!waitForEmptyLoop) {
      settle(inv, false, result);
    } else {
      onEmptyLoop = () => setImmediate(() => settle(inv, false, result));
    }
  });
  const succeed = once((result) => done(null, result));
  const fail = once((err) => done(err === undefined || err === null ? 'handled' : err, null));
  const doneOnce = once(done);
  const callbackContext = {
    get callbackWaitsForEmptyEventLoop() {
      return waitForEmptyLoop;
    },
    set callbackWaitsForEmptyEventLoop(v) {
      waitForEmptyLoop = v;
    },
    succeed,
    fail,
    done: doneOnce,
  };
  return { callback, callbackContext, succeed, fail };
}

function header(headers, name) {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseJsonHeader(headers, name) {
  const v = header(headers, name);
  if (!v) return undefined;
  try {
    return JSON.parse(v);
  } catch (_) {
    return undefined;
  }
}

let handlerFn = null;
let handlerIsAsync = false;

async function nextInvocation() {
  const res = await apiRequest('GET', '/invocation/next');
  if (res.status !== 200) fatal('GET /runtime/invocation/next', `status ${res.status}: ${res.body.slice(0, 200)}`);
  const id = header(res.headers, 'lambda-runtime-aws-request-id') || '';
  const deadline = Number(header(res.headers, 'lambda-runtime-deadline-ms'));
  const trace = header(res.headers, 'lambda-runtime-trace-id');
  if (trace) env._X_AMZN_TRACE_ID = trace;
  else delete env._X_AMZN_TRACE_ID;

  const inv = { id, posted: false };
  current = inv;
  started = true;

  let event;
  try {
    event = JSON.parse(res.body);
  } catch (err) {
    settle(inv, true, err);
    return;
  }

  const { callback, callbackContext, succeed, fail } = buildCallbacks(inv);
  // SPEC: docs/spec/lambda-nodejs.md 7: the context object's fields.
  const context = Object.assign(callbackContext, {
    awsRequestId: id,
    invokedFunctionArn: header(res.headers, 'lambda-runtime-invoked-function-arn'),
    clientContext: parseJsonHeader(res.headers, 'lambda-runtime-client-context'),
    identity: parseJsonHeader(res.headers, 'lambda-runtime-cognito-identity'),
    getRemainingTimeInMillis: () => (Number.isFinite(deadline) ? Math.max(0, deadline - Date.now()) : 0),
    functionName: env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: env.AWS_LAMBDA_LOG_STREAM_NAME,
  });

  // SPEC: docs/spec/lambda-nodejs.md 6: the event loop empties before the
  // function answered: an async handler fails with Runtime.NodeJsExit (its
  // promise can never settle), any other answers null.
  onEmptyLoop = () => {
    if (handlerIsAsync) {
      settle(
        inv,
        true,
        runtimeError(
          'Runtime.NodeJsExit',
          "the event loop is empty and the handler's promise never settled (Node.js would exit here)",
        ),
      );
    } else {
      settle(inv, false, null);
    }
  };

  try {
    const result = handlerFn(event, context, callback);
    if (result && typeof result.then === 'function') {
      result.then(succeed, fail);
    }
  } catch (err) {
    callback(err);
  }
}

// ---------------------------------------------------------------------------
// Process-level errors.

function exitAfterPosts(code) {
  const timer = setTimeout(() => process.exit(code), 2000);
  inflight.then(() => {
    clearTimeout(timer);
    process.exit(code);
  });
}

/* SPEC: docs/spec/lambda-nodejs.md 9: before the first invocation the error
 * is posted to /init/error; during an invocation as that invocation's
 * error; then the
 * process exits (129 after an uncaught exception, 128 after an unhandled
 * rejection). */
function processFailure(err, code) {
  if (!started) {
    postInitError(err).then(
      () => process.exit(code),
      () => process.exit(code),
    );
    return;
  }
  const inv = current;
  if (inv && !inv.posted) {
    inv.posted = true;
    onEmptyLoop = null;
    postError(inv.id, err).then(
      () => process.exit(code),
      () => process.exit(code),
    );
    return;
  }
  logError(code === 128 ? 'Unhandled Promise Rejection' : 'Uncaught Exception', toLambdaError(err));
  exitAfterPosts(code);
}


process.on('uncaughtException', (err) => {
  if (failing) return;
  failing = true;
  processFailure(err, 129);
});

process.on('unhandledRejection', (reason) => {
  if (failing) return;
  failing = true;
  const message = (() => {
    try {
      return String(reason);
    } catch (_) {
      return 'a promise was rejected with a value that cannot be converted to a string';
    }
  })();
  const e = runtimeError('Runtime.UnhandledPromiseRejection', message);
  if (isErrorLike(reason)) e.stack = `Runtime.UnhandledPromiseRejection: ${message}\n${reason.stack}`;
  processFailure(e, 128);
});

process.on('beforeExit', () => {
  if (phase === 'init' && !failing) {
    // The module's initialization (an ES module's top-level await) can never
    // finish: nothing is left to run.
    failing = true;
    processFailure(
      runtimeError('Runtime.NodeJsExit', 'the handler module never finished loading: the event loop is empty'),
      1,
    );
    return;
  }
  const action = onEmptyLoop;
  onEmptyLoop = null;
  if (action) action();
});

// ---------------------------------------------------------------------------
// Start.

async function main() {
  if (!api) fatal('AWS_LAMBDA_RUNTIME_API', `not a host:port: '${env.AWS_LAMBDA_RUNTIME_API || ''}'`);
  if (!env.AWS_LAMBDA_LOG_GROUP_NAME && env.AWS_LAMBDA_FUNCTION_NAME) {
    env.AWS_LAMBDA_LOG_GROUP_NAME = `/aws/lambda/${env.AWS_LAMBDA_FUNCTION_NAME}`;
  }
  if (!env.AWS_LAMBDA_LOG_STREAM_NAME) env.AWS_LAMBDA_LOG_STREAM_NAME = logStreamName();
  installSdkV2Hook();
  try {
    handlerFn = await loadHandler();
  } catch (err) {
    if (failing) return; // an uncaught error during the load already reported the failure
    failing = true;
    try {
      await postInitError(err);
    } catch (postErr) {
      fatal('could not post the init error', postErr);
    }
    process.exit(1);
  }
  if (failing) return; // an error thrown while loading is being reported
  // SPEC: docs/spec/lambda-nodejs.md 6: "async" means an async function.
  handlerIsAsync = handlerFn.constructor && handlerFn.constructor.name === 'AsyncFunction';
  phase = 'run';
  scheduleNext();
}

main();
