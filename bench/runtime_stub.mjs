#!/usr/bin/env node
// bench/runtime_stub.mjs: a runtime's bootstrap alone against a stub Runtime API (no Serval), for
// profiling a runtime's own cost per invoke (issue 17, part 2).
//
//   node bench/runtime_stub.mjs [--runtime node|python] [--runtimes-dir DIR] [-n 20000]
//        [--window 2000] [-- extra interpreter flags, e.g. --cpu-prof --cpu-prof-dir=/tmp/prof]
//
// Starts a stub Runtime API on a free loopback port that serves the same event as bench/run.sh
// N times (GET /next answers at once; every POST gets 202), starts the bootstrap of
// bench/functions/echo.{mjs,py} against it, and prints per window of invokes the wall time and
// the bootstrap process's CPU (utime + stime, all threads; and of the main thread alone), in
// microseconds per invoke. The first window shows a fresh process warming up (V8 compiling the
// hot path), the last ones the steady state. The stub answers in order and pipelined requests
// work (rapid-client.cjs sends a response POST and the next GET in one write). With --cpu-prof the
// bootstrap writes its profile when it exits after the last window (the stub closes; the ric
// reports the failed GET and exits).

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const split = args.indexOf('--');
const flags = split < 0 ? [] : args.slice(split + 1);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  return at >= 0 && (split < 0 || at < split) ? args[at + 1] : fallback;
};
const runtime = option('--runtime', 'node');
const runtimesDir = path.resolve(option('--runtimes-dir', path.join(benchDir, '..', 'runtimes')));
const total = Number(option('-n', '20000'));
const window = Number(option('--window', '2000'));
const body = '{"hello":"world","n":42,"list":[1,2,3]}';

let child = null;
// utime + stime in microseconds, of the whole process or of its main thread.
function cpuMicros(thread) {
  const file = thread ? `/proc/${child.pid}/task/${child.pid}/stat` : `/proc/${child.pid}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // USER_HZ is 100 on Linux
}

let served = 0;
let answered = 0;
let mark = null;
const rows = [];
function takeMark() {
  return { wall: process.hrtime.bigint(), cpu: cpuMicros(false), main: cpuMicros(true) };
}

function answer(socket, head) {
  if (head.startsWith('GET')) {
    if (served === total) return; // leave the last GET hanging; the stub closes after the POST
    if (served === 0) mark = takeMark();
    const id = `stub-${served++}`;
    socket.write(
      'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n' +
        `Lambda-Runtime-Aws-Request-Id: ${id}\r\n` +
        `Lambda-Runtime-Deadline-Ms: ${Date.now() + 30000}\r\n` +
        'Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:000000000000:function:stub\r\n' +
        'Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=0\r\n' +
        `Content-Length: ${body.length}\r\n\r\n${body}`,
    );
    return;
  }
  socket.write('HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"status":"OK"}\n');
  if (++answered % window === 0) {
    const now = takeMark();
    rows.push({
      invokes: answered,
      wall: Number(now.wall - mark.wall) / 1000 / window,
      cpu: (now.cpu - mark.cpu) / window,
      main: (now.main - mark.main) / window,
    });
    mark = now;
  }
  if (answered === total) finish();
}

function finish() {
  console.log(`${runtime} (${runtimesDir}), ${total} invokes, us per invoke per window of ${window}:`);
  console.log('invokes  wall  cpu(all threads)  cpu(main thread)');
  for (const row of rows) {
    console.log(`${String(row.invokes).padStart(7)} ${row.wall.toFixed(0).padStart(5)} ` +
      `${row.cpu.toFixed(0).padStart(17)} ${row.main.toFixed(0).padStart(17)}`);
  }
  // A profiling bootstrap must exit by itself (once its GET fails) to write its profile.
  if (flags.length === 0) child.kill('SIGKILL');
  else setTimeout(() => child.kill(), 5000).unref();
  server.close();
  for (const socket of sockets) socket.destroy();
}

const sockets = new Set();
const server = net.createServer((socket) => {
  sockets.add(socket);
  socket.setNoDelay(true);
  let pending = '';
  socket.on('data', (data) => {
    pending += data.toString('latin1');
    for (;;) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = pending.slice(0, end);
      const length = Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      pending = pending.slice(end + 4 + length);
      answer(socket, head);
    }
  });
  socket.on('error', () => {});
});

server.listen(0, '127.0.0.1', () => {
  const node = runtime === 'node';
  const argv = node
    ? [...flags, path.join(runtimesDir, 'node', 'bootstrap.mjs')]
    : [...flags, '-u', path.join(runtimesDir, 'python', 'bootstrap.py')];
  child = spawn(node ? process.execPath : 'python3', argv, {
    cwd: path.join(benchDir, 'functions'),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      AWS_LAMBDA_RUNTIME_API: `127.0.0.1:${server.address().port}`,
      LAMBDA_TASK_ROOT: path.join(benchDir, 'functions'),
      _HANDLER: node ? 'echo.handler' : 'echo.lambda_handler',
      AWS_LAMBDA_FUNCTION_NAME: 'stub',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '512',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/stub',
      AWS_LAMBDA_LOG_STREAM_NAME: 'stub',
      AWS_EXECUTION_ENV: node ? 'AWS_Lambda_nodejs20.x' : 'AWS_Lambda_python3.12',
      NODE_PATH: path.join(runtimesDir, 'node', 'node_modules'),
    },
  });
  child.on('exit', (code, signal) => {
    if (answered < total) {
      console.error(`the bootstrap exited (${code ?? signal}) after ${answered} invokes`);
      process.exit(1);
    }
  });
});
