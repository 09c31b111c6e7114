-- Stores a new pending broad grant and, in the same step, retires the session's previous pending one.
-- KEYS[1]  session key
-- KEYS[2]  new grant key
-- KEYS[3]  previous pending grant key (KEYS[2] again when there is none)
-- ARGV[1]  pendingBroadId as TypeScript read it ('' = none)
-- ARGV[2]  new grant id
-- ARGV[3]  new grant JSON
-- ARGV[4]  previous grant's expected version ('' = leave it alone); it must still be pending
-- ARGV[5]  previous grant's new JSON (superseded, or expired when its window had closed)
-- ARGV[6]  previous grant's new status
-- ARGV[7]  retention in ms
-- ARGV[8]  session TTL in ms
-- ARGV[9]  events channel
-- ARGV[10..] session field/value pairs, set only where missing (recreates an evicted session whole)
-- Returns {'ok'} | {'retry'} (the pointer or the previous grant changed since TypeScript read them)
local pending = redis.call('HGET', KEYS[1], 'pendingBroadId') or ''
if pending ~= ARGV[1] then return {'retry'} end
if redis.call('EXISTS', KEYS[2]) == 1 then return {'retry'} end
if ARGV[4] ~= '' then
  local raw = redis.call('GET', KEYS[3])
  if raw then
    local prev = cjson.decode(raw)
    if prev.status ~= 'pending' or #prev.history ~= tonumber(ARGV[4]) then return {'retry'} end
    redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[7])
    redis.call('PUBLISH', ARGV[9], ARGV[1] .. ' ' .. ARGV[6])
  end
end
for i = 10, #ARGV, 2 do
  redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[1], 'pendingBroadId', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[7])
redis.call('PUBLISH', ARGV[9], ARGV[2] .. ' pending')
return {'ok'}
