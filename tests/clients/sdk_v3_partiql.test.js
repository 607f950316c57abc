'use strict';
// PartiQL through the AWS SDK for JavaScript v3: ExecuteStatementCommand of
// @aws-sdk/lib-dynamodb's DocumentClient (plain JavaScript values in and
// out), and BatchExecuteStatementCommand / ExecuteTransactionCommand of
// @aws-sdk/client-dynamodb, against a real wsgw. One server for the file.
// Run: WSGW_BIN=/path/to/wsgw node --test sdk_v3_partiql.test.js  (or ctest -L clients)

const { describe, test, before, after } = require('node:test');
const assert = require('node:assert/strict');

const h = require('./helpers.js');  // throws a clear error if node_modules is missing

const {
  CreateTableCommand, BatchExecuteStatementCommand, ExecuteTransactionCommand,
  TransactionCanceledException, DuplicateItemException, ConditionalCheckFailedException,
} = require('@aws-sdk/client-dynamodb');
const { ExecuteStatementCommand } = require('@aws-sdk/lib-dynamodb');

const TIMEOUT = { timeout: 30000 };

let server;
let ddb;
let doc;

before(async () => {
  server = await h.startServer();
  ddb = h.dynamoClient(server);
  doc = h.documentClient(ddb);
  await ddb.send(new CreateTableCommand({
    TableName: 'JsMusic',
    AttributeDefinitions: [{ AttributeName: 'Artist', AttributeType: 'S' },
                           { AttributeName: 'SongTitle', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'Artist', KeyType: 'HASH' },
                { AttributeName: 'SongTitle', KeyType: 'RANGE' }],
    BillingMode: 'PAY_PER_REQUEST',
  }));
});

after(async () => {
  if (ddb) ddb.destroy();
  if (server) {
    const { code, signal } = await server.stop();
    if (code !== 0)
      throw new Error(`wsgw exited with code ${code} signal ${signal} after SIGTERM\n` +
                      `stderr:\n${server.stderr()}`);
  }
});

describe('PartiQL with the AWS SDK for JavaScript v3', () => {
  test('DocumentClient ExecuteStatementCommand inserts, selects, updates and deletes', TIMEOUT,
       async () => {
    // "INSERT INTO table VALUE item": Parameters are plain values for the DocumentClient.
    await doc.send(new ExecuteStatementCommand({
      Statement: 'INSERT INTO "JsMusic" VALUE {\'Artist\': ?, \'SongTitle\': ?, \'Awards\': ?, ' +
                 '\'Tags\': ?}',
      Parameters: ['Acme Band', 'PartiQL Rocks', 1, new Set(['rock'])],
    }));
    // "SELECT ... WHERE" the full key: the item, unmarshalled.
    const one = await doc.send(new ExecuteStatementCommand({
      Statement: 'SELECT * FROM "JsMusic" WHERE Artist = ? AND SongTitle = ?',
      Parameters: ['Acme Band', 'PartiQL Rocks'],
    }));
    assert.equal(one.Items.length, 1);
    assert.equal(one.Items[0].Awards, 1);
    assert.deepEqual([...one.Items[0].Tags], ['rock']);

    // "UPDATE table SET path = data ... WHERE condition RETURNING ALL NEW *"
    const upd = await doc.send(new ExecuteStatementCommand({
      Statement: 'UPDATE "JsMusic" SET Awards = Awards + 1 SET Tags = set_add(Tags, <<\'pop\'>>) ' +
                 'WHERE Artist = ? AND SongTitle = ? RETURNING ALL NEW *',
      Parameters: ['Acme Band', 'PartiQL Rocks'],
    }));
    assert.equal(upd.Items[0].Awards, 2);
    assert.deepEqual([...upd.Items[0].Tags].sort(), ['pop', 'rock']);

    // "If the DynamoDB table already has an item with the same primary key ...
    // DuplicateItemException is returned"
    const dup = await h.rejection(() => doc.send(new ExecuteStatementCommand({
      Statement: 'INSERT INTO "JsMusic" VALUE {\'Artist\': \'Acme Band\', ' +
                 '\'SongTitle\': \'PartiQL Rocks\'}',
    })));
    assert.ok(dup instanceof DuplicateItemException, dup.name);
    assert.equal(dup.message, 'Duplicate primary key exists in table');

    // "If the WHERE clause of the UPDATE statement does not evaluate to true
    // for any item ... ConditionalCheckFailedException is returned"
    const ccf = await h.rejection(() => doc.send(new ExecuteStatementCommand({
      Statement: 'UPDATE "JsMusic" SET Awards = 0 WHERE Artist = \'Nobody\' AND SongTitle = \'x\'',
    })));
    assert.ok(ccf instanceof ConditionalCheckFailedException, ccf.name);

    // "DELETE FROM table WHERE condition RETURNING ALL OLD *"
    const del = await doc.send(new ExecuteStatementCommand({
      Statement: 'DELETE FROM "JsMusic" WHERE Artist = ? AND SongTitle = ? RETURNING ALL OLD *',
      Parameters: ['Acme Band', 'PartiQL Rocks'],
    }));
    assert.equal(del.Items[0].Awards, 2);
  });

  test('a SELECT on the partition key pages with Limit and NextToken', TIMEOUT, async () => {
    for (const t of ['a', 'b', 'c'])
      await doc.send(new ExecuteStatementCommand({
        Statement: 'INSERT INTO "JsMusic" VALUE {\'Artist\': \'Pager\', \'SongTitle\': ?}',
        Parameters: [t],
      }));
    const titles = [];
    let NextToken;
    do {
      const page = await doc.send(new ExecuteStatementCommand({
        Statement: 'SELECT SongTitle FROM "JsMusic" WHERE Artist = \'Pager\'',
        Limit: 2, NextToken,
      }));
      titles.push(...page.Items.map((it) => it.SongTitle));
      NextToken = page.NextToken;
    } while (NextToken);
    assert.deepEqual(titles, ['a', 'b', 'c']);
  });

  test('BatchExecuteStatement answers each statement; ExecuteTransaction cancels with reasons',
       TIMEOUT, async () => {
    const batch = await ddb.send(new BatchExecuteStatementCommand({ Statements: [
      { Statement: 'INSERT INTO "JsMusic" VALUE {\'Artist\': \'Batch\', \'SongTitle\': \'1\'}' },
      { Statement: 'INSERT INTO "JsMusic" VALUE {\'Artist\': \'Batch\', \'SongTitle\': \'1\'}' },
    ] }));
    assert.equal(batch.Responses[0].Error, undefined);
    assert.equal(batch.Responses[1].Error.Code, 'DuplicateItem');

    const err = await h.rejection(() => ddb.send(new ExecuteTransactionCommand({
      TransactStatements: [
        { Statement: 'INSERT INTO "JsMusic" VALUE {\'Artist\': \'Tx\', \'SongTitle\': \'1\'}' },
        { Statement: 'INSERT INTO "JsMusic" VALUE {\'Artist\': \'Batch\', \'SongTitle\': \'1\'}' },
      ],
    })));
    assert.ok(err instanceof TransactionCanceledException, err.name);
    assert.deepEqual(err.CancellationReasons.map((r) => r.Code), ['None', 'DuplicateItem']);

    const read = await ddb.send(new ExecuteTransactionCommand({ TransactStatements: [
      { Statement: 'SELECT SongTitle FROM "JsMusic" WHERE Artist = \'Batch\' AND SongTitle = \'1\'' },
      { Statement: 'SELECT * FROM "JsMusic" WHERE Artist = \'Tx\' AND SongTitle = \'1\'' },
    ] }));
    assert.deepEqual(read.Responses[0].Item, { SongTitle: { S: '1' } });
    assert.equal(read.Responses[1].Item, undefined, 'the canceled INSERT wrote nothing');
  });
});
