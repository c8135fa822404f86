// End-to-end test of serval's DynamoDB with @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb
// (JS SDK v3): tables and the table-exists waiter, AttributeValues of every type through the
// low-level client, the DocumentClient (native values: numbers, sets, maps, lists, binary, null)
// with put/get/update/query/batch and its paginator, and DynamoDB's errors as the SDK's exception
// classes; and an event source mapping of a table's stream managed through @aws-sdk/client-lambda.
// Starts the real binary with a fresh data dir (or SERVAL_ENDPOINT), as lambda.test.mjs
// does. Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServal } from './serval_process.mjs';
import { makeZip, fixture } from './zip.mjs';
import {
  LambdaClient, CreateFunctionCommand, DeleteFunctionCommand, waitUntilFunctionActiveV2,
  CreateEventSourceMappingCommand, GetEventSourceMappingCommand, ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand, DeleteEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  DynamoDBClient, CreateTableCommand, DescribeTableCommand, DeleteTableCommand,
  PutItemCommand, GetItemCommand, QueryCommand, TransactWriteItemsCommand,
  ConditionalCheckFailedException, ResourceNotFoundException, TransactionCanceledException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient, PutCommand, GetCommand, UpdateCommand, QueryCommand as DocQueryCommand,
  BatchWriteCommand, DeleteCommand, paginateQuery, NumberValue,
} from '@aws-sdk/lib-dynamodb';

let serval; let ddb; let doc; let table;

before(async () => {
  serval = await startServal('ddbjs');
  ddb = new DynamoDBClient({
    endpoint: serval.endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  doc = DynamoDBDocumentClient.from(ddb, {
    marshallOptions: { removeUndefinedValues: true, convertEmptyValues: false },
  });
  table = `js-${randomUUID().slice(0, 8)}`;
  await ddb.send(new CreateTableCommand({
    TableName: table, BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'N' }],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }, { AttributeName: 'sk', KeyType: 'RANGE' }],
  }));
});

after(async () => {
  if (table) await ddb?.send(new DeleteTableCommand({ TableName: table })).catch(() => {});
  ddb?.destroy();
  await serval?.stop();
});

test('the table is ACTIVE at once and the waiter returns at once', async () => {
  const t0 = Date.now();
  const res = await waitUntilTableExists({ client: ddb, maxWaitTime: 30, minDelay: 20 },
    { TableName: table });
  assert.equal(res.state, 'SUCCESS');
  assert.ok(Date.now() - t0 < 5000, `waiter took ${Date.now() - t0} ms`);
  const { Table } = await ddb.send(new DescribeTableCommand({ TableName: table }));
  assert.equal(Table.TableStatus, 'ACTIVE');
  assert.deepEqual(Table.KeySchema, [{ AttributeName: 'pk', KeyType: 'HASH' },
    { AttributeName: 'sk', KeyType: 'RANGE' }]);
  assert.ok(Table.CreationDateTime instanceof Date);
});

test('low-level client: every AttributeValue type round trips', async () => {
  const item = {
    pk: { S: 'raw' }, sk: { N: '1' },
    s: { S: 'h\u00e9llo' }, n: { N: '-12.5' }, b: { B: new Uint8Array([0, 1, 254, 255]) },
    ss: { SS: ['a', 'b'] }, ns: { NS: ['1', '2.5'] }, bs: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    m: { M: { x: { S: 'y' }, z: { NULL: true } } }, l: { L: [{ S: 'a' }, { N: '1' }, { BOOL: false }] },
    nul: { NULL: true }, t: { BOOL: true }, empty: { S: '' },
  };
  await ddb.send(new PutItemCommand({ TableName: table, Item: item }));
  const { Item } = await ddb.send(new GetItemCommand({
    TableName: table, Key: { pk: { S: 'raw' }, sk: { N: '1' } }, ConsistentRead: true,
  }));
  const sortSets = (it) => ({
    ...it, ss: { SS: [...it.ss.SS].sort() }, ns: { NS: [...it.ns.NS].sort() },
    bs: { BS: [...it.bs.BS].sort((p, q) => p[0] - q[0]) },
  });
  assert.deepEqual(sortSets(Item), sortSets(item));
});

test('DocumentClient: native values in and out', async () => {
  const item = {
    pk: 'doc', sk: 1, name: 'x', n: 3.5, neg: -7, zero: 0, big: 12345678901234,
    tags: new Set(['a', 'b']), nums: new Set([1, 2, 3]),
    nested: { a: [1, 'two', { b: true }], empty: {} }, list: [], nul: null,
    bin: new Uint8Array([9, 8, 7]), blank: '',
  };
  await doc.send(new PutCommand({ TableName: table, Item: item }));
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'doc', sk: 1 } }));
  assert.deepEqual(Item, item);
  // 38 significant digits survive, as NumberValue when asked.
  const digits = '12345678901234567890123456789012345678';
  await doc.send(new PutCommand({ TableName: table, Item: { pk: 'doc', sk: 2, v: NumberValue.from(digits) } }));
  // (A client of its own: DocumentClients made from one client share their options.)
  const base = new DynamoDBClient({ endpoint: serval.endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const wrapped = DynamoDBDocumentClient.from(base, { unmarshallOptions: { wrapNumbers: true } });
  const got = await wrapped.send(new GetCommand({ TableName: table, Key: { pk: 'doc', sk: 2 } }));
  assert.equal(got.Item.v.toString(), digits);
  base.destroy();
});

test('DocumentClient: update with SET, ADD, REMOVE and ReturnValues', async () => {
  await doc.send(new PutCommand({ TableName: table,
    Item: { pk: 'upd', sk: 1, count: 1, tags: new Set(['a']), gone: 'x', seq: [1] } }));
  const { Attributes } = await doc.send(new UpdateCommand({
    TableName: table, Key: { pk: 'upd', sk: 1 },
    UpdateExpression: 'SET #c = #c + :inc, seq = list_append(seq, :more), created = if_not_exists(created, :now) '
      + 'ADD tags :t REMOVE gone',
    ExpressionAttributeNames: { '#c': 'count' },
    ExpressionAttributeValues: { ':inc': 2, ':more': [2, 3], ':now': 1700000000, ':t': new Set(['b']) },
    ReturnValues: 'ALL_NEW',
  }));
  assert.deepEqual(Attributes, { pk: 'upd', sk: 1, count: 3, seq: [1, 2, 3], created: 1700000000,
    tags: new Set(['a', 'b']) });
  const old = await doc.send(new UpdateCommand({
    TableName: table, Key: { pk: 'upd', sk: 1 }, UpdateExpression: 'SET #c = :z',
    ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':z': 0 },
    ReturnValues: 'UPDATED_OLD',
  }));
  assert.deepEqual(old.Attributes, { count: 3 });
});

test('DocumentClient: query in order, with a filter, a limit and the paginator', async () => {
  const items = Array.from({ length: 23 }, (_, i) => ({ pk: 'q', sk: i * 5 - 40, even: i % 2 === 0 }));
  for (let i = 0; i < items.length; i += 25) {
    await doc.send(new BatchWriteCommand({ RequestItems: {
      [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  const all = await doc.send(new DocQueryCommand({ TableName: table,
    KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'q' } }));
  assert.deepEqual(all.Items.map((x) => x.sk), items.map((x) => x.sk)); // numeric order
  const desc = await doc.send(new DocQueryCommand({ TableName: table, ScanIndexForward: false,
    KeyConditionExpression: 'pk = :p AND sk BETWEEN :lo AND :hi',
    ExpressionAttributeValues: { ':p': 'q', ':lo': -10, ':hi': 10 } }));
  assert.deepEqual(desc.Items.map((x) => x.sk), [10, 5, 0, -5, -10]);
  const limited = await doc.send(new DocQueryCommand({ TableName: table, Limit: 4,
    KeyConditionExpression: 'pk = :p', FilterExpression: 'even = :t',
    ExpressionAttributeValues: { ':p': 'q', ':t': true } }));
  assert.equal(limited.ScannedCount, 4);
  assert.deepEqual(limited.Items.map((x) => x.sk), [-40, -30]);
  assert.deepEqual(limited.LastEvaluatedKey, { pk: 'q', sk: -25 });
  const seen = []; let pages = 0;
  for await (const page of paginateQuery({ client: doc, pageSize: 5 }, { TableName: table,
    KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': 'q' } })) {
    pages += 1;
    seen.push(...page.Items.map((x) => x.sk));
  }
  assert.deepEqual(seen, items.map((x) => x.sk));
  assert.ok(pages >= 5, `${pages} pages`);
});

test('errors are the SDK exception classes', async () => {
  await doc.send(new PutCommand({ TableName: table, Item: { pk: 'err', sk: 1, v: 'kept' } }));
  await assert.rejects(doc.send(new PutCommand({ TableName: table, Item: { pk: 'err', sk: 1, v: 'new' },
    ConditionExpression: 'attribute_not_exists(pk)' })), (e) => {
    assert.ok(e instanceof ConditionalCheckFailedException, e.name);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
  await assert.rejects(doc.send(new DeleteCommand({ TableName: table, Key: { pk: 'err', sk: 1 },
    ConditionExpression: 'v = :x', ExpressionAttributeValues: { ':x': 'other' },
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' })), (e) => {
    assert.ok(e instanceof ConditionalCheckFailedException, e.name);
    assert.deepEqual(e.Item, { pk: { S: 'err' }, sk: { N: '1' }, v: { S: 'kept' } });
    return true;
  });
  await assert.rejects(ddb.send(new GetItemCommand({ TableName: `nope-${randomUUID().slice(0, 8)}`,
    Key: { pk: { S: 'a' }, sk: { N: '1' } } })), (e) => {
    assert.ok(e instanceof ResourceNotFoundException, e.name);
    return true;
  });
  await assert.rejects(ddb.send(new TransactWriteItemsCommand({ TransactItems: [
    { Put: { TableName: table, Item: { pk: { S: 'tx' }, sk: { N: '1' } } } },
    { ConditionCheck: { TableName: table, Key: { pk: { S: 'err' }, sk: { N: '1' } },
      ConditionExpression: 'v = :x', ExpressionAttributeValues: { ':x': { S: 'other' } } } },
  ] })), (e) => {
    assert.ok(e instanceof TransactionCanceledException, e.name);
    assert.deepEqual(e.CancellationReasons.map((r) => r.Code), ['None', 'ConditionalCheckFailed']);
    return true;
  });
  const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'err', sk: 1 } }));
  assert.equal(Item.v, 'kept');
  const tx = await doc.send(new GetCommand({ TableName: table, Key: { pk: 'tx', sk: 1 } }));
  assert.equal(tx.Item, undefined);
  await assert.rejects(ddb.send(new QueryCommand({ TableName: table, KeyConditionExpression: 'sk = :s',
    ExpressionAttributeValues: { ':s': { N: '1' } } })), (e) => {
    assert.equal(e.name, 'ValidationException');
    assert.equal(e.message, 'Query condition missed key schema element: pk');
    return true;
  });
});

test('event source mapping of a table stream through @aws-sdk/client-lambda', async () => {
  const lambda = new LambdaClient({
    endpoint: serval.endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const name = `js-stream-${randomUUID().slice(0, 8)}`;
    const created = await ddb.send(new CreateTableCommand({
      TableName: name, BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' },
    }));
    const stream = created.TableDescription.LatestStreamArn;
    assert.match(stream, new RegExp(`:table/${name}/stream/`));
    const fn = `js-esm-${randomUUID().slice(0, 8)}`;
    await lambda.send(new CreateFunctionCommand({
      FunctionName: fn, Runtime: 'python3.12', Handler: 'echo.lambda_handler',
      Role: 'arn:aws:iam::000000000000:role/lambda-role',
      Code: { ZipFile: makeZip([{ name: 'echo.py', data: fixture('python', 'echo.py') }]) },
    }));
    await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
      { FunctionName: fn });
    const mapping = await lambda.send(new CreateEventSourceMappingCommand({
      FunctionName: fn, EventSourceArn: stream, StartingPosition: 'LATEST', BatchSize: 3,
    }));
    assert.equal(mapping.BatchSize, 3);
    assert.equal(mapping.EventSourceArn, stream);
    const listed = await lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn }));
    assert.deepEqual(listed.EventSourceMappings.map((m) => m.UUID), [mapping.UUID]);
    const updated = await lambda.send(new UpdateEventSourceMappingCommand({
      UUID: mapping.UUID, BatchSize: 9,
    }));
    assert.equal(updated.BatchSize, 9);
    const got = await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }));
    assert.equal(got.BatchSize, 9);
    assert.equal(got.StartingPosition, 'LATEST');
    await lambda.send(new DeleteEventSourceMappingCommand({ UUID: mapping.UUID }));
    await assert.rejects(async () => {
      for (let i = 0; i < 150; i += 1) {
        await lambda.send(new GetEventSourceMappingCommand({ UUID: mapping.UUID }));
        await new Promise((resolve) => { setTimeout(resolve, 200); });
      }
    }, (error) => error.name === 'ResourceNotFoundException');
    await lambda.send(new DeleteFunctionCommand({ FunctionName: fn }));
    await ddb.send(new DeleteTableCommand({ TableName: name }));
  } finally {
    lambda.destroy();
  }
});
