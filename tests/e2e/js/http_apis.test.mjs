// Function URLs (@aws-sdk/client-lambda) and HTTP APIs (@aws-sdk/client-apigatewayv2) against the
// real binary. The URLs are called with node:http and a Host header under .localhost. Serving
// an HTTP API goes through the execute-api front end; without it in the binary that test skips.
// Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import {
  LambdaClient, CreateFunctionCommand, waitUntilFunctionActiveV2, AddPermissionCommand,
  CreateFunctionUrlConfigCommand, GetFunctionUrlConfigCommand, ListFunctionUrlConfigsCommand,
  UpdateFunctionUrlConfigCommand, DeleteFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import {
  ApiGatewayV2Client, CreateApiCommand, GetApiCommand, GetRoutesCommand, CreateStageCommand,
  GetStagesCommand, DeleteApiCommand, NotFoundException,
} from '@aws-sdk/client-apigatewayv2';
import { startServal } from './serval_process.mjs';
import { makeZip, fixture } from './zip.mjs';

const ROLE = 'arn:aws:iam::000000000000:role/lambda-role';
let serval; let lambda; let apigw; let port;

before(async () => {
  serval = await startServal('httpapis');
  port = new URL(serval.endpoint).port;
  const config = {
    endpoint: serval.endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  lambda = new LambdaClient(config);
  apigw = new ApiGatewayV2Client(config);
});

after(async () => { await serval?.stop(); });

// GET `path` on serval's port with `Host: host:port`: {status, headers, body}.
function get(host, path) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, headers: { Host: `${host}:${port}` } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers,
          body: Buffer.concat(chunks).toString() }));
      });
    req.on('error', reject);
    req.end();
  });
}

async function proxyFunction() {
  const name = `js-url-${randomUUID().slice(0, 8)}`;
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'python3.12', Role: ROLE,
    Handler: 'proxy_handler.lambda_handler',
    Code: { ZipFile: makeZip([{ name: 'proxy_handler.py',
      data: fixture('python', 'proxy_handler.py') }]) },
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
  return name;
}

test('function URL: control plane and invocation', async () => {
  const name = await proxyFunction();
  const created = await lambda.send(new CreateFunctionUrlConfigCommand({
    FunctionName: name, AuthType: 'NONE', Cors: { AllowOrigins: ['*'] },
  }));
  assert.match(created.FunctionUrl, new RegExp(`^http://[a-z0-9]{32}\\.lambda-url\\.us-east-1\\.localhost:${port}/$`));
  const host = new URL(created.FunctionUrl).hostname;
  assert.equal((await get(host, '/?mode=dict')).status, 403, 'no public permission yet');
  await lambda.send(new AddPermissionCommand({
    FunctionName: name, StatementId: 'url', Action: 'lambda:InvokeFunctionUrl', Principal: '*',
    FunctionUrlAuthType: 'NONE',
  }));
  const answer = await get(host, '/path?mode=echo&a=1&a=2');
  assert.equal(answer.status, 200, answer.body);
  const event = JSON.parse(answer.body);
  assert.equal(event.version, '2.0');
  assert.equal(event.rawPath, '/path');
  assert.deepEqual(event.queryStringParameters, { mode: 'echo', a: '1,2' });
  const got = await lambda.send(new GetFunctionUrlConfigCommand({ FunctionName: name }));
  assert.equal(got.InvokeMode, 'BUFFERED');
  const updated = await lambda.send(new UpdateFunctionUrlConfigCommand({
    FunctionName: name, AuthType: 'AWS_IAM',
  }));
  assert.equal(updated.AuthType, 'AWS_IAM');
  assert.equal((await get(host, '/?mode=dict')).status, 403, 'unsigned call to an AWS_IAM URL');
  const listed = await lambda.send(new ListFunctionUrlConfigsCommand({ FunctionName: name }));
  assert.equal(listed.FunctionUrlConfigs.length, 1);
  await lambda.send(new DeleteFunctionUrlConfigCommand({ FunctionName: name }));
  assert.deepEqual(await get(host, '/').then((r) => [r.status, r.body]), [403, '{"Message":null}']);
});

let quickApi; // the API the control-plane test quick-creates and the serving test calls

test('HTTP API: quick create, stages, errors', async () => {
  const name = await proxyFunction();
  quickApi = await apigw.send(new CreateApiCommand({
    Name: 'js', ProtocolType: 'HTTP', Target: `arn:aws:lambda:us-east-1:000000000000:function:${name}`,
  }));
  assert.match(quickApi.ApiId, /^[a-z0-9]{10}$/);
  // As on AWS, quick create grants API Gateway nothing: the function's policy must allow it.
  await lambda.send(new AddPermissionCommand({
    FunctionName: name, StatementId: 'apigw', Action: 'lambda:InvokeFunction',
    Principal: 'apigateway.amazonaws.com',
    SourceArn: `arn:aws:execute-api:us-east-1:000000000000:${quickApi.ApiId}/*`,
  }));
  assert.equal((await apigw.send(new GetApiCommand({ ApiId: quickApi.ApiId }))).Name, 'js');
  const routes = await apigw.send(new GetRoutesCommand({ ApiId: quickApi.ApiId }));
  assert.deepEqual(routes.Items.map((r) => r.RouteKey), ['$default']);
  await apigw.send(new CreateStageCommand({ ApiId: quickApi.ApiId, StageName: 'prod' }));
  const stages = await apigw.send(new GetStagesCommand({ ApiId: quickApi.ApiId }));
  assert.deepEqual(stages.Items.map((s) => s.StageName).sort(), ['$default', 'prod']);
  await assert.rejects(apigw.send(new GetApiCommand({ ApiId: 'missing000' })),
    (e) => e instanceof NotFoundException && e.$metadata.httpStatusCode === 404);
});

test('HTTP API: serving through execute-api', async (t) => {
  const served = await get(`${quickApi.ApiId}.execute-api.localhost`, '/prod/x?mode=echo');
  if (served.status !== 200 && !served.body.includes('"message"')) {
    t.skip(`no execute-api front end in this binary (answered ${served.status})`);
  } else {
    assert.equal(served.status, 200, served.body);
    assert.equal(JSON.parse(served.body).requestContext.stage, 'prod');
  }
  await apigw.send(new DeleteApiCommand({ ApiId: quickApi.ApiId }));
  await assert.rejects(apigw.send(new GetApiCommand({ ApiId: quickApi.ApiId })),
    (e) => e instanceof NotFoundException);
});
