-- scrapeguard: count one request in the shared state of each of its actors, in one call.
--
-- This is ActorState.observe (state/actor.py) for the counts named in SHARED_FIELDS, run inside
-- Redis so that every process and node adds to the same counts atomically. The conformance
-- tests (tests/state) hold the two to the same results on the same traffic.
--
-- KEYS: four per actor: its record, its exact subject set, its HyperLogLog, its account set.
-- ARGV: now, weight, people, exact cap per actor, exact cap of the directory, n, then n
--       (subject, people) pairs, then per actor: ttl (seconds), flags, account to note,
--       member to note.
-- Flags: S static, C cookieless, L lookup, M lookup miss, U sign-up, I login, V profile view,
--        G a campaign (up to MAX_ACCOUNTS members: its addresses that load page assets),
--        X only count distinct people (the whole directory's count).
-- An actor's record is its SHARED_FIELDS and three of this script's own, packed as
-- little-endian doubles (a window that has not started has its start at 0). Returns each
-- actor's record, in the order of KEYS.

local HOUR, DAY, WINDOW_FROM = 3600, 86400, 3
local MAX_ACCOUNTS, SHARED_MEMBERS = 256, 3
-- Positions in the record: SHARED_FIELDS of state/actor.py, then SUBJECTS, SKETCH, REFRESHED.
local FIRST, LAST, REQUESTS, PAGES, STATICS, COOKIELESS, PERSONAL, PEOPLE = 1, 2, 3, 4, 5, 6, 7, 8
local VIEWS, REPEATS, DISTINCT, SEEN, FRESH, PEOPLE_HOUR, PEOPLE_DAY = 9, 10, 11, 12, 13, 14, 15
local HOUR0, DAY0, LOOKUPS, MISSES, SIGNUPS0, LOGINS0 = 16, 19, 22, 23, 24, 27
local ACCOUNTS, MEMBERS, SUBJECTS, SKETCH, REFRESHED, SIZE = 30, 31, 32, 33, 34, 34
local FORMAT = '<' .. string.rep('d', SIZE)
local LISTED = '\0'  -- marks the key of a subject only listed (actor.py's LISTED)

-- window_add of state/actor.py on the record's v[w] (start), v[w + 1] (current), v[w + 2].
local function window_add(v, w, now, size, amount)
  local start, cur, prev = v[w], v[w + 1], v[w + 2]
  if now >= start + size then
    if now < start + 2 * size then prev = cur else prev = 0 end
    if start ~= 0 then start = now - math.fmod(now - start, size) else start = now end
    cur = 0
  end
  cur = cur + amount
  v[w], v[w + 1], v[w + 2] = start, cur, prev
  local overlap = 1 - (now - start) / size
  if overlap < 0 then overlap = 0 elseif overlap > 1 then overlap = 1 end
  return prev * overlap + cur
end

-- Sketch.add while the set is exact: true for a subject not seen before. Past `cap` subjects
-- the set becomes a HyperLogLog.
local function add_subject(set_key, hll_key, v, subject, cap)
  if redis.call('SADD', set_key, subject) == 0 then return false end
  v[SUBJECTS] = v[SUBJECTS] + 1
  if v[SUBJECTS] > cap then
    local members = redis.call('SMEMBERS', set_key)
    for i = 1, #members, 1000 do
      redis.call('PFADD', hll_key, unpack(members, i, math.min(i + 999, #members)))
    end
    redis.call('DEL', set_key)
    v[SKETCH] = 1
  end
  return true
end

-- People new to a HyperLogLog among subjects[from..n]: how much its estimate grew (it never
-- counts a subject twice), each weighed by the subjects' mean number of people.
local function add_estimated(hll_key, subjects, sizes, from, n)
  local before = redis.call('PFCOUNT', hll_key)
  redis.call('PFADD', hll_key, unpack(subjects, from, n))
  local added = math.min(redis.call('PFCOUNT', hll_key) - before, n - from + 1)
  local people = 0
  for i = from, n do people = people + sizes[i] end
  return math.floor(added * people / (n - from + 1) + 0.5)
end

local now, weight, people = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local actor_cap, directory_cap, n = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local subjects, listed_keys, sizes = {}, {}, {}
for i = 1, n do
  subjects[i] = ARGV[5 + 2 * i]
  listed_keys[i] = LISTED .. subjects[i]
  sizes[i] = tonumber(ARGV[6 + 2 * i])
end
local full = weight >= 1
local out = {}
local arg = 7 + 2 * n
for a = 1, #KEYS / 4 do
  local key, set_key, hll_key, aux_key = KEYS[4 * a - 3], KEYS[4 * a - 2], KEYS[4 * a - 1], KEYS[4 * a]
  local ttl, flags, account, member = tonumber(ARGV[arg]), ARGV[arg + 1], ARGV[arg + 2], ARGV[arg + 3]
  arg = arg + 4
  local blob = redis.call('GET', key)
  local v
  if blob then
    v = {struct.unpack(FORMAT, blob)}
  else
    v = {}
    for i = 1, SIZE do v[i] = 0 end
  end

  -- People new among the subjects (the directory's count), each weighing its sizes[i].
  local function disclose(cap)
    local new, i = 0, 1
    while i <= n and v[SKETCH] == 0 do
      if add_subject(set_key, hll_key, v, subjects[i], cap) then new = new + sizes[i] end
      i = i + 1
    end
    if i <= n then new = new + add_estimated(hll_key, subjects, sizes, i, n) end
    return new
  end

  -- As ActorState._disclose: (people newly counted, people new to the actor). A subject
  -- shown in full is kept as itself and counts one even when listed before; a subject only
  -- listed is kept under LISTED and counts once, unless it was shown in full before.
  local function disclose_people(cap)
    local counted, new, i = 0, 0, 1
    while i <= n and v[SKETCH] == 0 do
      local subject = subjects[i]
      if full then
        if add_subject(set_key, hll_key, v, subject, cap) then
          counted = counted + sizes[i]
          if v[SKETCH] == 1 or redis.call('SISMEMBER', set_key, listed_keys[i]) == 0 then
            new = new + sizes[i]
          end
        end
      elseif redis.call('SISMEMBER', set_key, subject) == 0
          and add_subject(set_key, hll_key, v, listed_keys[i], cap) then
        counted = counted + sizes[i]
        new = new + sizes[i]
      end
      i = i + 1
    end
    if i <= n then
      local keys = listed_keys
      if full then keys = subjects end
      local estimated = add_estimated(hll_key, keys, sizes, i, n)
      counted, new = counted + estimated, new + estimated
    end
    return counted, new
  end

  if flags == 'X' then
    v[DISTINCT] = v[DISTINCT] + disclose(directory_cap)
  else
    v[REQUESTS] = v[REQUESTS] + 1
    if v[FIRST] == 0 then v[FIRST], v[LAST] = now, now end
    if now > v[LAST] then v[LAST] = now elseif now < v[FIRST] then v[FIRST] = now end
    v[FRESH] = 0
    if account ~= '' and v[ACCOUNTS] < MAX_ACCOUNTS
        and redis.call('SADD', aux_key, 'a:' .. account) == 1 then
      v[ACCOUNTS] = v[ACCOUNTS] + 1
    end
    local member_cap = SHARED_MEMBERS
    if string.find(flags, 'G', 1, true) then member_cap = MAX_ACCOUNTS end
    if member ~= '' and v[MEMBERS] < member_cap
        and redis.call('SADD', aux_key, 'm:' .. member) == 1 then
      v[MEMBERS] = v[MEMBERS] + 1
    end
    if string.find(flags, 'S', 1, true) then
      v[STATICS] = v[STATICS] + 1
    else
      v[PAGES] = v[PAGES] + 1
      if flags ~= '' then
        if string.find(flags, 'C', 1, true) then v[COOKIELESS] = v[COOKIELESS] + 1 end
        if string.find(flags, 'L', 1, true) then
          v[LOOKUPS] = v[LOOKUPS] + 1
          if string.find(flags, 'M', 1, true) then v[MISSES] = v[MISSES] + 1 end
        end
        if string.find(flags, 'U', 1, true) then window_add(v, SIGNUPS0, now, DAY, 1) end
        if string.find(flags, 'I', 1, true) then window_add(v, LOGINS0, now, DAY, 1) end
      end
      if n > 0 then
        v[PERSONAL] = v[PERSONAL] + 1
        v[PEOPLE] = v[PEOPLE] + people
        local fresh, new = disclose_people(actor_cap)
        v[FRESH] = fresh
        if string.find(flags, 'V', 1, true) then
          v[VIEWS] = v[VIEWS] + 1
          if fresh == 0 then v[REPEATS] = v[REPEATS] + 1 end  -- opened before, not just listed
        end
        v[DISTINCT] = v[DISTINCT] + new
        if fresh > 0 then
          local counted = fresh * weight
          v[SEEN] = v[SEEN] + counted
          if v[HOUR0] == 0 or v[DAY0] == 0 then
            if v[DISTINCT] < WINDOW_FROM then
              v[PEOPLE_HOUR], v[PEOPLE_DAY] = v[SEEN], v[SEEN]
            else
              v[HOUR0], v[HOUR0 + 1], v[HOUR0 + 2] = now, v[SEEN] - counted, 0
              v[DAY0], v[DAY0 + 1], v[DAY0 + 2] = now, v[SEEN] - counted, 0
            end
          end
          if v[HOUR0] ~= 0 then
            v[PEOPLE_HOUR] = window_add(v, HOUR0, now, HOUR, counted)
            v[PEOPLE_DAY] = window_add(v, DAY0, now, DAY, counted)
          end
        end
      end
    end
  end

  -- Expiry runs on the server's clock (it is retention, not detection); refreshed when the
  -- event clock has moved an eighth of it since the last refresh.
  local refresh = now - v[REFRESHED] > ttl / 8 or now < v[REFRESHED]
  if refresh then v[REFRESHED] = now end
  blob = struct.pack(FORMAT, unpack(v, 1, SIZE))
  out[#out + 1] = blob
  if refresh then
    redis.call('SET', key, blob, 'EX', ttl)
    for _, k in ipairs({set_key, hll_key, aux_key}) do redis.call('EXPIRE', k, ttl) end
  else
    redis.call('SET', key, blob, 'KEEPTTL')
  end
end
return out
