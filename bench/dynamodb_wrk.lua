-- bench/dynamodb_wrk.lua: wrk script for bench/dynamodb.sh. Sends DynamoDB JSON 1.0 requests
-- (POST /, Content-Type application/x-amz-json-1.0, X-Amz-Target DynamoDB_20120810.<Op>), each
-- with its own SigV4 signature made here at send time (signed headers
-- content-type;host;x-amz-date;x-amz-target and the SHA-256 of the body, as botocore signs for
-- DynamoDB), through LuaJIT's FFI into the libcrypto that wrk itself links (SHA256, HMAC): no
-- request is replayed, and the server verifies each one like any SDK request.
--
--   wrk -t1 -c C -d D --timeout 60s -s bench/dynamodb_wrk.lua http://127.0.0.1:PORT/ -- \
--       op=put|get|query|load table=NAME [prefix=P] [keys=N] [count=N] [batch=25] \
--       [payload=160] [partition=1] [out=FILE] [access=test] [secret=test] [region=us-east-1]
--
--   put    PutItem of a new item per request: pk "<prefix>-<i>", sk "0", n <i>, payload of
--          `payload` bytes (~200-byte items with the default); i counts from 0 per run, so a
--          prefix that is new to the table gives distinct keys
--   get    GetItem of pk "<prefix>-<i mod keys>", sk "0" (existing keys, taken in turn); the
--          answer must carry "Item"
--   query  Query pk = "<prefix>" (one partition); the answer must say "Count": keys (100)
--   load   BatchWriteItem of `batch` (25) new items per request, pk "<prefix>-<i>", until
--          `count` requests have been answered (or wrk's -d has passed: `items` in the result
--          says how many were answered); then wrk stops itself (the few requests its
--          connections send after the last batch are ListTables, not counted). Unprocessed
--          items count as bad answers. With partition=1 all items go to one partition: pk
--          "<prefix>", sk "000000".."<n>" (what `query` reads).
--
-- wrk's own summary goes to stdout; with out=FILE the script writes one JSON line there:
-- requests (answered), duration_s, throughput_per_s, latency_us {p50, p90, p99, max, mean},
-- errors {connect, read, write, status (HTTP >= 400), timeout}, bad (200s whose body was not
-- what the operation must answer), error_samples (up to 3 bodies), and for load items (in
-- answered batches) and items_per_s.
-- One thread (-t1) only: keys are counted per thread.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct evp_md_st EVP_MD;
  const EVP_MD *EVP_sha256(void);
  unsigned char *SHA256(const unsigned char *d, size_t n, unsigned char *md);
  unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len, const unsigned char *d,
                      size_t n, unsigned char *md, unsigned int *md_len);
  int getpid(void);
  int kill(int pid, int sig);
]]
local C = ffi.C
local md = ffi.new("unsigned char[32]")
local mdlen = ffi.new("unsigned int[1]")
local sha256md = C.EVP_sha256()
local hexdigits = {}
for b = 0, 255 do hexdigits[b] = string.format("%02x", b) end

local function hex(buf)
  local t = {}
  for k = 0, 31 do t[k + 1] = hexdigits[buf[k]] end
  return table.concat(t)
end
local function sha256_hex(s)
  C.SHA256(s, #s, md)
  return hex(md)
end
local function hmac(key, s)  -- raw 32-byte string
  C.HMAC(sha256md, key, #key, s, #s, md, mdlen)
  return ffi.string(md, 32)
end
local function hmac_hex(key, s)
  C.HMAC(sha256md, key, #key, s, #s, md, mdlen)
  return hex(md)
end

local cfg = {op = "put", table = "bench", prefix = "k", keys = "1000", count = "0", batch = "25",
             payload = "160", access = "test", secret = "test", region = "us-east-1"}
local host, op, tbl, prefix, keys, count, batch, pad
local i = 0
local answered = 0
local primed = false
-- Globals, so that done() (wrk's main Lua state, where init never runs) can read them through
-- thread:get().
bench_bad, bench_samples, bench_out, bench_op, bench_batch, bench_answered = 0, "", "", "", 0, 0
local date_key_day, signing_key, stamp_sec, amz_date, scope

local function sign(target, body)
  local now = os.time()
  if now ~= stamp_sec then
    stamp_sec = now
    amz_date = os.date("!%Y%m%dT%H%M%SZ", now)
    local day = amz_date:sub(1, 8)
    if day ~= date_key_day then
      date_key_day = day
      local k = hmac("AWS4" .. cfg.secret, day)
      k = hmac(k, cfg.region)
      k = hmac(k, "dynamodb")
      signing_key = hmac(k, "aws4_request")
      scope = day .. "/" .. cfg.region .. "/dynamodb/aws4_request"
    end
  end
  local target_value = "DynamoDB_20120810." .. target
  local canonical = "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:" .. host ..
      "\nx-amz-date:" .. amz_date .. "\nx-amz-target:" .. target_value ..
      "\n\ncontent-type;host;x-amz-date;x-amz-target\n" .. sha256_hex(body)
  local to_sign = "AWS4-HMAC-SHA256\n" .. amz_date .. "\n" .. scope .. "\n" .. sha256_hex(canonical)
  local authorization = "AWS4-HMAC-SHA256 Credential=" .. cfg.access .. "/" .. scope ..
      ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" ..
      hmac_hex(signing_key, to_sign)
  return "POST / HTTP/1.1\r\nHost: " .. host ..
      "\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Date: " .. amz_date ..
      "\r\nX-Amz-Target: " .. target_value .. "\r\nAuthorization: " .. authorization ..
      "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

local partition = false
local function item(n)
  local key
  if partition then
    key = '{"pk":{"S":"' .. prefix .. '"},"sk":{"S":"' .. string.format("%06d", n) .. '"}'
  else
    key = '{"pk":{"S":"' .. prefix .. "-" .. n .. '"},"sk":{"S":"0"}'
  end
  return key .. ',"n":{"N":"' .. n .. '"},"payload":{"S":"' .. pad .. '"}}'
end

function init(args)
  for _, a in ipairs(args) do
    local k, v = a:match("^([%w_]+)=(.*)$")
    if not k then error("bad argument " .. a) end
    cfg[k] = v
  end
  host = wrk.host .. ":" .. wrk.port
  op, tbl, prefix = cfg.op, cfg.table, cfg.prefix
  keys, count, batch = tonumber(cfg.keys), tonumber(cfg.count), tonumber(cfg.batch)
  pad = string.rep("x", tonumber(cfg.payload))
  partition = cfg.partition == "1"
  bench_out, bench_op, bench_batch = cfg.out or "", op, batch
end

function request()
  local n = i
  -- wrk 4.1 calls request() once before it connects, to see whether it pipelines, and sends
  -- nothing of that: the first call does not count.
  if primed then i = i + 1 else primed = true end
  if op == "put" then
    return sign("PutItem", '{"TableName":"' .. tbl .. '","Item":' .. item(n) .. "}")
  elseif op == "get" then
    return sign("GetItem", '{"TableName":"' .. tbl .. '","Key":{"pk":{"S":"' .. prefix .. "-" ..
        (n % keys) .. '"},"sk":{"S":"0"}}}')
  elseif op == "query" then
    return sign("Query", '{"TableName":"' .. tbl .. '","KeyConditionExpression":"pk = :p",' ..
        '"ExpressionAttributeValues":{":p":{"S":"' .. prefix .. '"}}}')
  elseif op == "load" then
    if n >= count then return sign("ListTables", "{}") end
    local items = {}
    for k = 0, batch - 1 do items[k + 1] = '{"PutRequest":{"Item":' .. item(n * batch + k) .. "}}" end
    return sign("BatchWriteItem", '{"RequestItems":{"' .. tbl .. '":[' ..
        table.concat(items, ",") .. "]}}")
  end
  error("unknown op " .. op)
end

local samples = 0
local function json_string(s)
  return '"' .. s:gsub('[%c"\\]', function(ch)
    return string.format("\\u%04x", ch:byte())
  end) .. '"'
end
local function sample(status, body)
  if samples < 3 then
    samples = samples + 1
    bench_samples = bench_samples .. (samples > 1 and "," or "") ..
        json_string(status .. " " .. body:sub(1, 300))
  end
end
local function note_bad(status, body)
  bench_bad = bench_bad + 1
  sample(status, body)
end

function response(status, headers, body)
  if status ~= 200 then  -- wrk counts >= 400 as errors.status; anything else is bad here
    if status < 400 then note_bad(status, body) else sample(status, body) end
    return
  end
  if op == "get" then
    if not body:find('"Item"', 1, true) then note_bad(status, body) end
  elseif op == "query" then
    if not body:find('"Count":%s*' .. keys .. "[,}]") then note_bad(status, body) end
  elseif op == "load" then
    if body:find('"TableNames"', 1, true) then return end  -- a ListTables after the last batch
    if not body:find('"UnprocessedItems":%s*{%s*}') then note_bad(status, body) end
    answered = answered + 1
    bench_answered = answered
    if answered == count then
      wrk.thread:stop()
      C.kill(C.getpid(), 2)  -- ends wrk's main sleep: its duration stops here
    end
  end
end

-- The main Lua state: collects the threads' counters.
local threads = {}
function setup(thread) threads[#threads + 1] = thread end

function done(summary, latency, requests)
  local t = threads[1]
  local out, op = t:get("bench_out"), t:get("bench_op")
  local items = t:get("bench_answered") * t:get("bench_batch")
  if out == "" then return end
  local total_bad, sample_list = t:get("bench_bad"), t:get("bench_samples")
  local duration = summary.duration / 1e6
  local e = summary.errors
  local ok = summary.requests - e.status - total_bad
  local line = string.format(
      '{"op":"%s","requests":%d,"ok":%d,"duration_s":%.6f,"throughput_per_s":%.1f,' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},"bad":%d,' ..
      '"error_samples":[%s]',
      op, summary.requests, ok, duration, ok / duration, latency:percentile(50),
      latency:percentile(90), latency:percentile(99), latency.max, latency.mean, e.connect, e.read,
      e.write, e.status, e.timeout, total_bad, sample_list)
  if op == "load" then
    line = line .. string.format(',"items":%d,"items_per_s":%.1f', items, items / duration)
  end
  local f = assert(io.open(out, "a"))
  f:write(line .. "}\n")
  f:close()
end
