// End-to-end test of serval's RDS with @aws-sdk/client-rds (JS SDK v3): DB instance records
// created with tags, the SDK's waiters over their lifecycle (a non-zero transition time),
// stop/start/delete, tags by ARN, a paginator over MaxRecords/Marker pages, and RDS's errors as
// the SDK's exception classes. Starts the real binary with a fresh data dir. Run:
// node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServal } from './serval_process.mjs';
import {
  RDSClient, CreateDBInstanceCommand, DescribeDBInstancesCommand, StopDBInstanceCommand,
  StartDBInstanceCommand, DeleteDBInstanceCommand, AddTagsToResourceCommand,
  RemoveTagsFromResourceCommand, ListTagsForResourceCommand, paginateDescribeDBInstances,
  waitUntilDBInstanceAvailable, waitUntilDBInstanceDeleted, DBInstanceNotFoundFault,
  InvalidDBInstanceStateFault, DBInstanceAlreadyExistsFault,
} from '@aws-sdk/client-rds';

const account = '000000000000';
let serval; let rds;

before(async () => {
  serval = await startServal('rdsjs', { args: ['--instance-transition-ms', '300'] });
  rds = new RDSClient({
    endpoint: serval.endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  rds?.destroy();
  await serval?.stop();
});

const newId = () => `js-${randomUUID().slice(0, 8)}`;
const arnOf = (id) => `arn:aws:rds:us-east-1:${account}:db:${id}`;
// The SDK's waiters poll no faster than once a second.
const waiter = () => ({ client: rds, maxWaitTime: 30, minDelay: 1, maxDelay: 1 });

function create(id, extra = {}) {
  return rds.send(new CreateDBInstanceCommand({
    DBInstanceIdentifier: id, DBInstanceClass: 'db.t3.micro', Engine: 'postgres',
    MasterUsername: 'admin', MasterUserPassword: 'never-echoed-1', AllocatedStorage: 20, ...extra,
  }));
}

async function describe(id) {
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
  assert.equal(DBInstances.length, 1);
  return DBInstances[0];
}

async function waitFor(id, status) {
  const deadline = Date.now() + 10000;
  while ((await describe(id)).DBInstanceStatus !== status) {
    if (Date.now() > deadline) throw new Error(`${id} never ${status}\n${serval.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('lifecycle: create, wait available, stop, start, delete, wait deleted', async () => {
  const id = newId();
  const { DBInstance } = await create(id, { Tags: [{ Key: 'Schedule', Value: 'office' }] });
  assert.equal(DBInstance.DBInstanceStatus, 'creating');
  assert.equal(DBInstance.DBInstanceArn, arnOf(id));
  assert.deepEqual(DBInstance.TagList, [{ Key: 'Schedule', Value: 'office' }]);
  assert.equal(DBInstance.MultiAZ, false);
  assert.equal(DBInstance.AllocatedStorage, 20);

  await waitUntilDBInstanceAvailable(waiter(), { DBInstanceIdentifier: id });
  const available = await describe(id);
  assert.equal(available.Endpoint.Port, 5432);
  assert.ok(available.InstanceCreateTime instanceof Date);

  const stopping = await rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: id }));
  assert.equal(stopping.DBInstance.DBInstanceStatus, 'stopping');
  await assert.rejects(rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: id })), (e) => {
    assert.ok(e instanceof InvalidDBInstanceStateFault, e.name);
    assert.equal(e.message, `Instance ${id} is not in available state.`);
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
  await waitFor(id, 'stopped');
  const starting = await rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: id }));
  assert.equal(starting.DBInstance.DBInstanceStatus, 'starting');
  await waitUntilDBInstanceAvailable(waiter(), { DBInstanceIdentifier: id });

  const deleting = await rds.send(new DeleteDBInstanceCommand({
    DBInstanceIdentifier: id, SkipFinalSnapshot: true,
  }));
  assert.equal(deleting.DBInstance.DBInstanceStatus, 'deleting');
  await waitUntilDBInstanceDeleted(waiter(), { DBInstanceIdentifier: id });
  await assert.rejects(describe(id), DBInstanceNotFoundFault);
});

test('tags by ARN: add, list, remove', async () => {
  const id = newId();
  await create(id);
  await rds.send(new AddTagsToResourceCommand({
    ResourceName: arnOf(id), Tags: [{ Key: 'team', Value: 'data' }, { Key: 'Schedule', Value: 'office' }],
  }));
  await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arnOf(id), TagKeys: ['team'] }));
  const { TagList } = await rds.send(new ListTagsForResourceCommand({ ResourceName: arnOf(id) }));
  assert.deepEqual(TagList, [{ Key: 'Schedule', Value: 'office' }]);
  assert.deepEqual((await describe(id)).TagList, TagList);
  await assert.rejects(rds.send(new ListTagsForResourceCommand({ ResourceName: arnOf('nope') })),
    (e) => e instanceof DBInstanceNotFoundFault && e.$metadata.httpStatusCode === 404);
});

test('paginator over pages of 20', async () => {
  const prefix = newId();
  const ids = Array.from({ length: 23 }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
  for (const id of ids) await create(id, { Engine: 'mysql' });
  const seen = []; let pages = 0;
  for await (const page of paginateDescribeDBInstances({ client: rds, pageSize: 20 }, {})) {
    pages += 1;
    seen.push(...page.DBInstances.map((d) => d.DBInstanceIdentifier).filter((d) => d.startsWith(prefix)));
  }
  assert.ok(pages >= 2);
  assert.deepEqual(seen, ids);
  const { DBInstances } = await rds.send(new DescribeDBInstancesCommand({
    Filters: [{ Name: 'db-instance-id', Values: [ids[0], arnOf(ids[1])] }, { Name: 'engine', Values: ['mysql'] }],
  }));
  assert.deepEqual(DBInstances.map((d) => d.DBInstanceIdentifier), ids.slice(0, 2));
});

test('errors: not found, already exists, bad identifier', async () => {
  await assert.rejects(rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: 'nope' })), (e) => {
    assert.ok(e instanceof DBInstanceNotFoundFault, e.name);
    assert.equal(e.message, 'DBInstance nope not found.');
    return true;
  });
  const id = newId();
  await create(id);
  await assert.rejects(create(id), DBInstanceAlreadyExistsFault);
  await assert.rejects(create('9-lives'), (e) => {
    assert.equal(e.name, 'InvalidParameterValue');
    assert.equal(e.$metadata.httpStatusCode, 400);
    return true;
  });
});
