-- An independent HJ 212 data-logger client for testing the ecoplan gateway, written for ecoplan
-- in Lua 5.4 from the HJ 212-2017 text (appendix A CRC, table 2 framing, §6.5 flows); it shares
-- no code with ecoplan. Needs Debian lua5.4 + lua-socket. Loopback only.
--
-- usage: lua5.4 hj212_client.lua PORT MN COUNT
-- Prints one line per event: READY, REPLY <qn> ok, BADREPLY <why>, UNANSWERED <qn> <attempts>,
-- REQUEST <cn> <qn>, DONE.
local socket = require("socket")

local port, mn, count = tonumber(arg[1]), arg[2], tonumber(arg[3])
local HOST = "127.0.0.1"  -- never anything else
local OVERTIME, RECOUNT = 1.0, 2

local function crc16(s)  -- HJ 212-2017 appendix A
  local reg = 0xFFFF
  for i = 1, #s do
    reg = (reg >> 8) ~ s:byte(i)
    for _ = 1, 8 do
      local lsb = reg & 1
      reg = reg >> 1
      if lsb == 1 then reg = reg ~ 0xA001 end
    end
  end
  return reg
end

local function frame(seg)
  return string.format("##%04d%s%04X\r\n", #seg, seg, crc16(seg))
end

local function unframe(line)  -- line without CR LF
  if line:sub(1, 2) ~= "##" then return nil, "no header" end
  local n = tonumber(line:sub(3, 6))
  if not n then return nil, "bad length" end
  local seg, c = line:sub(7, 6 + n), line:sub(7 + n, 10 + n)
  if #seg ~= n then return nil, "short segment" end
  if tonumber(c, 16) ~= crc16(seg) then return nil, "bad crc " .. c end
  if c ~= c:upper() then return nil, "lower-case crc" end
  return seg
end

local function field(seg, name)
  return seg:match("^" .. name .. "=([^;]*)") or seg:match(";" .. name .. "=([^;]*)")
end

local conn = assert(socket.connect(HOST, port))
conn:settimeout(OVERTIME)
local pending_lines = {}

local function read_line()
  local line, err = conn:receive("*l")
  return line, err
end

local function handle_request(seg)  -- a platform request: 9011 QnRtn=1, then 9012 ExeRtn=1
  local qn, cn = field(seg, "QN"), field(seg, "CN")
  print("REQUEST " .. cn .. " " .. qn)
  io.stdout:flush()
  local head = "QN=" .. qn .. ";ST=91;CN=%s;PW=123456;MN=" .. mn .. ";Flag=4;CP=&&%s&&"
  conn:send(frame(string.format(head, "9011", "QnRtn=1")))
  conn:send(frame(string.format(head, "9012", "ExeRtn=1")))
end

local function upload(qn, pw, cp)
  local seg = "QN=" .. qn .. ";ST=22;CN=2061;PW=" .. pw .. ";MN=" .. mn .. ";Flag=5;CP=&&" .. cp .. "&&"
  local raw = frame(seg)
  for attempt = 1, RECOUNT + 1 do
    conn:send(raw)  -- a retransmission is the same packet, same QN
    local deadline = socket.gettime() + OVERTIME
    while socket.gettime() < deadline do
      local line = read_line()
      if line then
        local rseg, why = unframe(line)
        if not rseg then
          print("BADREPLY " .. why)
        elseif field(rseg, "CN") == "9014" then
          local ok = field(rseg, "QN") == qn and field(rseg, "ST") == "91"
            and field(rseg, "PW") == pw and field(rseg, "MN") == mn
            and field(rseg, "Flag") == "4" and rseg:sub(-7) == "CP=&&&&"
          print((ok and "REPLY " or "BADREPLY ") .. qn .. (ok and " ok" or " " .. rseg))
          io.stdout:flush()
          return true
        else
          handle_request(rseg)
        end
      end
    end
  end
  print("UNANSWERED " .. qn .. " " .. (RECOUNT + 1))
  io.stdout:flush()
  return false
end

print("READY")
io.stdout:flush()
local base = os.time({year = 2019, month = 1, day = 1, hour = 0})
for i = 1, count do
  local qn = os.date("!%Y%m%d%H%M%S", os.time() + 8 * 3600) .. string.format("%03d", i % 1000)
  local t = os.date("%Y%m%d%H%M%S", base + 3600 * (i - 1))
  upload(qn, "123456", "DataTime=" .. t .. ";a34004-Avg=" .. (20 + i) .. ",a34004-Flag=N;a21005-Avg=0.8,a21005-Flag=N")
end
upload(os.date("!%Y%m%d%H%M%S", os.time() + 8 * 3600) .. "999", "000000", "DataTime=20190102000000;a34004-Avg=1,a34004-Flag=N")
-- stay online for platform requests until the gateway closes the connection (bounded)
local stop = socket.gettime() + 10
while socket.gettime() < stop do
  local line, err = read_line()
  if line then
    local seg = unframe(line)
    if seg then handle_request(seg) end
  elseif err == "closed" then
    break
  end
end
print("DONE")
