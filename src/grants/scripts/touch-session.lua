-- Get-or-create a session hash: refreshes the identity (and the client name when given) and the TTL.
-- KEYS[1]  session key
-- ARGV[1]  session TTL in ms
-- ARGV[2]  sid
-- ARGV[3]  organization id ('' = none)
-- ARGV[4]  WorkOS user id
-- ARGV[5]  user email
-- ARGV[6]  now, epoch ms (createdAt of a new session)
-- ARGV[7]  MCP client name ('' = keep the stored one)
-- Returns {'ok', field1, value1, ...} (the whole session hash)
redis.call('HSET', KEYS[1], 'sid', ARGV[2], 'organizationId', ARGV[3], 'userId', ARGV[4], 'userEmail', ARGV[5])
redis.call('HSETNX', KEYS[1], 'createdAt', ARGV[6])
if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'clientName', ARGV[7])
else
  redis.call('HSETNX', KEYS[1], 'clientName', '')
end
redis.call('HSETNX', KEYS[1], 'pendingBroadId', '')
redis.call('HSETNX', KEYS[1], 'activeBroadId', '')
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local reply = {'ok'}
for _, v in ipairs(redis.call('HGETALL', KEYS[1])) do reply[#reply + 1] = v end
return reply
