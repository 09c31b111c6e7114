-- Approves a pending broad grant and makes it the session's active one, ending the grant it replaces.
-- KEYS[1]  grant key
-- KEYS[2]  session key
-- KEYS[3]  previously active grant key (KEYS[1] again when there is none)
-- ARGV[1]  expected version of the grant (its status must be 'pending')
-- ARGV[2]  grant id
-- ARGV[3]  approved grant JSON
-- ARGV[4]  activeBroadId as TypeScript read it ('' = none)
-- ARGV[5]  previous active grant's expected version ('' = leave it alone); it must still be approved
-- ARGV[6]  previous active grant's new JSON (ended: replaced, or ran out)
-- ARGV[7]  retention in ms
-- ARGV[8]  session TTL in ms
-- ARGV[9]  events channel
-- ARGV[10] decisions channel (the approval is published there as "<id> <approved grant JSON>")
-- ARGV[11..] session field/value pairs, set only where missing (recreates an evicted session whole)
-- Returns {'ok'} | {'conflict', currentJson} | {'missing'} | {'retry'} (session or previous grant moved on)
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local g = cjson.decode(raw)
if g.status ~= 'pending' or #g.history ~= tonumber(ARGV[1]) then return {'conflict', raw} end
local active = redis.call('HGET', KEYS[2], 'activeBroadId') or ''
if active ~= ARGV[4] then return {'retry'} end
if ARGV[5] ~= '' then
  local prevRaw = redis.call('GET', KEYS[3])
  if prevRaw then
    local prev = cjson.decode(prevRaw)
    if prev.status ~= 'approved' or #prev.history ~= tonumber(ARGV[5]) then return {'retry'} end
    redis.call('SET', KEYS[3], ARGV[6], 'PX', ARGV[7])
    redis.call('PUBLISH', ARGV[9], ARGV[4] .. ' ended')
  end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[7])
for i = 11, #ARGV, 2 do
  redis.call('HSETNX', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('HSET', KEYS[2], 'activeBroadId', ARGV[2])
if redis.call('HGET', KEYS[2], 'pendingBroadId') == ARGV[2] then
  redis.call('HSET', KEYS[2], 'pendingBroadId', '')
end
redis.call('PEXPIRE', KEYS[2], ARGV[8])
redis.call('PUBLISH', ARGV[10], ARGV[2] .. ' ' .. ARGV[3])
redis.call('PUBLISH', ARGV[9], ARGV[2] .. ' approved')
return {'ok'}
