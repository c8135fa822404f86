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
// The transport is a minimal HTTP/1.1 client on one persistent node:net socket (TCP_NODELAY),
// not node:http: profiled on a warm echo function, node:http's request/agent/parser machinery
// and its two writes per request were most of the runtime's CPU per invoke. Here:
//
// * Every request goes out on the one connection, in order, and responses are matched to
//   requests first in, first out (the Runtime API answers in order), so a response POST always
//   reaches the Runtime API before the following GET /next.
// * A response POST is not written at once: the ric asks for the next event right after
//   posting (in the next turn of the event loop), and the POST then goes out with that GET in one
//   write (pipelined; the server answers both in order). If no GET follows within that turn, the
//   POST is written alone. This saves a write and a round trip per invoke.
// * Responses are parsed by hand: status line, headers, a Content-Length body (what Serval
//   sends) or a chunked one.
// * The socket is unref'd while no request is outstanding, as node:http's keep-alive Agent does
//   with a free socket, so that the ric's `beforeExit` logic (callbackWaitsForEmptyEventLoop)
//   sees an empty event loop between invokes.
// * If the connection closes or is reset with requests unanswered (the server may close a
//   keep-alive connection as a request goes out on it), each is sent again once on a new
//   connection; a POST seen twice is rejected by the server.
//
// The addon's done/error block until the POST is answered; here they are asynchronous, so
// process.exit() is held back while a POST is in flight (the ric exits right after posting the
// error of an uncaught exception, and that error must not be lost).

const net = require('node:net');

const API_PREFIX = '/2018-06-01/runtime';
const MAX_XRAY_HEADER = 1024 * 1024;
const MAX_RESPONSE_HEAD = 1024 * 1024;
const READ_BUFFER = 64 * 1024;
const CRLF = Buffer.from('\r\n');
const HEAD_END = Buffer.from('\r\n\r\n');

function parseHostPort(address) {
  const colon = address.lastIndexOf(':');
  if (colon < 0) return { host: address, port: 80 };
  return {
    host: address.slice(0, colon).replace(/^\[|\]$/g, ''),
    port: parseInt(address.slice(colon + 1), 10),
  };
}

// Read when first needed: a spare environment learns its function's environment only later.
let runtimeApi = null;
let hostLine = '';
function runtimeApiAddress() {
  if (runtimeApi === null) {
    runtimeApi = process.env.AWS_LAMBDA_RUNTIME_API || '127.0.0.1:9001';
    hostLine = `Host: ${runtimeApi}\r\n`;
  }
  return parseHostPort(runtimeApi);
}

// Parses one HTTP/1.1 response head: {status, headers} with lower-case names (repeated headers
// joined with ', ', as node:http does for most).
function parseHead(text) {
  const lines = text.split('\r\n');
  const status = parseInt(lines[0].slice(9, 12), 10);
  const headers = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
  }
  return { status, headers };
}

// One connection to the Runtime API: the requests written to it and not answered yet (oldest
// first), bytes of requests not written yet, and the state of the response being read.
class Connection {
  constructor(onClose) {
    this.pending = [];
    this.outbox = '';
    this.leftover = null; // bytes received and not parsed yet (a partial head or chunk line)
    this.response = null; // the response being read: {status, headers, body: [], ...}
    this.error = null;
    this.closed = false; // closing or closed: new requests go to a new connection
    // `onread` hands each read to onData straight from the socket, without a Readable stream's
    // buffering and events (less code per invoke to run, and to warm up in a fresh process). The
    // buffer is reused for the next read: whatever must outlive onData is copied.
    const { host, port } = runtimeApiAddress();
    this.socket = net.connect({
      host,
      port,
      onread: { buffer: Buffer.allocUnsafe(READ_BUFFER), callback: (n, buf) => this.onData(buf, n) },
    });
    this.socket.setNoDelay(true);
    this.socket.on('error', (err) => {
      this.error ??= err;
      this.closed = true;
    });
    this.socket.on('close', () => onClose(this));
  }

  send(request, writeNow) {
    if (this.pending.length === 0) this.socket.ref();
    this.pending.push(request);
    this.outbox += request.text;
    if (writeNow) this.flush();
  }

  flush() {
    if (this.outbox === '') return;
    this.socket.write(this.outbox);
    this.outbox = '';
  }

  close() {
    this.closed = true;
    this.socket.destroy();
  }

  onData(buffer, length) {
    let data = buffer.subarray(0, length);
    if (this.leftover !== null) data = Buffer.concat([this.leftover, data]);
    this.leftover = null;
    while (data.length > 0) {
      const used = this.response === null ? this.readHead(data) : this.readBody(data);
      if (used < 0) {
        this.leftover = Buffer.from(data);
        return;
      }
      data = data.subarray(used);
    }
  }

  // Reads a response head from `data`; returns the bytes used, or -1 if it is not all there.
  readHead(data) {
    const end = data.indexOf(HEAD_END);
    if (end < 0) {
      if (data.length > MAX_RESPONSE_HEAD) this.fail(new Error('Runtime API response head too large'));
      return -1;
    }
    const { status, headers } = parseHead(data.latin1Slice(0, end));
    const chunked = /\bchunked\b/i.test(headers['transfer-encoding'] || '');
    const length = chunked || status < 200 || status === 204 || status === 304
      ? 0
      : parseInt(headers['content-length'] || '0', 10);
    if (status < 200) return end + 4; // 100 Continue and the like: the real response follows
    this.response = { status, headers, body: [], remaining: length, chunked, phase: 'size' };
    if (!chunked && length === 0) this.finish();
    return end + 4;
  }

  // Reads body bytes from `data`; returns the bytes used, or -1 if a chunk line is not all there.
  readBody(data) {
    const res = this.response;
    if (!res.chunked || res.phase === 'data') {
      const take = Math.min(res.remaining, data.length);
      res.body.push(Buffer.from(data.subarray(0, take)));
      res.remaining -= take;
      if (res.remaining === 0) {
        if (!res.chunked) this.finish();
        else res.phase = 'crlf';
      }
      return take;
    }
    // Chunked: "<hex size>[;ext]\r\n<data>\r\n" ... "0\r\n" [trailers] "\r\n".
    const eol = data.indexOf(CRLF);
    if (eol < 0) return -1;
    if (res.phase === 'crlf') {
      res.phase = 'size';
    } else if (res.phase === 'size') {
      res.remaining = parseInt(data.latin1Slice(0, eol), 16);
      if (Number.isNaN(res.remaining)) {
        this.fail(new Error('malformed chunked Runtime API response'));
        return data.length;
      }
      res.phase = res.remaining === 0 ? 'trailer' : 'data';
    } else if (eol === 0) {
      this.finish(); // the blank line after the last chunk and any trailers
    }
    return eol + 2;
  }

  finish() {
    const { status, headers, body } = this.response;
    this.response = null;
    const request = this.pending.shift();
    if (this.pending.length === 0) this.socket.unref();
    if (headers.connection?.toLowerCase() === 'close') this.close();
    request?.resolve({ status, headers, body: body.length === 1 ? body[0] : Buffer.concat(body) });
  }

  fail(err) {
    this.error ??= err;
    this.close();
  }
}

let connection = null;
let flushQueued = false;

// The connection closed: its unanswered requests go out once more on a new one if it was reset
// or closed (not if it could not be opened at all), or fail.
function onConnectionClose(closed) {
  if (connection === closed) connection = null;
  const err = closed.error;
  const retryable = !err || err.code === 'ECONNRESET' || err.code === 'EPIPE';
  for (const request of closed.pending) {
    if (retryable && !request.retried) {
      request.retried = true;
      enqueue(request, true);
    } else {
      request.reject(err || new Error('the Runtime API closed the connection'));
    }
  }
}

function enqueue(request, writeNow) {
  if (connection === null || connection.closed) connection = new Connection(onConnectionClose);
  connection.send(request, writeNow);
  if (!writeNow && !flushQueued) {
    flushQueued = true;
    // After the code that called us, and after the setImmediate in which the ric then asks for
    // the next event (whose GET takes this request along); at the latest, in that same turn.
    queueMicrotask(() => setImmediate(flushNow));
  }
}

function flushNow() {
  flushQueued = false;
  connection?.flush();
}

function request(method, path, body, headers, writeNow) {
  if (runtimeApi === null) runtimeApiAddress();
  let head = `${method} ${API_PREFIX}${path} HTTP/1.1\r\n${hostLine}${headers}`;
  if (body !== undefined) {
    head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n`;
  }
  const text = body === undefined ? `${head}\r\n` : `${head}\r\n${body}`;
  return new Promise((resolve, reject) => {
    enqueue({ text, resolve, reject, retried: false }, writeNow);
  });
}

// POSTs not yet answered, and process.exit() calls waiting for them.
let inFlight = 0;
let heldExit = null;
const realExit = process.exit.bind(process);

process.exit = function exit(code) {
  if (inFlight === 0) return realExit(code);
  flushNow();
  if (code !== undefined) process.exitCode = code;
  if (heldExit === null) {
    heldExit = code;
    // Never wait long: the platform is gone if it cannot answer a POST within seconds.
    setTimeout(() => realExit(heldExit), 2000).unref();
  }
  return undefined;
};

function post(path, body, headers) {
  inFlight++;
  request('POST', path, body, headers, false)
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
    const res = await request('GET', '/invocation/next', undefined, '', true);
    if (res.status !== 200) {
      throw new Error(`Failed to get next invocation, status ${res.status}`);
    }
    const headers = res.headers;
    headers['lambda-runtime-deadline-ms'] = Number(headers['lambda-runtime-deadline-ms']);
    return { bodyJson: res.body.toString('utf8'), headers };
  },

  done(id, body) {
    post(`/invocation/${id}/response`, body, '');
    return null;
  },

  error(id, body, xrayCause) {
    // Only printable ASCII goes into a header line (node:http threw on anything else, and the
    // error was lost); the cause is an optional extra.
    let headers = '';
    if (xrayCause && Buffer.byteLength(xrayCause) < MAX_XRAY_HEADER && !/[^\t\x20-\x7e]/.test(xrayCause)) {
      headers = `Lambda-Runtime-Function-XRay-Error-Cause: ${xrayCause}\r\n`;
    }
    post(`/invocation/${id}/error`, body, headers);
    return null;
  },
};
