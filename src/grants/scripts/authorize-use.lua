-- One call under the session's approved broad grant, in one round trip: find the grant, check owner, expiry,
-- provider and level, and count the use. Every key carries the session's hash tag (one slot): the grant and
-- its counter are named from the session's key base and the id the session points at, which must carry the
-- same tag.
-- KEYS[1]  session hash
-- ARGV[1]  caller's WorkOS user id (the session id alone is not the owner)
-- ARGV[2]  key base of the session's family, e.g. 'cs:{s:<16 hex>}:' (grant and counter keys append to it)
-- ARGV[3]  provider id of the call
-- ARGV[4]  level the call needs: 'read' | 'write'
-- ARGV[5]  now, epoch ms
-- ARGV[6]  retention in ms (the counter lives as long as the grant)
-- Returns {'ok', grantJson, uses}      authorized; uses counts this call
--       | {'none'}                     no approved broad grant of this user in this session
--       | {'stale'}                    the grant's time ran out but it is still stored approved: the caller
--                                      settles the clock (persisting 'ended') and asks again
--       | {'refused', code, grantJson} provider_not_granted | write_not_granted (nothing counted)
local id = redis.call('HGET', KEYS[1], 'activeBroadId')
if not id or id == '' then return {'none'} end
-- The id names its hash tag: only a grant of this very session (g_<16 hex>_<base32>) is read.
local tag = string.match(id, '^g_(%x+)_[a-z2-7]+$')
if not tag or not string.find(ARGV[2], '{s:' .. tag .. '}', 1, true) then return {'none'} end
local raw = redis.call('GET', ARGV[2] .. 'grant:' .. id)
if not raw then return {'none'} end
local g = cjson.decode(raw)
if g.kind ~= 'broad' or g.status ~= 'approved' or type(g.owner) ~= 'table' or g.owner.userId ~= ARGV[1] then
  return {'none'}
end
if type(g.expiresAt) == 'number' and tonumber(ARGV[5]) >= g.expiresAt then return {'stale'} end
local granted = false
for _, provider in ipairs(g.providers or {}) do
  if provider == ARGV[3] then granted = true end
end
if not granted then return {'refused', 'provider_not_granted', raw} end
if ARGV[4] == 'write' and g.level ~= 'write' then return {'refused', 'write_not_granted', raw} end
local usesKey = ARGV[2] .. 'uses:' .. id
local uses = redis.call('INCR', usesKey)
redis.call('PEXPIRE', usesKey, ARGV[6])
return {'ok', raw, tostring(uses)}
