-- One wrk script for every `make bench` scenario (bench/run.py passes the arguments).
--
--   wrk ... -s bench/wrk/request.lua URL -- METHOD PATH DATADIR BODY TOKEN
--
-- PATH and BODY are templates. Each request replaces:
--   {id} {email} {phone} {surname} {vat}  a random line of DATADIR/<name>s.txt (written by
--                                         bench/seed.py from the seeded database)
--   {uemail}                              an email no other request of this run has sent
-- TOKEN makes {uemail} unique across the wrk runs of one benchmark.
-- Headers come from wrk's -H options. done() prints one line "BENCHJSON {...}" for run.py.

local thread_no = 0

function setup(thread)
  thread_no = thread_no + 1
  thread:set("tid", thread_no)
end

local method, path_t, body_t, token
local lists = {}
local counter = 0

local function load(datadir, name)
  local items = {}
  for line in io.lines(datadir .. "/" .. name .. "s.txt") do
    if line ~= "" then
      items[#items + 1] = line
    end
  end
  assert(#items > 0, "no data in " .. name .. "s.txt")
  return items
end

function init(args)
  method, path_t, body_t, token = args[1], args[2], args[4], args[5]
  local datadir = args[3]
  for _, name in ipairs({ "id", "email", "phone", "surname", "vat" }) do
    local tag = "{" .. name .. "}"
    if path_t:find(tag, 1, true) or body_t:find(tag, 1, true) then
      lists[name] = load(datadir, name)
    end
  end
  math.randomseed(os.time() + tid * 7919)
end

local function fill(name)
  counter = counter + 1
  if name == "uemail" then
    return string.format("w%s.%d.%d@bench.invalid", token, tid, counter)
  end
  local items = lists[name]
  if items == nil then
    return "{" .. name .. "}"
  end
  return items[math.random(#items)]
end

function request()
  local path = path_t:gsub("{(%w+)}", fill)
  local body = nil
  if body_t ~= "" then
    body = body_t:gsub("{(%w+)}", fill)
  end
  return wrk.format(method, path, nil, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests": %d, "duration_us": %d, "bytes": %d, '
      .. '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, '
      .. '"latency_us": {"min": %d, "mean": %.1f, "p50": %d, "p90": %d, "p99": %d, "max": %d}}\n',
    summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max
  ))
end
