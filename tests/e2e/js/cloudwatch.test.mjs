// End-to-end test of serval's CloudWatch metrics with @aws-sdk/client-cloudwatch (JS SDK v3,
// awsJson 1.0): a function's invocations and errors read back with GetMetricStatistics and
// GetMetricData, custom metrics through PutMetricData, ListMetrics, and the errors as the SDK's
// exception classes. Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  LambdaClient, CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import {
  CloudWatchClient, GetMetricStatisticsCommand, GetMetricDataCommand, ListMetricsCommand,
  PutMetricDataCommand, InvalidParameterValueException, InvalidParameterCombinationException,
} from '@aws-sdk/client-cloudwatch';
import { startServal } from './serval_process.mjs';
import { makeZip, fixture } from './zip.mjs';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let serval; let lambda; let cw;

before(async () => {
  serval = await startServal('cloudwatch');
  const config = { endpoint: serval.endpoint, region: 'us-east-1', maxAttempts: 1, credentials };
  lambda = new LambdaClient(config);
  cw = new CloudWatchClient(config);
});

after(async () => {
  lambda?.destroy();
  cw?.destroy();
  await serval?.stop();
});

const minutesFromNow = (m) => new Date(Date.now() + m * 60000);

async function createFn(name, file, handler) {
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'python3.12', Role: ROLE, Handler: handler,
    Code: { ZipFile: makeZip([{ name: file, data: fixture('python', file) }]) },
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60, minDelay: 1, maxDelay: 1 },
    { FunctionName: name });
}

test('invocations and errors of a function, by statistics and by metric data', async () => {
  const ok = `ok-${randomUUID().slice(0, 8)}`;
  const bad = `bad-${randomUUID().slice(0, 8)}`;
  await createFn(ok, 'echo.py', 'echo.lambda_handler');
  await createFn(bad, 'raiser.py', 'raiser.lambda_handler');
  for (let i = 0; i < 4; i++) await lambda.send(new InvokeCommand({ FunctionName: ok, Payload: '{}' }));
  for (let i = 0; i < 2; i++) {
    const out = await lambda.send(new InvokeCommand({ FunctionName: bad, Payload: '{}' }));
    assert.equal(out.FunctionError, 'Unhandled');
  }
  const stats = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/Lambda', MetricName: 'Invocations',
    Dimensions: [{ Name: 'FunctionName', Value: ok }],
    StartTime: minutesFromNow(-14), EndTime: minutesFromNow(1), Period: 900,
    Statistics: ['Sum', 'SampleCount'],
  }));
  assert.equal(stats.Label, 'Invocations');
  assert.equal(stats.Datapoints.length, 1);
  assert.equal(stats.Datapoints[0].Sum, 4);
  assert.equal(stats.Datapoints[0].Unit, 'Count');
  assert.ok(stats.Datapoints[0].Timestamp instanceof Date);

  const data = await cw.send(new GetMetricDataCommand({
    StartTime: minutesFromNow(-14), EndTime: minutesFromNow(1),
    MetricDataQueries: [
      { Id: 'errors', MetricStat: { Metric: { Namespace: 'AWS/Lambda', MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: bad }] }, Period: 900, Stat: 'Sum' } },
      { Id: 'p99', Label: 'p99 duration', MetricStat: { Metric: { Namespace: 'AWS/Lambda',
        MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: ok }] },
        Period: 900, Stat: 'p99' } },
    ],
  }));
  const byId = Object.fromEntries(data.MetricDataResults.map((r) => [r.Id, r]));
  assert.deepEqual(byId.errors.Values, [2]);
  assert.equal(byId.errors.StatusCode, 'Complete');
  assert.equal(byId.p99.Label, 'p99 duration');
  assert.equal(byId.p99.Values.length, 1);
  assert.ok(byId.p99.Values[0] > 0);
});

test('custom metrics: put, list, read back', async () => {
  await cw.send(new PutMetricDataCommand({
    Namespace: 'JsApp',
    MetricData: [
      { MetricName: 'Orders', Value: 3, Unit: 'Count', Dimensions: [{ Name: 'Shop', Value: 'a' }] },
      { MetricName: 'Orders', Values: [1, 2], Counts: [2, 1], Unit: 'Count',
        Dimensions: [{ Name: 'Shop', Value: 'a' }] },
    ],
  }));
  const listed = await cw.send(new ListMetricsCommand({ Namespace: 'JsApp' }));
  assert.deepEqual(listed.Metrics, [{ Namespace: 'JsApp', MetricName: 'Orders',
    Dimensions: [{ Name: 'Shop', Value: 'a' }] }]);
  const stats = await cw.send(new GetMetricStatisticsCommand({
    Namespace: 'JsApp', MetricName: 'Orders', Dimensions: [{ Name: 'Shop', Value: 'a' }],
    StartTime: minutesFromNow(-5), EndTime: minutesFromNow(5), Period: 600,
    Statistics: ['Sum', 'Maximum', 'SampleCount'],
  }));
  assert.equal(stats.Datapoints[0].Sum, 7);
  assert.equal(stats.Datapoints[0].Maximum, 3);
  assert.equal(stats.Datapoints[0].SampleCount, 4);
});

test('errors arrive as the modeled exceptions', async () => {
  await assert.rejects(cw.send(new PutMetricDataCommand({
    Namespace: 'AWS/Mine', MetricData: [{ MetricName: 'm', Value: 1 }],
  })), (e) => e instanceof InvalidParameterValueException && e.$metadata.httpStatusCode === 400);
  await assert.rejects(cw.send(new GetMetricStatisticsCommand({
    Namespace: 'AWS/Lambda', MetricName: 'Invocations', StartTime: minutesFromNow(-3000),
    EndTime: minutesFromNow(0), Period: 60, Statistics: ['Sum'],
  })), (e) => e instanceof InvalidParameterCombinationException && /1440/.test(e.message));
});
