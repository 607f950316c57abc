// The wsgw console (index.html). Every request goes to this origin and is one a
// test or a script could replay:
//   GET  /_wsgw/events                 live updates (server-sent events)
//   GET  /_wsgw/info, /_wsgw/connections, /_wsgw/invocations?last=N&summary=1,
//        /_wsgw/invocations/{seq}, /_wsgw/faults
//   POST /_wsgw/faults, DELETE /_wsgw/faults[/{id}], DELETE /_wsgw/invocations,
//        POST /_wsgw/connections/{id}/kill
//   POST /{stage}/@connections/{id}    send;  DELETE: disconnect ($disconnect runs)
//   POST /  X-Amz-Target: DynamoDB_20120810.* / DynamoDBStreams_20120810.*
// Nothing from a response is ever written as HTML: text goes through textContent.
'use strict';

const $ = (id) => document.getElementById(id);
const INVOCATIONS_KEPT = 500;   // rows the invocation table keeps (the log keeps more)

const state = {
  info: null,
  connections: new Map(),       // connectionId -> connection object (ws_conn_info.h)
  invocations: [],              // summaries, newest first
  selectedInvocation: null,
  table: null,                  // DescribeTable's Table
  lastKey: null,                // the read's LastEvaluatedKey
  pageStarts: [null],           // ExclusiveStartKey of each page read so far (page 1: none)
  page: 0,                      // the page shown (an index into pageStarts)
  sendTo: null,                 // the connection the send form posts to
  itemKey: null,                // the key of the item in the editor (null: a new item)
};

// ---------------------------------------------------------------- helpers

function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'title' || k === 'type')
      e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

function showError(id, err) {
  const p = $(id);
  p.textContent = err ? (err.message || String(err)) : '';
  p.hidden = !err;
}

function timeText(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  return isNaN(d) ? iso : d.toLocaleTimeString();
}

// A control endpoint (/_wsgw/...): JSON in and out; errors carry the server's message.
async function control(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(`/_wsgw/${path}`, opts);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = { message: text }; }
  if (!r.ok) throw new Error((data && data.message) || `${r.status} ${r.statusText}`);
  return data;
}

// A DynamoDB (or DynamoDB Streams) call through the public JSON API. wsgw without
// --auth sigv4 accepts any signature; the header must be there, as on AWS.
async function dynamo(op, body, service = 'DynamoDB_20120810') {
  const region = (state.info && state.info.region) || 'us-east-1';
  const date = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  const r = await fetch('/', {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.0',
      'X-Amz-Target': `${service}.${op}`,
      'X-Amz-Date': date,
      Authorization: `AWS4-HMAC-SHA256 Credential=local/${date.slice(0, 8)}/${region}/dynamodb/aws4_request, ` +
        'SignedHeaders=host;x-amz-date;x-amz-target, Signature=console',
    },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  let data;
  try { data = JSON.parse(text); } catch { data = { message: text }; }
  if (!r.ok) {
    const type = String(data.__type || 'Error').split('#').pop();
    const err = new Error(`${type}: ${data.message || data.Message || r.statusText}`);
    err.type = type;
    throw err;
  }
  return data;
}

// An AttributeValue as one short line.
function avText(av) {
  if (!av || typeof av !== 'object') return '';
  const [t, v] = Object.entries(av)[0] || [];
  if (t === 'S' || t === 'N') return String(v);
  if (t === 'BOOL') return String(v);
  if (t === 'NULL') return 'null';
  if (t === 'B') return `<binary ${String(v).length} b64>`;
  return JSON.stringify(v);
}

// ---------------------------------------------------------------- tabs

function showTab() {
  const name = (location.hash || '#connections').slice(1);
  const known = ['connections', 'invocations', 'tables', 'faults', 'connect'];
  const tab = known.includes(name) ? name : 'connections';
  for (const t of known) $(`tab-${t}`).hidden = t !== tab;
  for (const a of document.querySelectorAll('#tabs a')) {
    if (a.dataset.tab === tab) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (tab === 'tables') loadTables();
  if (tab === 'faults') loadFaults();
}

// ---------------------------------------------------------------- connections

function connectionRow(c) {
  const tr = el('tr', { 'data-connection-id': c.connectionId });
  const actions = el('td', { class: 'actions' },
    el('button', { type: 'button', class: 'small', 'data-action': 'send', text: 'Send' }),
    el('button', { type: 'button', class: 'small secondary', 'data-action': 'disconnect', text: 'Disconnect' }),
    el('button', { type: 'button', class: 'small danger', 'data-action': 'kill', text: 'Kill' }));
  tr.append(
    el('td', { class: 'mono', text: c.connectionId }),
    el('td', { text: `${c.api || ''} / ${c.stage}` }),
    el('td', { text: c.sourceIp || '' }),
    el('td', { text: c.userAgent || '', title: c.userAgent || '' }),
    el('td', { text: timeText(c.connectedAt), title: c.connectedAt || '' }),
    el('td', { text: timeText(c.lastActiveAt), title: c.lastActiveAt || '' }),
    el('td', { 'data-field': 'frames', text: `${c.framesIn ?? 0} / ${c.framesOut ?? 0}` }),
    actions);
  return tr;
}

function renderConnections() {
  const body = $('connections').tBodies[0];
  const rows = [...state.connections.values()].sort((a, b) => (a.connectedAt < b.connectedAt ? -1 : 1));
  body.replaceChildren(...rows.map(connectionRow));
  $('connections-empty').hidden = rows.length > 0;
  $('conn-count').textContent = String(rows.length);
  if (state.sendTo && !state.connections.has(state.sendTo.connectionId)) closeSendForm();
}

function connectionsUrl(c, id) {
  return `/${encodeURIComponent(c.stage)}/@connections/${encodeURIComponent(id)}`;
}

function openSendForm(c) {
  state.sendTo = c;
  $('send-target').textContent = c.connectionId;
  $('send-result').textContent = '';
  $('send-form').hidden = false;
  $('send-text').focus();
}

function closeSendForm() {
  state.sendTo = null;
  $('send-form').hidden = true;
}

async function sendToConnection(ev) {
  ev.preventDefault();
  const c = state.sendTo;
  if (!c) return;
  const r = await fetch(connectionsUrl(c, c.connectionId), { method: 'POST', body: $('send-text').value });
  $('send-result').textContent = r.ok ? `sent (${r.status})` : `${r.status}: ${await r.text()}`;
}

async function connectionAction(ev) {
  const button = ev.target.closest('button[data-action]');
  if (!button) return;
  const id = button.closest('tr').dataset.connectionId;
  const c = state.connections.get(id);
  if (!c) return;
  try {
    if (button.dataset.action === 'send') {
      openSendForm(c);
    } else if (button.dataset.action === 'disconnect') {
      const r = await fetch(connectionsUrl(c, id), { method: 'DELETE' });
      toast(r.ok ? `Disconnected ${id}` : `Disconnect ${id}: ${r.status} ${await r.text()}`);
    } else if (button.dataset.action === 'kill') {
      await control('POST', `connections/${encodeURIComponent(id)}/kill`, {});
      toast(`Killed ${id} (no close frame)`);
    }
  } catch (err) {
    toast(err.message);
  }
}

// ---------------------------------------------------------------- invocations

function invocationMatches(inv) {
  const route = $('filter-route').value.trim();
  const conn = $('filter-connection').value.trim();
  const fn = $('filter-function').value.trim();
  return (!route || inv.routeKey === route) && (!conn || inv.connectionId === conn) &&
         (!fn || inv.handler === fn);
}

// The error, else the last log line (with how many there were), shortened.
function invocationNote(inv) {
  const short = (t) => (t.length > 120 ? `${t.slice(0, 117)}...` : t);
  if (inv.error) return el('td', { class: 'status-bad', 'data-field': 'error', text: short(inv.error), title: inv.error });
  const logs = inv.logs || [];
  if (!logs.length) return el('td', { 'data-field': 'log' });
  const last = logs[logs.length - 1];
  return el('td', { class: 'muted', 'data-field': 'log', title: logs.join('\n'),
                    text: short(logs.length > 1 ? `${last} (${logs.length} lines)` : last) });
}

function invocationRow(inv) {
  const ok = inv.outcome === 'ok' && !(inv.statusCode >= 400);
  const status = inv.outcome === 'ok' ? String(inv.statusCode ?? 'ok') : inv.outcome;
  const tr = el('tr', { 'data-seq': String(inv.seq), 'data-route': inv.routeKey || '',
                        'aria-selected': String(state.selectedInvocation === inv.seq) },
    el('td', { text: String(inv.seq) }),
    el('td', { class: 'mono', text: inv.routeKey || inv.eventType || '' }),
    el('td', { class: 'nowrap', text: inv.handler || '' }),
    el('td', { class: 'mono', text: inv.connectionId || '' }),
    el('td', { class: ok ? 'status-ok' : 'status-bad', text: status, title: inv.error || '' }),
    el('td', { class: 'nowrap', text: `${inv.durationMs ?? ''} ms` }),
    el('td', { class: 'nowrap', text: inv.initDurationMs !== undefined ? `${inv.initDurationMs} ms` : '' }),
    invocationNote(inv));
  return tr;
}

function renderInvocations() {
  const rows = state.invocations.filter(invocationMatches);
  $('invocations').tBodies[0].replaceChildren(...rows.map(invocationRow));
  $('invocations-empty').hidden = rows.length > 0;
  const fill = (id, values) => $(id).replaceChildren(...[...values].sort().map((v) => el('option', { value: v })));
  fill('routes-seen', new Set(state.invocations.map((i) => i.routeKey).filter(Boolean)));
  fill('functions-seen', new Set(state.invocations.map((i) => i.handler).filter(Boolean)));
}

function addInvocation(inv) {
  const list = state.invocations;
  let i = 0;
  while (i < list.length && list[i].seq > inv.seq) i++;
  if (list[i] && list[i].seq === inv.seq) return;
  list.splice(i, 0, inv);
  if (list.length > INVOCATIONS_KEPT) list.length = INVOCATIONS_KEPT;
  renderInvocations();
}

const pretty = (v) => (v === undefined ? '(none)' : JSON.stringify(v, null, 2));

async function showInvocation(seq) {
  state.selectedInvocation = seq;
  renderInvocations();
  $('inv-detail').hidden = false;
  $('inv-title').textContent = `Invocation ${seq}`;
  try {
    const inv = await control('GET', `invocations/${seq}`);
    $('inv-title').textContent = `#${seq} ${inv.routeKey || inv.eventType || ''} → ${inv.handler}`;
    showError('inv-error', inv.error ? new Error(`${inv.outcome}: ${inv.error}`) : null);
    $('inv-logs').textContent = (inv.logs || []).join('\n') || '(none)';
    $('inv-event').textContent = pretty(inv.event);
    $('inv-response').textContent = pretty(inv.response);
  } catch (err) {
    showError('inv-error', err);
    $('inv-logs').textContent = $('inv-event').textContent = $('inv-response').textContent = '';
  }
}

// ---------------------------------------------------------------- live updates

// The lists are loaded when the stream (re)starts; events that arrive meanwhile
// are kept and applied on top of the loaded lists, in order.
let pending = null;

function applyEvent(type, data) {
  if (type === 'connection') {
    state.connections.set(data.connectionId, data);
    renderConnections();
  } else if (type === 'disconnect') {
    state.connections.delete(data.connectionId);
    renderConnections();
  } else if (type === 'invocation') {
    addInvocation(data);
  }
}

function onEvent(type, e) {
  const data = JSON.parse(e.data);
  if (pending) pending.push([type, data]);
  else applyEvent(type, data);
}

async function reloadLists() {
  pending = [];
  try {
    const [conns, invs] = await Promise.all([
      control('GET', 'connections'),
      control('GET', `invocations?summary=1&last=${INVOCATIONS_KEPT}`),
    ]);
    state.connections = new Map(conns.map((c) => [c.connectionId, c]));
    state.invocations = invs.reverse();
  } catch (err) {
    toast(`Cannot load the lists: ${err.message}`);
  }
  const events = pending;
  pending = null;
  for (const [type, data] of events) applyEvent(type, data);
  renderConnections();
  renderInvocations();
}

function startEvents() {
  const live = $('live');
  const es = new EventSource('/_wsgw/events');
  es.addEventListener('hello', () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
    reloadLists();
  });
  for (const type of ['connection', 'disconnect', 'invocation'])
    es.addEventListener(type, (e) => onEvent(type, e));
  es.addEventListener('dropped', () => { live.textContent = 'catching up'; });
  es.onerror = () => {
    live.dataset.state = 'connecting';
    live.textContent = 'reconnecting';
  };
}

// ---------------------------------------------------------------- tables

async function loadTables() {
  try {
    const names = [];
    let start;
    do {
      const r = await dynamo('ListTables', start ? { ExclusiveStartTableName: start } : {});
      names.push(...r.TableNames);
      start = r.LastEvaluatedTableName;
    } while (start);
    const current = state.table && state.table.TableName;
    $('table-list').replaceChildren(...names.map((n) => el('li', {},
      el('a', { href: '#tables', 'data-table': n, text: n, 'aria-current': String(n === current) }))));
    showError('tables-error', null);
  } catch (err) {
    showError('tables-error', err);
  }
}

function keyOf(schema) {
  const hash = schema.find((k) => k.KeyType === 'HASH');
  const range = schema.find((k) => k.KeyType === 'RANGE');
  return { hash: hash && hash.AttributeName, range: range && range.AttributeName };
}

async function selectTable(name) {
  for (const a of document.querySelectorAll('#table-list a')) a.setAttribute('aria-current', String(a.dataset.table === name));
  try {
    const { Table: t } = await dynamo('DescribeTable', { TableName: name });
    state.table = t;
    $('table-view').hidden = false;
    $('table-name').textContent = t.TableName;
    $('table-summary').textContent = `${t.ItemCount ?? 0} items · ${t.TableStatus}` +
      (t.StreamSpecification && t.StreamSpecification.StreamEnabled ? ` · stream ${t.StreamSpecification.StreamViewType}` : '');
    const types = Object.fromEntries((t.AttributeDefinitions || []).map((a) => [a.AttributeName, a.AttributeType]));
    const keyText = (n) => (n ? `${n} (${types[n] || '?'})` : '');
    const indexRows = [{ name: '(table)', schema: t.KeySchema, proj: 'ALL' }];
    for (const [kind, list] of [['GSI', t.GlobalSecondaryIndexes], ['LSI', t.LocalSecondaryIndexes]])
      for (const i of list || []) indexRows.push({ name: i.IndexName, kind, schema: i.KeySchema, proj: i.Projection && i.Projection.ProjectionType });
    $('table-keys').tBodies[0].replaceChildren(...indexRows.map((r) => {
      const k = keyOf(r.schema);
      return el('tr', {}, el('td', { text: r.kind ? `${r.name} (${r.kind})` : r.name }),
        el('td', { text: keyText(k.hash) }), el('td', { text: keyText(k.range) }), el('td', { text: r.proj || '' }));
    }));
    $('table-json').textContent = JSON.stringify(t, null, 2);
    $('read-index').replaceChildren(...indexRows.map((r) => el('option', { value: r.kind ? r.name : '', text: r.name })));
    $('stream-show').hidden = !t.LatestStreamArn;
    $('stream-view').hidden = true;
    $('item-form').hidden = true;
    updateReadForm();
    await runRead();
  } catch (err) {
    showError('read-error', err);
  }
}

function currentKeySchema() {
  const t = state.table;
  const index = $('read-index').value;
  if (!index) return t.KeySchema;
  const all = [...(t.GlobalSecondaryIndexes || []), ...(t.LocalSecondaryIndexes || [])];
  const i = all.find((x) => x.IndexName === index);
  return i ? i.KeySchema : t.KeySchema;
}

function updateReadForm() {
  const query = $('read-op').value === 'Query';
  for (const e of document.querySelectorAll('#read-form .query-only')) e.hidden = !query;
  if (state.table) {
    const k = keyOf(currentKeySchema());
    $('pk-label').textContent = k.hash || 'Partition key';
    $('read-sk').placeholder = k.range || '';
    $('read-sk-op').disabled = !k.range;
  }
}

// A typed AttributeValue for a key attribute from the input's text.
function keyValue(name, text) {
  const type = (state.table.AttributeDefinitions || []).find((a) => a.AttributeName === name);
  return { [type ? type.AttributeType : 'S']: text };
}

// move: 'first' (a new read), 'next', 'previous' or 'same' (reload the page shown).
async function runRead(ev, move = 'first') {
  if (ev) ev.preventDefault();
  const t = state.table;
  if (!t) return;
  if (move === 'first') {
    state.pageStarts = [null];
    state.page = 0;
  } else if (move === 'next' && state.lastKey) {
    state.pageStarts[state.page + 1] = state.lastKey;
    state.page++;
  } else if (move === 'previous' && state.page > 0) {
    state.page--;
  }
  const req = { TableName: t.TableName, Limit: Number($('read-limit').value) || 25 };
  if ($('read-index').value) req.IndexName = $('read-index').value;
  if (state.pageStarts[state.page]) req.ExclusiveStartKey = state.pageStarts[state.page];
  if ($('read-op').value === 'Query') {
    const k = keyOf(currentKeySchema());
    req.ExpressionAttributeNames = { '#pk': k.hash };
    req.ExpressionAttributeValues = { ':pk': keyValue(k.hash, $('read-pk').value) };
    req.KeyConditionExpression = '#pk = :pk';
    const op = $('read-sk-op').value;
    if (op && k.range) {
      req.ExpressionAttributeNames['#sk'] = k.range;
      req.ExpressionAttributeValues[':sk'] = keyValue(k.range, $('read-sk').value);
      req.KeyConditionExpression += op === 'begins_with' ? ' AND begins_with(#sk, :sk)' : ` AND #sk ${op} :sk`;
    }
  }
  try {
    const r = await dynamo($('read-op').value, req);
    state.lastKey = r.LastEvaluatedKey || null;
    $('read-next').disabled = !state.lastKey;
    $('read-prev').disabled = state.page === 0;
    $('read-status').textContent = `${r.Count} ${r.Count === 1 ? 'item' : 'items'} (scanned ${r.ScannedCount})` +
      ` · page ${state.page + 1}` + (state.lastKey ? ' · more pages' : '');
    renderItems(r.Items || []);
    showError('read-error', null);
  } catch (err) {
    showError('read-error', err);
  }
}

function renderItems(items) {
  const k = keyOf(state.table.KeySchema);
  const names = [k.hash, k.range].filter(Boolean);
  for (const item of items)
    for (const n of Object.keys(item))
      if (!names.includes(n) && names.length < 8) names.push(n);
  $('items').tHead.replaceChildren(el('tr', {}, ...names.map((n) => el('th', { text: n }))));
  $('items').tBodies[0].replaceChildren(...items.map((item, i) => {
    const tr = el('tr', { 'data-index': String(i) }, ...names.map((n) => el('td', { text: avText(item[n]) })));
    tr.item = item;
    return tr;
  }));
}

function openItem(item) {
  const k = keyOf(state.table.KeySchema);
  state.itemKey = item ? Object.fromEntries([k.hash, k.range].filter(Boolean).map((n) => [n, item[n]])) : null;
  const template = {};
  for (const n of [k.hash, k.range].filter(Boolean)) template[n] = keyValue(n, '');
  $('item-title').textContent = item ? 'Edit item' : 'New item';
  $('item-json').value = JSON.stringify(item || template, null, 2);
  $('item-delete').disabled = !item;
  $('item-status').textContent = '';
  showError('item-error', null);
  $('item-form').hidden = false;
  $('item-json').focus();
}

async function saveItem(ev) {
  ev.preventDefault();
  let item;
  try {
    item = JSON.parse($('item-json').value);
  } catch (err) {
    showError('item-error', new Error(`Not JSON: ${err.message}`));
    return;
  }
  try {
    await dynamo('PutItem', { TableName: state.table.TableName, Item: item });
    showError('item-error', null);
    $('item-status').textContent = 'saved';
    const k = keyOf(state.table.KeySchema);
    state.itemKey = Object.fromEntries([k.hash, k.range].filter(Boolean).map((n) => [n, item[n]]));
    $('item-delete').disabled = false;
    await runRead(null, 'same');
  } catch (err) {
    $('item-status').textContent = '';
    showError('item-error', err);
  }
}

async function deleteItem() {
  if (!state.itemKey) return;
  try {
    await dynamo('DeleteItem', { TableName: state.table.TableName, Key: state.itemKey });
    $('item-form').hidden = true;
    await runRead(null, 'same');
  } catch (err) {
    showError('item-error', err);
  }
}

// Up to 100 records from each shard of the table's latest stream, oldest first.
async function showStream() {
  const arn = state.table.LatestStreamArn;
  const S = 'DynamoDBStreams_20120810';
  $('stream-view').hidden = false;
  $('stream-arn').textContent = arn;
  $('stream-record').hidden = true;
  try {
    const { StreamDescription: d } = await dynamo('DescribeStream', { StreamArn: arn }, S);
    const records = [];
    for (const shard of d.Shards || []) {
      const it = await dynamo('GetShardIterator', { StreamArn: arn, ShardId: shard.ShardId, ShardIteratorType: 'TRIM_HORIZON' }, S);
      const r = await dynamo('GetRecords', { ShardIterator: it.ShardIterator, Limit: 100 }, S);
      records.push(...(r.Records || []));
    }
    $('stream-records').tBodies[0].replaceChildren(...records.map((rec) => {
      const keys = Object.entries(rec.dynamodb.Keys || {}).map(([n, v]) => `${n}=${avText(v)}`).join(', ');
      const when = rec.dynamodb.ApproximateCreationDateTime;
      const tr = el('tr', {}, el('td', { class: 'mono', text: rec.dynamodb.SequenceNumber }), el('td', { text: rec.eventName }),
        el('td', { text: keys }), el('td', { text: when ? new Date(when * 1000).toLocaleTimeString() : '' }));
      tr.record = rec;
      return tr;
    }));
    showError('stream-error', records.length ? null : new Error('No records in the stream yet.'));
  } catch (err) {
    showError('stream-error', err);
  }
}

// ---------------------------------------------------------------- faults

const FAULT_TEMPLATES = {
  'dynamodb.error': { operation: '*', table: '*', error: 'ProvisionedThroughputExceededException', count: 1 },
  'connections.error': { connectionId: '*', status: 410, count: 1 },
  'handler.latency': { handler: '*', ms: 200 },
  'handler.timeout': { handler: '*', count: 1 },
  'disconnect.drop': { connectionId: '*', count: 1 },
  'disconnect.delay': { connectionId: '*', ms: 500 },
  'handshake.delay': { connectionId: '*', ms: 300 },
  'stream.error': { table: '*', count: 1 },
};

function faultTemplate() {
  const type = $('fault-type').value;
  $('fault-json').value = JSON.stringify({ type, ...FAULT_TEMPLATES[type] }, null, 2);
}

async function loadFaults() {
  try {
    const faults = await control('GET', 'faults');
    $('faults').tBodies[0].replaceChildren(...faults.map((f) => {
      const { id, hits, type, ...rest } = f;
      return el('tr', { 'data-fault-id': String(id) }, el('td', { text: String(id) }), el('td', { text: type }),
        el('td', { class: 'mono', text: JSON.stringify(rest) }), el('td', { text: String(hits) }),
        el('td', { class: 'actions' }, el('button', { type: 'button', class: 'small danger', 'data-action': 'remove', text: 'Remove' })));
    }));
    $('faults-empty').hidden = faults.length > 0;
  } catch (err) {
    showError('fault-error', err);
  }
}

async function addFault(ev) {
  ev.preventDefault();
  try {
    await control('POST', 'faults', JSON.parse($('fault-json').value));
    showError('fault-error', null);
    await loadFaults();
  } catch (err) {
    showError('fault-error', err);
  }
}

// ---------------------------------------------------------------- connect a client

async function loadInfo() {
  try {
    state.info = await control('GET', 'info');
  } catch (err) {
    toast(`Cannot read /_wsgw/info: ${err.message}`);
    return;
  }
  const i = state.info;
  const apis = i.apis || [];
  $('app-name').textContent = apis.map((a) => a.name).filter(Boolean).join(', ') || i.config || '';
  document.title = `wsgw console${$('app-name').textContent ? ` · ${$('app-name').textContent}` : ''}`;
  const rows = [];
  for (const a of apis) {
    rows.push([`WebSocket (${a.name})`, a.url]);
    rows.push([`@connections (${a.name})`, `${a.connectionsUrl}/@connections/{connectionId}`]);
  }
  rows.push(['DynamoDB and DynamoDB Streams', i.dynamodb + (i.dynamodbForwardedTo ? ` (forwarded to ${i.dynamodbForwardedTo})` : '')]);
  if (i.tls) rows.push(['TLS', `${i.tls.url} (certificate: ${i.tls.cert})`]);
  rows.push(['Region', i.region]);
  if (i.auth === 'sigv4') rows.push(['Auth', 'SigV4 required (--auth sigv4): the console\'s own DynamoDB and @connections calls are refused']);
  $('endpoints').tBodies[0].replaceChildren(...rows.map(([k, v]) => el('tr', {}, el('th', { text: k }), el('td', { class: 'mono', text: v }))));
  const mgmt = apis.length ? apis[0].connectionsUrl : `${i.dynamodb}/{stage}`;
  $('env-snippet').textContent = [
    `export AWS_ENDPOINT_URL_DYNAMODB=${i.dynamodb}`,
    `export AWS_ENDPOINT_URL_DYNAMODB_STREAMS=${i.dynamodb}`,
    `export AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI=${mgmt}`,
    `export AWS_REGION=${i.region} AWS_DEFAULT_REGION=${i.region}`,
    'export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local',
  ].join('\n');
  $('sdk-v2-snippet').textContent = [
    `const ddb = new AWS.DynamoDB({ endpoint: '${i.dynamodb}', region: '${i.region}' });`,
    `const api = new AWS.ApiGatewayManagementApi({ endpoint: '${mgmt}', region: '${i.region}' });`,
  ].join('\n');
  $('boto3-snippet').textContent = [
    `ddb = boto3.client("dynamodb", endpoint_url="${i.dynamodb}", region_name="${i.region}")`,
    `api = boto3.client("apigatewaymanagementapi", endpoint_url="${mgmt}", region_name="${i.region}")`,
  ].join('\n');
  $('cli-snippet').textContent = [
    `export AWS_DEFAULT_REGION=${i.region} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`,
    `aws dynamodb list-tables --endpoint-url ${i.dynamodb}`,
    `aws apigatewaymanagementapi post-to-connection --endpoint-url ${mgmt} \\`,
    '    --connection-id ID --data \'{"hello":"world"}\'   # AWS CLI v2: add --cli-binary-format raw-in-base64-out',
  ].join('\n');
}

// ---------------------------------------------------------------- wiring

function wire() {
  window.addEventListener('hashchange', showTab);
  $('connections').addEventListener('click', connectionAction);
  $('send-form').addEventListener('submit', sendToConnection);
  $('send-cancel').addEventListener('click', closeSendForm);
  $('inv-filters').addEventListener('input', renderInvocations);
  $('inv-filters').addEventListener('submit', (e) => e.preventDefault());
  $('inv-clear-filters').addEventListener('click', () => {
    $('filter-route').value = $('filter-connection').value = $('filter-function').value = '';
    renderInvocations();
  });
  $('inv-clear-log').addEventListener('click', async () => {
    await control('DELETE', 'invocations');
    state.invocations = [];
    renderInvocations();
  });
  $('invocations').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr[data-seq]');
    if (tr) showInvocation(Number(tr.dataset.seq));
  });
  $('inv-close').addEventListener('click', () => {
    $('inv-detail').hidden = true;
    state.selectedInvocation = null;
    renderInvocations();
  });
  $('table-list').addEventListener('click', (e) => {
    const a = e.target.closest('a[data-table]');
    if (!a) return;
    e.preventDefault();
    selectTable(a.dataset.table);
  });
  $('tables-refresh').addEventListener('click', loadTables);
  $('read-op').addEventListener('change', updateReadForm);
  $('read-index').addEventListener('change', updateReadForm);
  $('read-form').addEventListener('submit', (e) => runRead(e));
  $('read-next').addEventListener('click', () => runRead(null, 'next'));
  $('read-prev').addEventListener('click', () => runRead(null, 'previous'));
  $('item-new').addEventListener('click', () => openItem(null));
  $('items').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (tr && tr.item) openItem(tr.item);
  });
  $('item-form').addEventListener('submit', saveItem);
  $('item-delete').addEventListener('click', deleteItem);
  $('item-cancel').addEventListener('click', () => { $('item-form').hidden = true; });
  $('stream-show').addEventListener('click', showStream);
  $('stream-close').addEventListener('click', () => { $('stream-view').hidden = true; });
  $('stream-records').tBodies[0].addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (!tr || !tr.record) return;
    $('stream-record').hidden = false;
    $('stream-record').textContent = JSON.stringify(tr.record, null, 2);
  });
  $('fault-type').addEventListener('change', faultTemplate);
  $('fault-form').addEventListener('submit', addFault);
  $('faults-refresh').addEventListener('click', loadFaults);
  $('faults-clear').addEventListener('click', async () => {
    await control('DELETE', 'faults');
    await loadFaults();
  });
  $('faults').tBodies[0].addEventListener('click', async (e) => {
    const b = e.target.closest('button[data-action=remove]');
    if (!b) return;
    await control('DELETE', `faults/${b.closest('tr').dataset.faultId}`);
    await loadFaults();
  });
}

wire();
faultTemplate();
loadInfo().then(() => {
  showTab();
  startEvents();
});
