-- Compare-and-set of one grant: stores the JSON TypeScript computed if the grant is still as TypeScript read it.
-- KEYS[1]  grant key
-- KEYS[2]  the grant's session key (same hash tag)
-- ARGV[1]  expected status
-- ARGV[2]  expected version (length of the history array)
-- ARGV[3]  new grant JSON (stored as is: cjson would turn empty arrays into {})
-- ARGV[4]  retention in ms (PX of the grant key, refreshed on every transition)
-- ARGV[5]  events channel
-- ARGV[6]  grant id
-- ARGV[7]  new status (published as "<id> <status>")
-- ARGV[8]  session field to clear if it still names this grant ('' = none)
-- ARGV[9]  decisions channel: a pending grant leaving pending is published there as "<id> <new grant JSON>"
-- Returns {'ok'} | {'conflict', currentJson} | {'missing'}
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local current = cjson.decode(raw)
if current.status ~= ARGV[1] or #current.history ~= tonumber(ARGV[2]) then
  return {'conflict', raw}
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ARGV[4])
if ARGV[8] ~= '' and redis.call('HGET', KEYS[2], ARGV[8]) == ARGV[6] then
  redis.call('HSET', KEYS[2], ARGV[8], '')
end
if ARGV[1] == 'pending' and ARGV[7] ~= 'pending' then
  redis.call('PUBLISH', ARGV[9], ARGV[6] .. ' ' .. ARGV[3])
end
redis.call('PUBLISH', ARGV[5], ARGV[6] .. ' ' .. ARGV[7])
return {'ok'}
