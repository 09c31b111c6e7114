-- Single use of an approved per-request grant, only by its owner and only before it expires.
-- KEYS[1]  grant key
-- ARGV[1]  owner sid
-- ARGV[2]  owner organization id ('' = none)
-- ARGV[3]  owner WorkOS user id
-- ARGV[4]  expected version (length of the history array)
-- ARGV[5]  consumed grant JSON
-- ARGV[6]  now, epoch ms
-- ARGV[7]  retention in ms
-- ARGV[8]  events channel
-- ARGV[9]  grant id
-- Returns {'ok'} | {'missing'} | {'forbidden'} | {'conflict', currentJson}
local raw = redis.call('GET', KEYS[1])
if not raw then return {'missing'} end
local g = cjson.decode(raw)
local owner = g.owner or {}
local org = owner.organizationId
if org == nil or org == cjson.null then org = '' end
if owner.sid ~= ARGV[1] or org ~= ARGV[2] or owner.userId ~= ARGV[3] then
  return {'forbidden'}
end
if g.kind ~= 'request' or g.status ~= 'approved' or #g.history ~= tonumber(ARGV[4]) then
  return {'conflict', raw}
end
if g.expiresAt == nil or g.expiresAt == cjson.null or tonumber(g.expiresAt) <= tonumber(ARGV[6]) then
  return {'conflict', raw}
end
redis.call('SET', KEYS[1], ARGV[5], 'PX', ARGV[7])
redis.call('PUBLISH', ARGV[8], ARGV[9] .. ' consumed')
return {'ok'}
