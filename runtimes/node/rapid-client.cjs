'use strict';
// A pure-JavaScript stand-in for aws-lambda-ric's native addon (rapid-client.node).
//
// aws-lambda-ric 3.x routes next/response/error through a C++ addon that its install scripts
// build from bundled curl and aws-lambda-cpp sources (minutes of compiling per machine). The
// package is installed with `npm ci --ignore-scripts`, so that addon does not exist; bootstrap.mjs
// maps the ric's `require('./rapid-client.node')` to this file instead. Everything else (handler
// loading, context, callback/async semantics, error formatting, console patching) is the ric's.
//
// Interface (same as the addon): next() -> Promise<{bodyJson, headers}> with lower-case header
// names and a numeric deadline; done(id, body) and error(id, body, xrayCause) return at once.
//
// All requests share one keep-alive connection (an Agent with maxSockets 1 queues them in
// order), so a response POST always reaches the Runtime API before the following GET /next. The
// addon's done/error block until the POST is answered; here they are asynchronous, so
// process.exit() is held back while a POST is in flight (the ric exits right after posting the
// error of an uncaught exception, and that error must not be lost).

const http = require('node:http');

const API_PREFIX = '/2018-06-01/runtime';
const MAX_XRAY_HEADER = 1024 * 1024;

function parseHostPort(address) {
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { hostname: address, port: 80 };
  return {
    hostname: address.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: parseInt(address.slice(colon + 1), 10),
  };
}

const { hostname, port } = parseHostPort(process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001');
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function request(method, path, body, headers, retried = false) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname, port, path: API_PREFIX + path, method, agent, headers },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.setNoDelay(true);
    req.on('error', (err) => {
      // The server may close a keep-alive connection just as a request goes out on it (Node
      // does not flag requests that were queued for the socket as reusedSocket, so any reset
      // counts). Retry once on a fresh socket; a POST seen twice is rejected by the server.
      if (!retried && err.code === 'ECONNRESET') {
        resolve(request(method, path, body, headers, true));
      } else {
        reject(err);
      }
    });
    req.end(body);
  });
}

// POSTs not yet answered, and process.exit() calls waiting for them.
let inFlight = 0;
let heldExit = null;
const realExit = process.exit.bind(process);

process.exit = function exit(code) {
  if (inFlight === 0) return realExit(code);
  if (code !== undefined) process.exitCode = code;
  if (heldExit === null) {
    heldExit = code;
    // Never wait long: the platform is gone if it cannot answer a POST within seconds.
    setTimeout(() => realExit(heldExit), 2000).unref();
  }
  return undefined;
};

function post(path, body, headers) {
  const payload = Buffer.from(body, 'utf8');
  inFlight++;
  request('POST', path, payload, {
    'Content-Type': 'application/json',
    'Content-Length': payload.length,
    ...headers,
  })
    .then(
      (res) => {
        if (res.status !== 202) {
          process.stderr.write(
            `Request to Lambda Runtime '${path}' endpoint failed. Reason: '${res.status}'. ` +
              `Response body: '${res.body.toString('utf8', 0, 1024)}'\n`,
          );
        }
      },
      (err) => {
        process.stderr.write(`Request to Lambda Runtime '${path}' failed: ${err.message}\n`);
      },
    )
    .finally(() => {
      inFlight--;
      if (inFlight === 0 && heldExit !== null) realExit(heldExit);
    });
}

module.exports = {
  async next() {
    const res = await request('GET', '/invocation/next', undefined, {});
    if (res.status !== 200) {
      throw new Error(`Failed to get next invocation, status ${res.status}`);
    }
    const headers = res.headers;
    headers['lambda-runtime-deadline-ms'] = Number(headers['lambda-runtime-deadline-ms']);
    return { bodyJson: res.body.toString('utf8'), headers };
  },

  done(id, body) {
    post(`/invocation/${id}/response`, body, {});
    return null;
  },

  error(id, body, xrayCause) {
    const headers = {};
    if (xrayCause && Buffer.byteLength(xrayCause) < MAX_XRAY_HEADER && !/[\r\n]/.test(xrayCause)) {
      headers['Lambda-Runtime-Function-XRay-Error-Cause'] = xrayCause;
    }
    post(`/invocation/${id}/error`, body, headers);
    return null;
  },
};
