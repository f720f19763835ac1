-- The wrk script of one scenario (filled in by bench/load.py): checks every answer.
local prefix = [==[@PREFIX@]==]
local suffix = [==[@SUFFIX@]==]
local expect = [==[@EXPECT@]==]
local forbid = [==[@FORBID@]==]
local values_path = [==[@VALUES@]==]
local mode = "@MODE@"

wrk.method = "POST"
wrk.body = prefix
wrk.headers["Content-Type"] = "application/json"
@HEADERS@

local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

local values = {}
local position = 0
bad = 0
exhausted = 0
bad_sample = ""

function init(args)
  if mode == "static" then return end
  local nthreads = tonumber(args[1]) or 1
  local all = {}
  for line in io.lines(values_path) do
    if #line > 0 then all[#all + 1] = line end
  end
  if mode == "cycle" then
    values = all
    position = tid * 97
    return
  end
  -- "consume": every value is used once; each thread owns its own slice.
  local per = math.floor(#all / nthreads)
  for i = tid * per + 1, (tid + 1) * per do values[#values + 1] = all[i] end
end

if mode ~= "static" then
  function request()
    position = position + 1
    if mode == "cycle" then
      return wrk.format(nil, nil, nil, prefix .. values[(position - 1) % #values + 1] .. suffix)
    end
    if position > #values then
      exhausted = 1
      wrk.thread:stop()
      position = #values
    end
    return wrk.format(nil, nil, nil, prefix .. values[position] .. suffix)
  end
end

function response(status, headers, body)
  local ok = status == 200 and string.find(body, expect, 1, true) ~= nil
  if ok and #forbid > 0 and string.find(body, forbid, 1, true) ~= nil then ok = false end
  if not ok then
    bad = bad + 1
    if bad_sample == "" then bad_sample = status .. " " .. string.sub(body, 1, 300) end
  end
end

function done(summary, latency, requests)
  local total_bad, total_exhausted, sample = 0, 0, ""
  for _, t in ipairs(threads) do
    total_bad = total_bad + (tonumber(t:get("bad")) or 0)
    total_exhausted = total_exhausted + (tonumber(t:get("exhausted")) or 0)
    local s = t:get("bad_sample")
    if sample == "" and s ~= nil and s ~= "" then sample = s end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH_RESULT %d %d %d %d %d %d %d %d %d %.1f %.1f %.1f %.1f %.1f\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    total_bad, total_exhausted, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
  io.write("BENCH_SAMPLE " .. (string.gsub(sample, "[\r\n]", " ")) .. "\n")
end
