// Seeds a Serval started with --simulated-clock-start 30 days back (bench/dashboard.sh): FUNCTIONS
// Python functions (tagged by team), then for each of DAYS days INVOKES real invocations of each
// function (every seventh one failing), moving Serval's clock a day
// (POST /_serval/clock/advance) in between, so that the metric store holds 30 days of figures.
// Usage: node bench/dashboard_seed.mjs ENDPOINT FUNCTIONS DAYS INVOKES
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repo, 'tests/e2e/js/package.json'));
const { LambdaClient, CreateFunctionCommand, InvokeCommand, waitUntilFunctionActiveV2 } =
  require('@aws-sdk/client-lambda');
const { makeZip } = await import(path.join(repo, 'tests/e2e/js/zip.mjs'));

const [endpoint, functions, days, invokes] = [process.argv[2], ...process.argv.slice(3).map(Number)];
const lambda = new LambdaClient({ endpoint, region: 'us-east-1', maxAttempts: 1,
  credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const zip = makeZip([{ name: 'app.py', data: `
def handler(event, context):
    print('working on', event.get('n'))
    if event.get('fail'):
        raise Exception('failed on purpose')
    return {'n': event.get('n')}
` }]);
const names = Array.from({ length: functions }, (_, i) => `bench-fn-${String(i).padStart(3, '0')}`);
for (const [i, name] of names.entries()) {
  await lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: 'python3.12',
    Role: 'arn:aws:iam::000000000000:role/bench', Handler: 'app.handler', Code: { ZipFile: zip },
    MemorySize: [128, 256, 512, 1024][i % 4], Tags: { team: `team-${i % 5}` } }));
}
for (const name of names) {
  await waitUntilFunctionActiveV2({ client: lambda, maxWaitTime: 120, minDelay: 1, maxDelay: 1 },
    { FunctionName: name });
}
let n = 0;
for (let day = 0; day < days; day++) {
  // Eight functions at a time: the machine has two cores.
  for (let start = 0; start < names.length; start += 8) {
    await Promise.all(names.slice(start, start + 8).map(async (name) => {
      for (let k = 0; k < invokes; k++) {
        n++;
        await lambda.send(new InvokeCommand({ FunctionName: name,
          Payload: new TextEncoder().encode(JSON.stringify({ n, fail: n % 7 === 0 })) }));
      }
    }));
  }
  if (day + 1 < days) {
    const r = await fetch(`${endpoint}/_serval/clock/advance?seconds=86400`, { method: 'POST' });
    if (!r.ok) throw new Error(`clock advance: ${r.status}`);
  }
  process.stderr.write(`day ${day + 1}/${days}: ${n} invocations\n`);
}
lambda.destroy();
