"""Serval's Python runtime: runs a Lambda handler against the Lambda Runtime API (2018-06-01).

Serval starts it as `python3 -u bootstrap.py` with the standard Lambda environment variables
(AWS_LAMBDA_RUNTIME_API, _HANDLER, LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_*, ...). It uses only the
standard library. What a function sees mirrors AWS's own Python runtime (awslambdaric):

* handler `module.function`, where module may be a dotted or slash-separated path under
  LAMBDA_TASK_ROOT (`pkg/mod.fn` and `pkg.mod.fn` both work);
* the root logger gets one handler formatting `[LEVEL]\\t<UTC ts>Z\\t<request id>\\t<message>`; its
  level is left at Python's default (WARNING) unless AWS_LAMBDA_LOG_LEVEL is set, exactly as on AWS,
  so `logging.info` needs `logger.setLevel(logging.INFO)` there and here;
* init failures post /runtime/init/error (Runtime.ImportModuleError, Runtime.HandlerNotFound,
  Runtime.UserCodeSyntaxError, ...) and exit(1); invoke failures post .../error with
  {errorMessage, errorType, requestId, stackTrace} and log "[ERROR] Type: message" plus the trace;
* results are JSON-encoded (None -> null); bytes are sent as they are; anything that cannot be
  encoded fails with Runtime.MarshalError;
* boto3/botocore clients reach Serval (AWS_ENDPOINT_URL) whatever botocore version the function
  imports, as they reach AWS there without configuration.

One keep-alive HTTP/1.1 connection to the Runtime API is reused for every request.
"""

import importlib
import importlib.machinery
import io
import json
import logging
import math
import os
import socket
import sys
import time
import traceback

_API_PREFIX = "/2018-06-01/runtime"
_ERROR_LOG_INDENT = "\u00a0"  # AWS replaces leading spaces of trace lines with NO-BREAK SPACE.
_LAMBDA_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. "
    "However, in rare cases, a Lambda runtime update can cause unexpected function behavior. "
    "For functions using managed runtimes, runtime updates can be triggered by a function change, "
    "or can be applied automatically. To determine if the runtime has been updated, check the "
    "runtime version in the INIT_START log entry. If this error correlates with a change in the "
    "runtime version, you may be able to mitigate this error by temporarily rolling back to the "
    "previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)


class FaultException(Exception):
    """A failure the runtime itself classifies (as opposed to an exception from user code)."""

    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        super().__init__(msg)
        self.msg = msg
        self.exception_type = exception_type
        self.trace = trace


# ---------------------------------------------------------------------------------------------
# Runtime API client


class RuntimeApiError(Exception):
    pass


class RuntimeClient:
    """Talks to the Runtime API over one persistent HTTP/1.1 connection with TCP_NODELAY.

    A minimal client on a raw socket rather than http.client: importing http.client (email, ssl)
    alone costs ~18 ms of cold start, and the Runtime API needs only Content-Length bodies (chunked
    and read-to-close responses are handled too, for robustness). Not thread-safe: the runtime loop
    is single-threaded."""

    def __init__(self, address):
        host, _, port = address.rpartition(":")
        if not host:
            host, port = address, "80"
        self._host = host.strip("[]")
        self._port = int(port)
        self._host_header = address
        self._sock = None
        self._reader = None

    def _connect(self):
        self._sock = socket.create_connection((self._host, self._port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._reader = self._sock.makefile("rb")

    def _close(self):
        if self._sock is not None:
            try:
                self._reader.close()
                self._sock.close()
            except OSError:
                pass
        self._sock = None
        self._reader = None

    def _read_response(self):
        reader = self._reader
        status_line = reader.readline(65537)
        if not status_line:
            raise ConnectionResetError("Runtime API closed the connection")
        parts = status_line.split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/"):
            raise RuntimeApiError("malformed status line from Runtime API: %r" % status_line[:100])
        status = int(parts[1])
        headers = {}
        while True:
            line = reader.readline(65537)
            if line in (b"\r\n", b"\n", b""):
                break
            name, sep, value = line.partition(b":")
            if sep:
                headers[name.strip().decode("latin-1").lower()] = value.strip().decode("utf-8")
        length = headers.get("content-length")
        if length is not None:
            body = reader.read(int(length))
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            chunks = []
            while True:
                size = int(reader.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while reader.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    break
                chunks.append(reader.read(size))
                reader.readline(65537)
            body = b"".join(chunks)
        else:
            body = reader.read()
            headers["connection"] = "close"
        if headers.get("connection", "").lower() == "close":
            self._close()
        return status, headers, body

    def _request(self, method, path, body=b"", headers=None):
        head = "%s %s HTTP/1.1\r\nHost: %s\r\n" % (method, path, self._host_header)
        if method == "POST":
            head += "Content-Length: %d\r\n" % len(body)
        if headers:
            for name, value in headers.items():
                head += "%s: %s\r\n" % (name, value)
        request = (head + "\r\n").encode("utf-8") + body
        for attempt in (0, 1):
            try:
                if self._sock is None:
                    self._connect()
                self._sock.sendall(request)
                return self._read_response()
            except (ConnectionError, RuntimeApiError):
                # Typically the server closed an idle keep-alive connection; retry once.
                self._close()
                if attempt:
                    raise

    def next(self):
        status, headers, body = self._request("GET", _API_PREFIX + "/invocation/next")
        if status != 200:
            raise RuntimeApiError(
                "Request to Lambda Runtime 'next' endpoint failed. Reason: '%s'. Response body: '%s'"
                % (status, body[:1024].decode("utf-8", "replace"))
            )
        return headers, body

    def post(self, path, body, headers=None):
        status, _, data = self._request("POST", _API_PREFIX + path, body, headers)
        if status != 202:
            # Not fatal for an invoke (e.g. 413 for a response over the limit): the platform has
            # already recorded the failure. Say so in the function's log and carry on.
            sys.stderr.write(
                "Request to Lambda Runtime '%s' endpoint failed. Reason: '%s'. Response body: '%s'\n"
                % (path, status, data[:1024].decode("utf-8", "replace"))
            )
            return False
        return True


# ---------------------------------------------------------------------------------------------
# JSON marshalling (AWS uses simplejson; the standard library gets as close as it can)


def _json_default(obj):
    # decimal is not imported up front (2 ms); a Decimal can only exist if someone imported it.
    decimal = sys.modules.get("decimal")
    if decimal is not None and isinstance(obj, decimal.Decimal):
        if obj.is_nan():
            return math.nan
        if obj == obj.to_integral_value():
            return int(obj)
        return float(obj)
    raise TypeError("Object of type %s is not JSON serializable" % type(obj).__name__)


_encoder = None  # set by _read_environment()


def to_json(obj):
    return _encoder.encode(obj)


def marshal_response(response):
    if isinstance(response, bytes):
        return response, "application/unknown"
    try:
        return to_json(response).encode("utf-8"), "application/json"
    except Exception as e:
        raise FaultException(
            FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)), None
        )


def unmarshal_request(body, content_type):
    # AWS passes non-JSON content types through as bytes. A missing Content-Type is treated as
    # JSON (the platform always sends application/json).
    if content_type and content_type != "application/json":
        return body
    try:
        return json.loads(body)
    except Exception as e:
        raise FaultException(
            FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)), None
        )


# ---------------------------------------------------------------------------------------------
# Context object (attribute names and semantics of awslambdaric's LambdaContext)


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __repr__(self):
        return "CognitoIdentity([cognito_identity_id=%s,cognito_identity_pool_id=%s])" % (
            self.cognito_identity_id,
            self.cognito_identity_pool_id,
        )


class Client:
    __slots__ = [
        "installation_id",
        "app_title",
        "app_version_name",
        "app_version_code",
        "app_package_name",
    ]

    def __repr__(self):
        return "Client([%s])" % ",".join("%s=%s" % (k, getattr(self, k)) for k in self.__slots__)


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __repr__(self):
        return "ClientContext([custom=%s,env=%s,client=%s])" % (self.custom, self.env, self.client)


def _make_obj_from_dict(cls, values):
    if values is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, values.get(field) if isinstance(values, dict) else None)
    return obj


def _int_env(name, default=0):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class LambdaContext:
    """The `context` argument of a handler. Created per invocation."""

    # Identical for every invocation of this process (set by _read_environment()).
    _function_name = None
    _function_version = None
    _memory_limit_in_mb = 128
    _log_group_name = None
    _log_stream_name = None

    def __init__(
        self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn
    ):
        self.aws_request_id = invoke_id
        self.log_group_name = self._log_group_name
        self.log_stream_name = self._log_stream_name
        self.function_name = self._function_name
        self.memory_limit_in_mb = self._memory_limit_in_mb
        self.function_version = self._function_version
        self.invoked_function_arn = invoked_function_arn
        self.client_context = _make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = _make_obj_from_dict(Client, self.client_context.client)
        self.identity = _make_obj_from_dict(CognitoIdentity, {})
        if isinstance(cognito_identity, dict):
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        _write_log(str(msg))

    def __repr__(self):
        return (
            "LambdaContext([aws_request_id=%s,log_group_name=%s,log_stream_name=%s,"
            "function_name=%s,memory_limit_in_mb=%s,function_version=%s,"
            "invoked_function_arn=%s,client_context=%s,identity=%s])"
            % (
                self.aws_request_id,
                self.log_group_name,
                self.log_stream_name,
                self.function_name,
                self.memory_limit_in_mb,
                self.function_version,
                self.invoked_function_arn,
                self.client_context,
                self.identity,
            )
        )


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(
            FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR,
            "Unable to parse {} JSON: {}".format(name, str(e)),
            None,
        )


# ---------------------------------------------------------------------------------------------
# Logging


class _Unbuffered:
    """Flushes after every write, as AWS's runtime wraps stdout/stderr, so nothing printed before
    the response is posted can still sit in a buffer when Serval drains the pipe."""

    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        n = self.stream.write(msg)
        self.stream.flush()
        return n

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


def _is_unbuffered(stream):
    return isinstance(getattr(stream, "buffer", None), io.FileIO) and getattr(
        stream, "write_through", False
    )


def _write_log(msg):
    if not msg.endswith("\n"):
        msg += "\n"  # keep one record per line in the pipe (AWS frames records instead)
    sys.stdout.write(msg)


_request_id = ""


class _LambdaLoggerHandler(logging.Handler):
    def emit(self, record):
        try:
            _write_log(self.format(record))
        except Exception:
            self.handleError(record)


class _LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


class _JsonFormatter(logging.Formatter):
    """AWS_LAMBDA_LOG_FORMAT=JSON: one JSON object per record, as awslambdaric writes it."""

    _reserved = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
        "message",
        "asctime",
        "aws_request_id",
        "tenant_id",
        "_frame_type",
    }

    def formatTime(self, record, datefmt=None):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + (
            ".%03dZ" % record.msecs
        )

    def format(self, record):
        levelno = min(50, max(0, record.levelno)) // 10 * 10
        exc = record.exc_info
        result = {
            "timestamp": self.formatTime(record),
            "level": logging.getLevelName(levelno),
            "message": record.getMessage(),
            "logger": record.name,
            "stackTrace": traceback.format_tb(exc[2]) if exc else None,
            "errorType": exc[0].__name__ if exc else None,
            "errorMessage": str(exc[1]) if exc else None,
            "requestId": getattr(record, "aws_request_id", None),
            "location": "%s:%s:%s" % (record.pathname, record.funcName, record.lineno)
            if exc
            else None,
        }
        for key, value in record.__dict__.items():
            if key not in self._reserved and key not in result:
                result[key] = value
        result = {k: v for k, v in result.items() if v is not None}
        return json.dumps(result, ensure_ascii=False, default=str) + "\n"


def _log_format_json():
    return (os.environ.get("AWS_LAMBDA_LOG_FORMAT") or "").upper() == "JSON"


def _setup_logging():
    logging.Formatter.converter = time.gmtime
    logger = logging.getLogger()
    handler = _LambdaLoggerHandler()
    if _log_format_json():
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter(
                "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n",
                "%Y-%m-%dT%H:%M:%S",
            )
        )
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    level = {None: "", "TRACE": "DEBUG"}.get(level, level).upper()
    if level in logging._nameToLevel:
        logger.setLevel(level)
    handler.addFilter(_LambdaLoggerFilter())
    logger.addHandler(handler)


def _replace_indentation(line):
    stripped = line.lstrip(" ")
    return _ERROR_LOG_INDENT * (len(line) - len(stripped)) + stripped


def log_error(error_result):
    if _log_format_json():
        record = {
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
            "level": "ERROR",
            **error_result,
        }
        _write_log(to_json(record))
        return
    description = "[ERROR]"
    error_type = error_result.get("errorType")
    if error_type:
        description += " " + error_type
    message = error_result.get("errorMessage")
    if message:
        if error_type:
            description += ":"
        description += " " + message
    lines = [description]
    stack_trace = error_result.get("stackTrace")
    if stack_trace is not None:
        lines.append("Traceback (most recent call last):")
        for element in stack_trace:
            if element == "":
                lines.append("")
            else:
                lines.extend(_replace_indentation(line) for line in element.splitlines())
    _write_log("\n".join(lines))


# ---------------------------------------------------------------------------------------------
# AWS SDK endpoint
#
# Serval gives every environment AWS_ENDPOINT_URL, its own address. botocore reads that variable
# from 1.31 on; older ones (Debian 12's python3-boto3 has botocore 1.29, and a function may vendor
# any version) would send every client the function creates to the real AWS. So whichever
# botocore gets imported, from wherever, its Session.create_client is given AWS_ENDPOINT_URL when
# the caller passes no endpoint_url, unless that botocore handles the variable itself.


class _BotocoreEndpointFinder:
    """A sys.meta_path finder that only changes how botocore.session is executed."""

    def find_spec(self, fullname, path, target=None):
        if fullname != "botocore.session":
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_default_endpoint(module):
            exec_module(module)
            _default_endpoint_url(module.Session)

        spec.loader.exec_module = exec_and_default_endpoint
        return spec


def _default_endpoint_url(session_class):
    if "ignore_configured_endpoint_urls" in getattr(session_class, "SESSION_VARIABLES", ()):
        return  # botocore >= 1.31: AWS_ENDPOINT_URL and its service-specific forms are read there
    import functools
    import inspect

    create_client = session_class.create_client
    signature = inspect.signature(create_client)

    @functools.wraps(create_client)
    def create_client_with_endpoint(*args, **kwargs):
        bound = signature.bind(*args, **kwargs)
        configured = os.environ.get("AWS_ENDPOINT_URL")
        ignored = os.environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() == "true"
        if bound.arguments.get("endpoint_url") is None and configured and not ignored:
            bound.arguments["endpoint_url"] = configured
        return create_client(*bound.args, **bound.kwargs)

    session_class.create_client = create_client_with_endpoint


# ---------------------------------------------------------------------------------------------
# Handler loading and invocation


def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """The traceback without the runtime's own leading frames, as AWS formats it."""
    frames = traceback.extract_tb(tb)
    for i, frame in enumerate(frames):
        if "/bootstrap.py" not in frame.filename:
            return traceback.format_list(frames[i:])
    return traceback.format_list(frames)


def _get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(
            FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e))
        )
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(
                FaultException.BUILT_IN_MODULE_CONFLICT,
                "Cannot use built-in module {} as a handler module".format(modname),
            )
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(
            FaultException.IMPORT_MODULE_ERROR,
            "Unable to import module '{}': {}".format(modname, str(e)),
        )
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(
            FaultException.USER_CODE_SYNTAX_ERROR,
            "Syntax error in module '{}': {}".format(modname, str(e)),
            trace,
        )
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(
            FaultException.HANDLER_NOT_FOUND,
            "Handler '{}' missing on module '{}'".format(fname, modname),
            None,
        )


def handle_event_request(client, request_handler, headers, body):
    global _request_id
    invoke_id = headers.get("lambda-runtime-aws-request-id") or ""
    _request_id = invoke_id
    trace_id = headers.get("lambda-runtime-trace-id")
    if trace_id is not None:
        os.environ["_X_AMZN_TRACE_ID"] = trace_id
    else:
        os.environ.pop("_X_AMZN_TRACE_ID", None)

    error_result = None
    try:
        try:
            deadline_ms = int(headers.get("lambda-runtime-deadline-ms") or 0)
        except ValueError:
            deadline_ms = 0
        client_context = headers.get("lambda-runtime-client-context")
        cognito_identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            deadline_ms,
            headers.get("lambda-runtime-invoked-function-arn"),
        )
        event = unmarshal_request(body, headers.get("content-type"))
        result, content_type = marshal_response(request_handler(event, context))
    except FaultException as e:
        error_result = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        etype, value, tb = sys.exc_info()
        error_result = make_error(str(value), etype.__name__, _user_frames(tb), invoke_id)

    quoted_id = invoke_id.replace("/", "%2F")
    if error_result is not None:
        log_error(error_result)
        client.post(
            "/invocation/%s/error" % quoted_id,
            to_json(error_result).encode("utf-8"),
            {"Content-Type": "application/json"},
        )
    else:
        client.post(
            "/invocation/%s/response" % quoted_id,
            result,
            {"Content-Type": content_type},
        )


def _prepare_import_path(task_root):
    # The runtime's own directory must not shadow user modules; the code dir comes first.
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if p and os.path.abspath(p) != here]
    sys.path.insert(0, task_root)
    # Always: a spare environment's working directory is the empty /var/task it started in, which
    # the function's code was mounted over since (getcwd() names it all the same).
    try:
        os.chdir(task_root)
    except OSError:
        pass


def _await_function(client):
    """A spare environment (started before its function was known, with `_SERVAL_SPARE` set)
    waits here, everything above already imported, until Serval gives it a function: the
    answer is the function's whole environment (NAME=value, each NUL-terminated), which replaces
    the spare's, and the code is at LAMBDA_TASK_ROOT by then."""
    status, _, body = client._request("GET", "/serval/assignment")
    if status != 200:
        raise RuntimeApiError("Serval did not assign a function: %s" % status)
    variables = os.fsdecode(body).split("\0")
    os.environ.clear()
    os.environ.update(variable.split("=", 1) for variable in variables if "=" in variable)
    time.tzset()


def _read_environment():
    """What the function's environment fixes for the life of the process."""
    global _encoder
    # AWS's marshaller keeps non-ASCII characters for python3.12 and later, escapes them before.
    ensure_ascii = os.environ.get("AWS_EXECUTION_ENV") not in (
        "AWS_Lambda_python3.12",
        "AWS_Lambda_python3.13",
        "AWS_Lambda_python3.14",
    )
    _encoder = json.JSONEncoder(default=_json_default, ensure_ascii=ensure_ascii)
    LambdaContext._function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    LambdaContext._function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
    LambdaContext._memory_limit_in_mb = _int_env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", 128)
    LambdaContext._log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
    LambdaContext._log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")


def main():
    # `python3 -u` (or PYTHONUNBUFFERED) already makes writes reach the pipe immediately.
    if not _is_unbuffered(sys.stdout):
        sys.stdout = _Unbuffered(sys.stdout)
    if not _is_unbuffered(sys.stderr):
        sys.stderr = _Unbuffered(sys.stderr)

    client = RuntimeClient(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))
    if os.environ.get("_SERVAL_SPARE"):
        _await_function(client)
    _read_environment()
    _setup_logging()
    _prepare_import_path(os.environ.get("LAMBDA_TASK_ROOT", "/var/task"))
    sys.meta_path.insert(0, _BotocoreEndpointFinder())

    try:
        request_handler = _get_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        if isinstance(e, FaultException):
            error_result = make_error(e.msg, e.exception_type, e.trace)
        else:
            etype, value, tb = sys.exc_info()
            error_result = make_error(str(value), etype.__name__, _user_frames(tb))
        logging.warning(_LAMBDA_WARNING)
        log_error(error_result)
        client.post(
            "/init/error",
            to_json(error_result).encode("utf-8"),
            {
                "Content-Type": "application/json",
                "Lambda-Runtime-Function-Error-Type": error_result["errorType"],
            },
        )
        sys.exit(1)

    while True:
        headers, body = client.next()
        handle_event_request(client, request_handler, headers, body)


if __name__ == "__main__":
    main()
