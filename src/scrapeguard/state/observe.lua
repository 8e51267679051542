-- scrapeguard: count one request in the shared state of each of its actors, in one call.
--
-- This is ActorState.observe (state/actor.py) for the counts named in SHARED_FIELDS, run inside
-- Redis so that every process and node adds to the same counts atomically. The conformance
-- tests (tests/state) hold the two to the same results on the same traffic.
--
-- KEYS: four per actor: its hash, its exact subject set, its HyperLogLog, its account set.
-- ARGV: now, weight, people, n, then n (subject, people) pairs, then per actor:
--       ttl (seconds), flags, account to note, member to note, exact cap.
-- Flags: S static, C cookieless, L lookup, M lookup miss, U sign-up, I login, V profile view,
--        X only count distinct people (the whole directory's count).
-- Returns, per actor, its SHARED_FIELDS as strings ('' for a window not started yet); for an
-- X actor only its distinct count.

local HOUR, DAY, WINDOW_FROM = 3600, 86400, 3
local SHARED = {
  'first', 'last', 'requests', 'pages', 'statics', 'cookieless', 'personal', 'people',
  'profile_views', 'profile_repeats', 'distinct', 'seen', 'fresh', 'people_hour', 'people_day',
  'hour0', 'hour1', 'hour2', 'day0', 'day1', 'day2', 'lookups', 'lookup_misses',
  'signups0', 'signups1', 'signups2', 'logins0', 'logins1', 'logins2',
  'account_count', 'member_count',
}
local MAX_ACCOUNTS, SHARED_MEMBERS = 256, 3

local function fmt(x)
  if x == nil then return '' end
  return string.format('%.17g', x)
end

local function num(v, name)
  return v[name] or 0
end

-- window_add of state/actor.py on the fields name0 (start), name1 (current), name2 (previous).
local function window_add(v, name, now, size, amount)
  local start, cur, prev = num(v, name .. '0'), num(v, name .. '1'), num(v, name .. '2')
  if now >= start + size then
    if now < start + 2 * size then prev = cur else prev = 0 end
    if start ~= 0 then start = now - math.fmod(now - start, size) else start = now end
    cur = 0
  end
  cur = cur + amount
  v[name .. '0'], v[name .. '1'], v[name .. '2'] = start, cur, prev
  local overlap = 1 - (now - start) / size
  if overlap < 0 then overlap = 0 end
  return prev * overlap + cur
end

-- Sketch.add: exact up to `cap` subjects, then a HyperLogLog (which can only undercount).
local function add_subject(set_key, hll_key, v, subject, cap)
  if v.sketch == 1 then
    return redis.call('PFADD', hll_key, subject) == 1
  end
  if redis.call('SADD', set_key, subject) == 0 then return false end
  v.subjects = num(v, 'subjects') + 1
  if v.subjects > cap then
    local members = redis.call('SMEMBERS', set_key)
    for i = 1, #members, 1000 do
      redis.call('PFADD', hll_key, unpack(members, i, math.min(i + 999, #members)))
    end
    redis.call('DEL', set_key)
    v.sketch = 1
  end
  return true
end

local now, weight, people, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local subjects, sizes = {}, {}
for i = 1, n do
  subjects[i] = ARGV[3 + 2 * i]
  sizes[i] = tonumber(ARGV[4 + 2 * i])
end
local out = {}
local arg = 5 + 2 * n
for a = 1, #KEYS / 4 do
  local key, set_key, hll_key, aux_key = KEYS[4 * a - 3], KEYS[4 * a - 2], KEYS[4 * a - 1], KEYS[4 * a]
  local ttl, flags = tonumber(ARGV[arg]), ARGV[arg + 1]
  local account, member, cap = ARGV[arg + 2], ARGV[arg + 3], tonumber(ARGV[arg + 4])
  arg = arg + 5
  local raw = redis.call('HGETALL', key)
  local v = {}
  for i = 1, #raw, 2 do v[raw[i]] = tonumber(raw[i + 1]) end

  local function note(prefix, value, field, limit)
    if value ~= '' and num(v, field) < limit and redis.call('SADD', aux_key, prefix .. value) == 1 then
      v[field] = num(v, field) + 1
    end
  end

  local function disclose()
    local new = 0
    for i = 1, n do
      if add_subject(set_key, hll_key, v, subjects[i], cap) then new = new + sizes[i] end
    end
    return new
  end

  if string.find(flags, 'X', 1, true) then
    v.distinct = num(v, 'distinct') + disclose()
    out[#out + 1] = fmt(v.distinct)
  else
    v.requests = num(v, 'requests') + 1
    if v.first == nil then v.first, v.last = now, now end
    if now > v.last then v.last = now elseif now < v.first then v.first = now end
    v.fresh = 0
    if string.find(flags, 'S', 1, true) then
      v.statics = num(v, 'statics') + 1
    else
      v.pages = num(v, 'pages') + 1
      if string.find(flags, 'C', 1, true) then v.cookieless = num(v, 'cookieless') + 1 end
      if string.find(flags, 'L', 1, true) then
        v.lookups = num(v, 'lookups') + 1
        if string.find(flags, 'M', 1, true) then v.lookup_misses = num(v, 'lookup_misses') + 1 end
      end
      if string.find(flags, 'U', 1, true) then window_add(v, 'signups', now, DAY, 1) end
      if string.find(flags, 'I', 1, true) then window_add(v, 'logins', now, DAY, 1) end
      note('a:', account, 'account_count', MAX_ACCOUNTS)
      note('m:', member, 'member_count', SHARED_MEMBERS)
      if n > 0 then
        v.personal = num(v, 'personal') + 1
        v.people = num(v, 'people') + people
        local new = disclose()
        v.fresh = new
        if string.find(flags, 'V', 1, true) then
          v.profile_views = num(v, 'profile_views') + 1
          if new == 0 then v.profile_repeats = num(v, 'profile_repeats') + 1 end
        end
        if new > 0 then
          v.distinct = num(v, 'distinct') + new
          local counted = new * weight
          v.seen = num(v, 'seen') + counted
          if v.hour0 == nil or v.day0 == nil then
            if v.distinct < WINDOW_FROM then
              v.people_hour, v.people_day = v.seen, v.seen
            else
              v.hour0, v.hour1, v.hour2 = now, v.seen - counted, 0
              v.day0, v.day1, v.day2 = now, v.seen - counted, 0
            end
          end
          if v.hour0 ~= nil then
            v.people_hour = window_add(v, 'hour', now, HOUR, counted)
            v.people_day = window_add(v, 'day', now, DAY, counted)
          end
        end
      end
    end
    for _, name in ipairs(SHARED) do out[#out + 1] = fmt(v[name]) end
  end

  local flat = {}
  for name, value in pairs(v) do
    flat[#flat + 1] = name
    flat[#flat + 1] = fmt(value)
  end
  redis.call('HSET', key, unpack(flat))
  -- Expiry runs on the server's clock (it is retention, not detection); refreshed when the
  -- event clock has moved an eighth of it since the last refresh.
  if now - num(v, 'refreshed') > ttl / 8 or now < num(v, 'refreshed') then
    redis.call('HSET', key, 'refreshed', fmt(now))
    for _, k in ipairs({key, set_key, hll_key, aux_key}) do redis.call('EXPIRE', k, ttl) end
  end
end
return out
