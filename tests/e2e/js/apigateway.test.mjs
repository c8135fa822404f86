// End-to-end test of serval's API Gateway REST APIs with @aws-sdk/client-api-gateway (JS SDK v3):
// the seed's error-handling Swagger imported with ImportRestApiCommand and deployed, each of its
// cases invoked with fetch; an API built resource by resource with a Lambda proxy integration;
// paging with the SDK's paginator; API Gateway's errors as the SDK's exception classes. Starts
// the real binary with a fresh data dir, as lambda.test.mjs does. Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { startServal, repoRoot } from './serval_process.mjs';
import {
  APIGatewayClient, ImportRestApiCommand, CreateRestApiCommand, GetResourcesCommand,
  CreateResourceCommand, PutMethodCommand, PutIntegrationCommand, CreateDeploymentCommand,
  GetStageCommand, GetRestApiCommand, DeleteRestApiCommand, PutMethodResponseCommand,
  NotFoundException, ConflictException, BadRequestException, paginateGetRestApis,
} from '@aws-sdk/client-api-gateway';
import { LambdaClient, CreateFunctionCommand, AddPermissionCommand, waitUntilFunctionActiveV2 }
  from '@aws-sdk/client-lambda';

const region = 'us-east-1';
const account = '000000000000';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let serval; let endpoint; let apigw; let lambda;

// A zip holding `files` ({name: text}), made with the zip tool setup.sh installs.
function zip(files) {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'apigw-zip-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  execFileSync('zip', ['-q', 'fn.zip', ...Object.keys(files)], { cwd: dir });
  const bytes = fs.readFileSync(path.join(dir, 'fn.zip'));
  fs.rmSync(dir, { recursive: true, force: true });
  return bytes;
}

async function createFunction(name, files, handler) {
  await lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: 'nodejs20.x', Handler: handler,
    Role: `arn:aws:iam::${account}:role/r`, Code: { ZipFile: zip(files) },
  }));
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 60 }, { FunctionName: name });
  await lambda.send(new AddPermissionCommand({
    FunctionName: name, StatementId: 'apigw', Action: 'lambda:InvokeFunction',
    Principal: 'apigateway.amazonaws.com',
    SourceArn: `arn:aws:execute-api:${region}:${account}:*/*/*/*`,
  }));
  return `arn:aws:lambda:${region}:${account}:function:${name}`;
}

const invokeUrl = (api, stage, rest) => `${endpoint}/restapis/${api}/${stage}/_user_request_${rest}`;

before(async () => {
  serval = await startServal('apigwjs');
  ({ endpoint } = serval);
  apigw = new APIGatewayClient({ endpoint, region, credentials, maxAttempts: 1 });
  lambda = new LambdaClient({ endpoint, region, credentials, maxAttempts: 1 });
});

after(async () => { await serval?.stop(); });

test('the seed Swagger imports unchanged and answers every documented case', async () => {
  const arn = await createFunction(`errors-${randomUUID().slice(0, 8)}`, {
    'index.js': fs.readFileSync(path.join(repoRoot, 'blueprints/error-handling/index.js'), 'utf8'),
  }, 'index.handler');
  const swagger = fs.readFileSync(path.join(repoRoot, 'blueprints/error-handling/swagger.json'), 'utf8')
    .replace('[MY_FUNCTION_ARN]', arn);
  const api = await apigw.send(new ImportRestApiCommand({
    body: new TextEncoder().encode(swagger), failOnWarnings: true,
  }));
  assert.equal(api.name, 'Best practices for API error responses with API Gateway and Lambda');
  const resources = await apigw.send(new GetResourcesCommand({ restApiId: api.id, embed: ['methods'] }));
  const lambdaResource = resources.items.find((r) => r.path === '/lambda');
  assert.equal(lambdaResource.resourceMethods.GET.methodIntegration.type, 'AWS');
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'test' }));
  for (const [status, type] of [[400, 'BadRequest'], [403, 'Forbidden'], [404, 'NotFound'],
    [500, 'InternalServerError']]) {
    const response = await fetch(invokeUrl(api.id, 'test', `/lambda?status=${status}`));
    assert.equal(response.status, status);
    const body = await response.json();
    assert.equal(body.type, type);
    assert.match(body['request-id'], /^[0-9a-f-]{36}$/);
  }
  const ok = await fetch(invokeUrl(api.id, 'test', '/lambda?status=200'));
  assert.equal(ok.status, 200);
  assert.equal((await ok.json()).message, 'Success');
});

test('an API built resource by resource proxies to a function', async () => {
  const arn = await createFunction(`proxy-${randomUUID().slice(0, 8)}`, {
    'index.mjs': 'export const handler = async (event) => ({statusCode: 200, '
      + 'headers: {"x-path": event.path}, body: JSON.stringify(event.pathParameters)});',
  }, 'index.handler');
  const api = await apigw.send(new CreateRestApiCommand({ name: 'js-proxy' }));
  const resource = await apigw.send(new CreateResourceCommand({
    restApiId: api.id, parentId: api.rootResourceId, pathPart: '{proxy+}',
  }));
  await apigw.send(new PutMethodCommand({
    restApiId: api.id, resourceId: resource.id, httpMethod: 'ANY', authorizationType: 'NONE',
  }));
  const integration = await apigw.send(new PutIntegrationCommand({
    restApiId: api.id, resourceId: resource.id, httpMethod: 'ANY', type: 'AWS_PROXY',
    integrationHttpMethod: 'POST',
    uri: `arn:aws:apigateway:${region}:lambda:path/2015-03-31/functions/${arn}/invocations`,
  }));
  assert.equal(integration.timeoutInMillis, 29000);
  await apigw.send(new CreateDeploymentCommand({ restApiId: api.id, stageName: 'v1' }));
  const stage = await apigw.send(new GetStageCommand({ restApiId: api.id, stageName: 'v1' }));
  assert.ok(stage.deploymentId);
  const response = await fetch(invokeUrl(api.id, 'v1', '/a/b'), { method: 'DELETE' });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-path'), '/a/b');
  assert.deepEqual(await response.json(), { proxy: 'a/b' });
  await assert.rejects(apigw.send(new CreateResourceCommand({
    restApiId: api.id, parentId: api.rootResourceId, pathPart: '{proxy+}',
  })), ConflictException);
  await assert.rejects(apigw.send(new PutMethodResponseCommand({
    restApiId: api.id, resourceId: resource.id, httpMethod: 'GET', statusCode: '200',
  })), NotFoundException);
  await apigw.send(new DeleteRestApiCommand({ restApiId: api.id }));
  await assert.rejects(apigw.send(new GetRestApiCommand({ restApiId: api.id })), NotFoundException);
});

test('paging and bad input', async () => {
  const made = [];
  for (let i = 0; i < 4; i += 1) {
    made.push((await apigw.send(new CreateRestApiCommand({ name: `page-${i}` }))).id);
  }
  const seen = [];
  for await (const page of paginateGetRestApis({ client: apigw, pageSize: 2 }, {})) {
    seen.push(...page.items.map((item) => item.id));
  }
  for (const id of made) assert.ok(seen.includes(id));
  assert.equal(new Set(seen).size, seen.length);
  await assert.rejects(apigw.send(new ImportRestApiCommand({
    body: new TextEncoder().encode('{"swagger": "2.0"'),
  })), BadRequestException);
  await assert.rejects(apigw.send(new PutIntegrationCommand({
    restApiId: made[0], resourceId: 'nope', httpMethod: 'GET', type: 'MOCK',
  })), NotFoundException);
});
