-- Reserves one pending request for a requester if they have fewer than the cap (the policy's maxPending).
-- KEYS[1]  the requester's pending set (sorted set: grant id or reservation token → when it stops counting)
-- ARGV[1]  now (ms)
-- ARGV[2]  the cap
-- ARGV[3]  reservation token (replaced by the grant id once the grant exists)
-- ARGV[4]  until when the reservation counts if it is never replaced (ms)
-- ARGV[5…] members known to be no longer pending (decided, expired, superseded)
-- Returns {'ok'} | {'full', count}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
for i = 5, #ARGV do redis.call('ZREM', KEYS[1], ARGV[i]) end
local count = redis.call('ZCARD', KEYS[1])
if count >= tonumber(ARGV[2]) then return {'full', tostring(count)} end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
redis.call('PEXPIRE', KEYS[1], 86400000)
return {'ok'}
