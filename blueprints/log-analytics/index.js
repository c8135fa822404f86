// The log forwarder of the seed's "Sumo Logic App for AWS Lambda Released" post: a function
// subscribed to CloudWatch Logs groups that sends what it receives to a Sumo Logic HTTP source,
// which then feeds the app's dashboards. The post links the function (Sumo Logic's
// cloudwatchlogs_lambda.js) without printing it; this is that function restored from what the
// post and the function's README say it does, in its shape: Node's https and zlib only, the
// collector URL in SUMO_ENDPOINT, `awslogs.data` base64-decoded and gunzipped, control messages
// acknowledged and skipped, every log event given the RequestId of the invocation it belongs to
// (and its logStream and logGroup, which the app reads), JSON messages sent as JSON, and one
// HTTPS POST of JSON lines per batch with the X-Sumo-Name/Host/Category headers.
//
// Differences, and why: the URL's port is used (a local collector does not listen on 443); the
// event's id is kept (deliveries are at least once, and the id is what lets a collector count a
// redelivered line once); a malformed event fails the invocation with a message saying what is
// wrong instead of throwing from a callback; COLLECTOR_CA, when set, is a PEM certificate trusted
// besides Node's roots (the local collector's self-signed one).
const https = require("https");
const tls = require("tls");
const zlib = require("zlib");

const SumoURL = process.env.SUMO_ENDPOINT;
const collectorCa = process.env.COLLECTOR_CA;
const sourceCategory = process.env.SOURCE_CATEGORY_OVERRIDE || "";

// "START RequestId: <id> Version: ...", "END RequestId: <id>", "REPORT RequestId: <id>\t...".
const platformLineRegex = /^(?:START|END|REPORT) RequestId: ([0-9a-f-]+)/;
// What Node's console.log writes in Lambda: "<ISO time>\t<request id>\t<LEVEL>\t<message>".
const consoleLineRegex =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\t([0-9a-f-]{36})\t(?:[A-Z]+\t)?([\s\S]*)$/;

class InvalidAwslogsEvent extends Error {
  constructor(message) {
    super(message);
    this.name = "InvalidAwslogsEvent";
  }
}

// The subscription payload of `event`: {messageType, owner, logGroup, logStream,
// subscriptionFilters, logEvents}, or an InvalidAwslogsEvent saying what is wrong.
function decodeAwslogs(event, done) {
  const data = event && event.awslogs && event.awslogs.data;
  if (typeof data !== "string" || data === "") {
    return done(
      new InvalidAwslogsEvent("not a CloudWatch Logs subscription event: no awslogs.data string"),
    );
  }
  zlib.gunzip(Buffer.from(data, "base64"), (e, buffer) => {
    if (e) return done(new InvalidAwslogsEvent(`awslogs.data is not base64 gzip: ${e.message}`));
    let awslogsData;
    try {
      awslogsData = JSON.parse(buffer.toString("utf8"));
    } catch (parseError) {
      return done(new InvalidAwslogsEvent(`awslogs.data is not JSON: ${parseError.message}`));
    }
    if (awslogsData === null || typeof awslogsData !== "object") {
      return done(new InvalidAwslogsEvent("awslogs.data is not a JSON object"));
    }
    if (awslogsData.messageType !== "CONTROL_MESSAGE" && !Array.isArray(awslogsData.logEvents)) {
      return done(new InvalidAwslogsEvent("awslogs.data has no logEvents list"));
    }
    done(null, awslogsData);
  });
}

// The log events as the app reads them: message without its trailing newline (parsed when it is
// JSON), the RequestId of the invocation it belongs to, its stream and group.
function toSumoMessages(awslogsData) {
  let lastRequestID = null;
  return awslogsData.logEvents.map((log) => {
    let message = String(log.message).replace(/\n$/, "");
    const platform = platformLineRegex.exec(message);
    if (platform) lastRequestID = platform[1];
    const consoleLine = consoleLineRegex.exec(message);
    if (consoleLine) {
      lastRequestID = consoleLine[1];
      message = consoleLine[2].trim();
    }
    try {
      message = JSON.parse(message);
    } catch (err) {
      // Not JSON: sent as text.
    }
    const sumoMessage = {
      id: log.id,
      timestamp: log.timestamp,
      message: message,
      logStream: awslogsData.logStream,
      logGroup: awslogsData.logGroup,
    };
    if (lastRequestID) sumoMessage.requestID = lastRequestID;
    return sumoMessage;
  });
}

// One POST of the batch, as JSON lines; calls done(error) once.
function postToSumo(awslogsData, messages, done) {
  const url = new URL(SumoURL);
  const body = messages.map((m) => JSON.stringify(m)).join("\n") + "\n";
  const options = {
    hostname: url.hostname,
    port: url.port || 443,
    path: url.pathname + url.search,
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(body),
      "X-Sumo-Name": awslogsData.logStream,
      "X-Sumo-Host": awslogsData.logGroup,
      "X-Sumo-Category": sourceCategory,
    },
    timeout: 10000,
  };
  if (collectorCa) options.ca = [...tls.rootCertificates, collectorCa];
  const req = https.request(options, (res) => {
    res.resume();
    res.on("end", () => {
      done(res.statusCode === 200 ? null : new Error(`HTTP Return code ${res.statusCode}`));
    });
  });
  req.on("timeout", () => req.destroy(new Error("no answer from the collector in 10 s")));
  req.on("error", (e) => done(e));
  req.end(body);
}

exports.handler = function (event, context) {
  let endpoint = null;
  try {
    endpoint = new URL(SumoURL);
  } catch (e) {
    // Reported below.
  }
  if (!endpoint || endpoint.protocol !== "https:") {
    return context.fail(new Error(`Invalid SUMO_ENDPOINT environment variable: ${SumoURL}`));
  }
  decodeAwslogs(event, (error, awslogsData) => {
    if (error) return context.fail(error);
    if (awslogsData.messageType === "CONTROL_MESSAGE") {
      console.log("Control message");
      return context.succeed("Success");
    }
    console.log(`total events: ${awslogsData.logEvents.length}`);
    const messages = toSumoMessages(awslogsData);
    postToSumo(awslogsData, messages, (postError) => {
      if (postError) return context.fail(postError);
      const summary = `messagesSent: ${messages.length} from ${awslogsData.logGroup}`;
      console.log(summary);
      context.succeed(summary);
    });
  });
};
