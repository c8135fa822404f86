// End-to-end test of serval with @aws-sdk/client-lambda (JS SDK v3).
// Starts the real binary (SERVAL_BIN or <repo>/build/serval) with --port 0 (it names the port the
// kernel gave it in its ready line) and a fresh data dir, drives it through the SDK, and checks a
// clean SIGTERM shutdown at the end.
// Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import {
  LambdaClient, CreateFunctionCommand, GetFunctionCommand, InvokeCommand,
  DeleteFunctionCommand, ListFunctionsCommand, waitUntilFunctionActiveV2,
  PublishVersionCommand, UpdateFunctionCodeCommand, CreateAliasCommand, GetAliasCommand,
  PutFunctionConcurrencyCommand, DeleteFunctionConcurrencyCommand, TagResourceCommand,
  ListTagsCommand, AddPermissionCommand, GetPolicyCommand, PutFunctionEventInvokeConfigCommand,
  GetFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import {
  EventBridgeClient, PutRuleCommand, DescribeRuleCommand, ListRulesCommand, PutTargetsCommand,
  ListTargetsByRuleCommand, RemoveTargetsCommand, DeleteRuleCommand,
} from '@aws-sdk/client-eventbridge';
import { startServal } from './serval_process.mjs';
import { makeZip, fixture } from './zip.mjs';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';

// ---- serval process ------------------------------------------------------------------------------
let serval; let endpoint; let client;

before(async () => {
  serval = await startServal('js');
  ({ endpoint } = serval);
  client = new LambdaClient({
    endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  client?.destroy();
  await serval?.stop();
});

// ---- helpers -----------------------------------------------------------------------------------
const uniq = (p) => `${p}-${randomUUID().slice(0, 8)}`;
const enc = (obj) => new TextEncoder().encode(JSON.stringify(obj));
const dec = (u8) => JSON.parse(new TextDecoder().decode(u8));

async function createFn(name, zip, runtime, handler) {
  const out = await client.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: runtime, Role: ROLE, Handler: handler, Code: { ZipFile: zip },
  }));
  await waitUntilFunctionActiveV2({ client, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { FunctionName: name });
  return out;
}

// ---- tests -----------------------------------------------------------------------------------
test('create from zip, get, invoke python, delete', async () => {
  const name = uniq('js-py');
  const zip = makeZip([{ name: 'echo.py', data: fixture('python', 'echo.py') }]);
  const created = await createFn(name, zip, 'python3.12', 'echo.lambda_handler');
  assert.equal(created.$metadata.httpStatusCode, 201);
  assert.equal(created.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
  assert.equal(created.CodeSha256, createHash('sha256').update(zip).digest('base64'));
  assert.equal(created.CodeSize, zip.length);

  const got = await client.send(new GetFunctionCommand({ FunctionName: name }));
  assert.equal(got.Configuration.State, 'Active');

  const listed = await client.send(new ListFunctionsCommand({}));
  assert.ok(listed.Functions.some((f) => f.FunctionName === name));

  const payload = { from: 'js', n: [1, 2, 3] };
  const res = await client.send(new InvokeCommand({ FunctionName: name, Payload: enc(payload),
    LogType: 'Tail' }));
  assert.equal(res.StatusCode, 200);
  assert.equal(res.FunctionError, undefined);
  assert.equal(res.ExecutedVersion, '$LATEST');
  assert.deepEqual(dec(res.Payload), payload);
  const log = Buffer.from(res.LogResult, 'base64').toString();
  assert.match(log, /START RequestId: \S+ Version: \$LATEST/);
  assert.match(log, /REPORT RequestId: \S+\tDuration: \d+\.\d\d ms/);

  const del = await client.send(new DeleteFunctionCommand({ FunctionName: name }));
  assert.equal(del.$metadata.httpStatusCode, 204);
  await assert.rejects(client.send(new GetFunctionCommand({ FunctionName: name })),
    (err) => err.name === 'ResourceNotFoundException');
});

test('invoke node functions (async and callback) and a node function error', async () => {
  const asyncName = uniq('js-node');
  await createFn(asyncName, makeZip([{ name: 'index.js', data: fixture('node', 'async_echo.js') }]),
    'nodejs20.x', 'index.handler');
  const res = await client.send(new InvokeCommand({ FunctionName: asyncName,
    Payload: enc({ hello: 'node' }) }));
  assert.equal(res.FunctionError, undefined, new TextDecoder().decode(res.Payload));
  assert.deepEqual(dec(res.Payload), { hello: 'node' });

  const cbName = uniq('js-cb');
  await createFn(cbName, makeZip([{ name: 'index.js', data: fixture('node', 'callback.js') }]),
    'nodejs20.x', 'index.handler');
  const cb = await client.send(new InvokeCommand({ FunctionName: cbName, Payload: enc({ a: 1 }) }));
  assert.deepEqual(dec(cb.Payload), { style: 'callback', got: { a: 1 }, fn: cbName });

  const throwName = uniq('js-throw');
  await createFn(throwName, makeZip([{ name: 'index.js', data: fixture('node', 'thrower.js') }]),
    'nodejs20.x', 'index.handler');
  const err = await client.send(new InvokeCommand({ FunctionName: throwName, Payload: enc({}) }));
  assert.equal(err.StatusCode, 200);
  assert.equal(err.FunctionError, 'Unhandled');
  const body = dec(err.Payload);
  assert.equal(body.errorType, 'Error');
  assert.equal(body.errorMessage, 'boom from node');

  for (const n of [asyncName, cbName, throwName]) {
    await client.send(new DeleteFunctionCommand({ FunctionName: n }));
  }
});

test('python function error', async () => {
  const name = uniq('js-raise');
  await createFn(name, makeZip([{ name: 'raiser.py', data: fixture('python', 'raiser.py') }]),
    'python3.12', 'raiser.lambda_handler');
  const res = await client.send(new InvokeCommand({ FunctionName: name, Payload: enc({}) }));
  assert.equal(res.StatusCode, 200);
  assert.equal(res.FunctionError, 'Unhandled');
  const body = dec(res.Payload);
  assert.equal(body.errorType, 'ValueError');
  assert.equal(body.errorMessage, 'boom from raiser');
  assert.ok(Array.isArray(body.stackTrace) && body.stackTrace.length > 0);
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
});

test('unknown function is ResourceNotFoundException', async () => {
  await assert.rejects(
    client.send(new InvokeCommand({ FunctionName: uniq('js-missing'), Payload: enc({}) })),
    (err) => {
      assert.equal(err.name, 'ResourceNotFoundException');
      assert.equal(err.$metadata.httpStatusCode, 404);
      assert.ok(err.message && err.message.length > 0);
      return true;
    });
});

// ---- invocation semantics (issue 3) ----------------------------------------------------------------
const echoZip = () => makeZip([{ name: 'echo.py', data: fixture('python', 'echo.py') }]);
const taggedZip = (tag) => makeZip([{ name: 'app.py',
  data: `def lambda_handler(event, context):\n    return {"tag": "${tag}"}\n` }]);

test('versions and aliases', async () => {
  const name = uniq('js-ver');
  await createFn(name, taggedZip('one'), 'python3.12', 'app.lambda_handler');
  const v1 = await client.send(new PublishVersionCommand({ FunctionName: name }));
  assert.equal(v1.$metadata.httpStatusCode, 201);
  assert.equal(v1.Version, '1');
  await client.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: taggedZip('two') }));
  const alias = await client.send(new CreateAliasCommand({ FunctionName: name, Name: 'live',
    FunctionVersion: '1' }));
  assert.equal(alias.AliasArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}:live`);
  const got = await client.send(new GetAliasCommand({ FunctionName: name, Name: 'live' }));
  assert.equal(got.FunctionVersion, '1');
  const viaAlias = await client.send(new InvokeCommand({ FunctionName: name, Qualifier: 'live' }));
  assert.equal(viaAlias.ExecutedVersion, '1');
  assert.deepEqual(dec(viaAlias.Payload), { tag: 'one' });
  const latest = await client.send(new InvokeCommand({ FunctionName: name }));
  assert.deepEqual(dec(latest.Payload), { tag: 'two' });
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
});

test('reserved concurrency 0 throttles with TooManyRequestsException', async () => {
  const name = uniq('js-conc');
  await createFn(name, echoZip(), 'python3.12', 'echo.lambda_handler');
  await client.send(new PutFunctionConcurrencyCommand({ FunctionName: name,
    ReservedConcurrentExecutions: 0 }));
  await assert.rejects(client.send(new InvokeCommand({ FunctionName: name, Payload: enc({}) })),
    (err) => {
      assert.equal(err.name, 'TooManyRequestsException');
      assert.equal(err.$metadata.httpStatusCode, 429);
      assert.equal(err.Reason, 'ReservedFunctionConcurrentInvocationLimitExceeded');
      return true;
    });
  await client.send(new DeleteFunctionConcurrencyCommand({ FunctionName: name }));
  const ok = await client.send(new InvokeCommand({ FunctionName: name, Payload: enc({ x: 1 }) }));
  assert.deepEqual(dec(ok.Payload), { x: 1 });
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
});

test('tags, policy, async invoke and its configuration', async () => {
  const name = uniq('js-meta');
  const created = await createFn(name, echoZip(), 'python3.12', 'echo.lambda_handler');
  await client.send(new TagResourceCommand({ Resource: created.FunctionArn, Tags: { team: 'js' } }));
  const tags = await client.send(new ListTagsCommand({ Resource: created.FunctionArn }));
  assert.deepEqual(tags.Tags, { team: 'js' });
  const added = await client.send(new AddPermissionCommand({ FunctionName: name,
    StatementId: 'sns', Action: 'lambda:InvokeFunction', Principal: 'sns.amazonaws.com' }));
  assert.equal(JSON.parse(added.Statement).Principal.Service, 'sns.amazonaws.com');
  const policy = await client.send(new GetPolicyCommand({ FunctionName: name }));
  assert.equal(JSON.parse(policy.Policy).Statement[0].Sid, 'sns');
  await client.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: name,
    MaximumRetryAttempts: 1 }));
  const config = await client.send(new GetFunctionEventInvokeConfigCommand({ FunctionName: name }));
  assert.equal(config.MaximumRetryAttempts, 1);
  const queued = await client.send(new InvokeCommand({ FunctionName: name,
    InvocationType: 'Event', Payload: enc({ async: true }) }));
  assert.equal(queued.StatusCode, 202);
  await client.send(new DeleteFunctionCommand({ FunctionName: name }));
});

test('a wrong secret is refused with InvalidSignatureException', async () => {
  const wrong = new LambdaClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'not-the-secret' } });
  await assert.rejects(wrong.send(new ListFunctionsCommand({})), (err) => {
    assert.equal(err.name, 'InvalidSignatureException');
    assert.equal(err.$metadata.httpStatusCode, 403);
    return true;
  });
  wrong.destroy();
});

// ---- schedules (issue 4) ------------------------------------------------------------------------
test('EventBridge rules and targets through @aws-sdk/client-eventbridge', async () => {
  const events = new EventBridgeClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  const fn = uniq('js-target');
  const created = await createFn(fn, echoZip(), 'python3.12', 'echo.lambda_handler');
  const rule = uniq('js-rule');
  const put = await events.send(new PutRuleCommand({ Name: rule,
    ScheduleExpression: 'cron(0 18 ? * MON-FRI *)', Description: 'weekday evenings' }));
  assert.equal(put.RuleArn, `arn:aws:events:us-east-1:000000000000:rule/${rule}`);
  const described = await events.send(new DescribeRuleCommand({ Name: rule }));
  assert.equal(described.State, 'ENABLED');
  assert.equal(described.ScheduleExpression, 'cron(0 18 ? * MON-FRI *)');
  const listed = await events.send(new ListRulesCommand({ NamePrefix: rule }));
  assert.deepEqual(listed.Rules.map((r) => r.Name), [rule]);

  const targets = await events.send(new PutTargetsCommand({ Rule: rule, Targets: [
    { Id: 'fn', Arn: created.FunctionArn, Input: JSON.stringify({ constant: true }) },
    { Id: 'queue', Arn: 'arn:aws:sqs:us-east-1:000000000000:q' },
  ] }));
  assert.equal(targets.FailedEntryCount, 1);
  assert.equal(targets.FailedEntries[0].TargetId, 'queue');
  const byRule = await events.send(new ListTargetsByRuleCommand({ Rule: rule }));
  assert.deepEqual(byRule.Targets.map((t) => [t.Id, t.Input]), [['fn', '{"constant":true}']]);

  await assert.rejects(events.send(new DeleteRuleCommand({ Name: rule })),
    (err) => err.name === 'ValidationException');
  await assert.rejects(events.send(new PutRuleCommand({ Name: uniq('bad'),
    ScheduleExpression: 'rate(1 minutes)' })), (err) => err.name === 'ValidationException');
  await assert.rejects(events.send(new DescribeRuleCommand({ Name: uniq('none') })),
    (err) => err.name === 'ResourceNotFoundException');
  await events.send(new RemoveTargetsCommand({ Rule: rule, Ids: ['fn'] }));
  await events.send(new DeleteRuleCommand({ Name: rule }));
  await client.send(new DeleteFunctionCommand({ FunctionName: fn }));
  events.destroy();
});
