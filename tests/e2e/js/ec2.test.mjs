// End-to-end test of serval's EC2 instance records with @aws-sdk/client-ec2 (JS SDK v3):
// RunInstances with tags, DescribeInstances with tag filters and pages (the SDK's paginator),
// the waiters instance running / stopped / terminated after --instance-transition-ms, Start and
// Stop with their states, tags, regions and zones, and EC2's errors as the SDK parses them.
// Starts the real binary with a fresh data dir. Run: node --test tests/e2e/js/ec2.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServal } from './serval_process.mjs';
import {
  EC2Client, RunInstancesCommand, DescribeInstancesCommand, StartInstancesCommand,
  StopInstancesCommand, TerminateInstancesCommand, CreateTagsCommand, DeleteTagsCommand,
  DescribeTagsCommand, DescribeRegionsCommand, DescribeAvailabilityZonesCommand,
  DescribeInstanceStatusCommand, paginateDescribeInstances, waitUntilInstanceRunning,
  waitUntilInstanceStopped, waitUntilInstanceTerminated,
} from '@aws-sdk/client-ec2';

const IMAGE = 'ami-0abcdef1234567890';
let serval; let ec2;

before(async () => {
  serval = await startServal('ec2js', { args: ['--instance-transition-ms', '300'] });
  ec2 = new EC2Client({
    endpoint: serval.endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  ec2?.destroy();
  await serval?.stop();
});

// The SDK's waiters, polling every second for at most 20 s.
const wait = (waiter, InstanceIds) => waiter(
  { client: ec2, minDelay: 1, maxDelay: 1, maxWaitTime: 20 }, { InstanceIds });

async function launch(count, tags = {}) {
  const out = await ec2.send(new RunInstancesCommand({
    ImageId: IMAGE, MinCount: count, MaxCount: count, InstanceType: 't3.micro',
    TagSpecifications: [{
      ResourceType: 'instance',
      Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
    }],
  }));
  return out;
}

test('run, filter by tag, wait, stop, start, terminate', async () => {
  const key = `EntScheduler-${randomUUID().slice(0, 8)}`;
  const reservation = await launch(2, { [key]: 'mon-fri;0800;mon-fri;1800;' });
  assert.match(reservation.ReservationId, /^r-[0-9a-f]{17}$/);
  const ids = reservation.Instances.map((i) => i.InstanceId);
  for (const instance of reservation.Instances) {
    assert.match(instance.InstanceId, /^i-[0-9a-f]{17}$/);
    assert.deepEqual(instance.State, { Code: 0, Name: 'pending' });
    assert.ok(instance.LaunchTime instanceof Date);
    assert.deepEqual(instance.Tags, [{ Key: key, Value: 'mon-fri;0800;mon-fri;1800;' }]);
  }
  await launch(1);  // untagged: never listed by the filter
  await wait(waitUntilInstanceRunning, ids);

  const filtered = await ec2.send(new DescribeInstancesCommand({
    Filters: [{ Name: 'tag-key', Values: [key] }, { Name: 'instance-state-name', Values: ['running'] }],
  }));
  const listed = filtered.Reservations.flatMap((r) => r.Instances);
  assert.deepEqual(listed.map((i) => i.InstanceId), ids);
  assert.deepEqual(listed.map((i) => i.State), [{ Code: 16, Name: 'running' }, { Code: 16, Name: 'running' }]);

  const stopped = await ec2.send(new StopInstancesCommand({ InstanceIds: [ids[0]], Force: true }));
  assert.deepEqual(stopped.StoppingInstances, [{
    InstanceId: ids[0], CurrentState: { Code: 64, Name: 'stopping' }, PreviousState: { Code: 16, Name: 'running' },
  }]);
  await wait(waitUntilInstanceStopped, [ids[0]]);
  const started = await ec2.send(new StartInstancesCommand({ InstanceIds: [ids[0]] }));
  assert.equal(started.StartingInstances[0].PreviousState.Name, 'stopped');
  assert.equal(started.StartingInstances[0].CurrentState.Name, 'pending');
  await wait(waitUntilInstanceRunning, [ids[0]]);

  const statuses = await ec2.send(new DescribeInstanceStatusCommand({ InstanceIds: ids }));
  assert.deepEqual(statuses.InstanceStatuses.map((s) => s.InstanceStatus.Status), ['ok', 'ok']);

  const terminated = await ec2.send(new TerminateInstancesCommand({ InstanceIds: ids }));
  assert.deepEqual(terminated.TerminatingInstances.map((t) => t.CurrentState.Name), ['shutting-down', 'shutting-down']);
  await wait(waitUntilInstanceTerminated, ids);
});

test('pages of DescribeInstances through the paginator', async () => {
  const key = `Page-${randomUUID().slice(0, 8)}`;
  const ids = [];
  for (const count of [3, 4]) {
    ids.push(...(await launch(count, { [key]: 'x' })).Instances.map((i) => i.InstanceId));
  }
  const pages = [];
  for await (const page of paginateDescribeInstances({ client: ec2, pageSize: 5 },
    { Filters: [{ Name: 'tag-key', Values: [key] }] })) {
    pages.push(page.Reservations.flatMap((r) => r.Instances.map((i) => i.InstanceId)));
  }
  assert.deepEqual(pages.map((p) => p.length), [5, 2]);
  assert.deepEqual(pages.flat(), ids);
});

test('tags: create, describe with filters, delete', async () => {
  const [id] = (await launch(1)).Instances.map((i) => i.InstanceId);
  await ec2.send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Owner', Value: 'ops' }, { Key: 'Env', Value: 'prod' }] }));
  const described = await ec2.send(new DescribeTagsCommand({
    Filters: [{ Name: 'resource-id', Values: [id] }, { Name: 'key', Values: ['Own*'] }],
  }));
  assert.deepEqual(described.Tags, [{ ResourceId: id, ResourceType: 'instance', Key: 'Owner', Value: 'ops' }]);
  await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: [{ Key: 'Owner' }] }));
  const after = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [id] }));
  assert.deepEqual(after.Reservations[0].Instances[0].Tags, [{ Key: 'Env', Value: 'prod' }]);
});

test('regions and zones', async () => {
  const { Regions } = await ec2.send(new DescribeRegionsCommand({}));
  assert.equal(Regions[0].RegionName, 'us-east-1');
  assert.equal(Regions[0].Endpoint, 'ec2.us-east-1.amazonaws.com');
  const { AvailabilityZones } = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  assert.deepEqual(AvailabilityZones.map((z) => z.ZoneName), ['us-east-1a', 'us-east-1b', 'us-east-1c']);
  assert.deepEqual(AvailabilityZones.map((z) => z.State), ['available', 'available', 'available']);
});

test('errors carry EC2 codes and messages', async () => {
  await assert.rejects(
    ec2.send(new StopInstancesCommand({ InstanceIds: ['i-0123456789abcdef0'] })),
    (e) => {
      assert.equal(e.name, 'InvalidInstanceID.NotFound');
      assert.equal(e.message, "The instance ID 'i-0123456789abcdef0' does not exist");
      assert.equal(e.$metadata.httpStatusCode, 400);
      assert.ok(e.$metadata.requestId);
      return true;
    });
  await assert.rejects(
    ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-bad'] })),
    (e) => e.name === 'InvalidInstanceID.Malformed' && e.message === 'Invalid id: "i-bad"');
  const [id] = (await launch(1)).Instances.map((i) => i.InstanceId);
  await assert.rejects(
    ec2.send(new StopInstancesCommand({ InstanceIds: [id], DryRun: true })),
    (e) => e.name === 'DryRunOperation' && e.$metadata.httpStatusCode === 412);
  await assert.rejects(
    ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })),
    (e) => e.name === 'InvalidParameterValue' && e.message === "The filter 'colour' is invalid");
});
