"""Operators already on a call (or being rung for one) are not rung for another: a lease in Redis.

A call claims the operators it is about to ring with SET NX and a time to live, and releases
them when the Dial is over; a crashed server's leases expire on their own. If Redis cannot be
reached the call rings anyway: putting a caller through matters more than a double ring.

A Dial that rings several operators together ends for the others as soon as one answers, but
returns only when the conversation does. So each call also keeps the operators it holds (id ->
dial string, same time to live) and, told who answered (`release_others`), frees the others at
once: a colleague who was rung but did not answer can take the next caller.
"""
import logging

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# KEYS[1]: the lease, KEYS[2]: the call's operators. ARGV[1]: call ref, ARGV[2]: operator id.
# Deletes the lease only if this call still holds it (a late release must not free someone else's).
_RELEASE = """
redis.call('hdel', KEYS[2], ARGV[2])
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""

# KEYS[1]: the call's operators. ARGV[1]: call ref, ARGV[2]: the operator who answered, ARGV[3]: lease
# key prefix. Frees the others, in one step, and only while the call still holds the one who answered
# (so a second, later answer frees nobody). The lease keys are built here: one Redis, not a cluster.
_RELEASE_OTHERS = """
if redis.call('hexists', KEYS[1], ARGV[2]) == 0 then return {} end
local released = {}
for _, id in ipairs(redis.call('hkeys', KEYS[1])) do
  if id ~= ARGV[2] then
    local lease = ARGV[3] .. id
    if redis.call('get', lease) == ARGV[1] then redis.call('del', lease) end
    redis.call('hdel', KEYS[1], id)
    released[#released + 1] = id
  end
end
return released
"""


class OperatorLeases:
    def __init__(self, redis, prefix, ttl_s=4 * 3600):
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = int(ttl_s)
        self._release = redis.register_script(_RELEASE)
        self._release_others = redis.register_script(_RELEASE_OTHERS)

    def _key(self, operator_id):
        return f"{self.prefix}:operator-busy:{operator_id}"

    def _call_key(self, call_ref):
        return f"{self.prefix}:call-operators:{call_ref}"

    def claim(self, call_ref, operators):
        """The operator ids this call may ring now (those no other call holds), of `operators`
        ({operator id: dial string})."""
        claimed = []
        try:
            for operator_id in operators:
                if self.redis.set(self._key(operator_id), call_ref, nx=True, ex=self.ttl_s):
                    claimed.append(operator_id)
                elif self.redis.get(self._key(operator_id)) == call_ref.encode():
                    claimed.append(operator_id)  # this call already holds it (a retried step)
            if claimed:
                with self.redis.pipeline() as pipe:
                    pipe.hset(self._call_key(call_ref), mapping={o: operators[o] for o in claimed})
                    pipe.expire(self._call_key(call_ref), self.ttl_s)
                    pipe.execute()
        except RedisError as exc:
            log.warning("operator leases unavailable (%s): ringing without them", exc.__class__.__name__)
            return list(operators)
        return claimed

    def release(self, call_ref, operator_ids):
        try:
            for operator_id in operator_ids:
                self._release(keys=[self._key(operator_id), self._call_key(call_ref)],
                              args=[call_ref, operator_id])
        except RedisError as exc:
            log.warning("operator leases not released (%s); they expire in %d s",
                        exc.__class__.__name__, self.ttl_s)

    def held(self, call_ref):
        """{operator id: dial string} of the operators this call holds ({} if Redis cannot say)."""
        try:
            return {int(o): d.decode() for o, d in self.redis.hgetall(self._call_key(call_ref)).items()}
        except RedisError as exc:
            log.warning("operator leases unavailable (%s)", exc.__class__.__name__)
            return {}

    def release_others(self, call_ref, answered_id):
        """`answered_id` answered this call's Dial: free the other operators it holds; the one who
        answered keeps theirs until the Dial is over. The ids freed (none if another answered first)."""
        try:
            released = self._release_others(keys=[self._call_key(call_ref)],
                                            args=[call_ref, answered_id, self._key("")])
        except RedisError as exc:
            log.warning("operator leases not released (%s); they expire in %d s",
                        exc.__class__.__name__, self.ttl_s)
            return []
        return sorted(int(o) for o in released)

    def busy(self, operator_id):
        """Whether some call holds this operator right now."""
        return bool(self.redis.exists(self._key(operator_id)))
