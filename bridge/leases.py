"""Operators already on a call (or being rung for one) are not rung for another: a lease in Redis.

A call claims the operators it is about to ring with SET NX and a time to live, and releases
them when the Dial is over; a crashed server's leases expire on their own. If Redis cannot be
reached the call rings anyway: putting a caller through matters more than a double ring.
"""
import logging

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# Delete the lease only if this call still holds it (a late release must not free someone else's).
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class OperatorLeases:
    def __init__(self, redis, prefix, ttl_s=4 * 3600):
        self.redis = redis
        self.prefix = prefix
        self.ttl_s = int(ttl_s)
        self._release = redis.register_script(_RELEASE)

    def _key(self, operator_id):
        return f"{self.prefix}:operator-busy:{operator_id}"

    def claim(self, call_ref, operator_ids):
        """The operator ids this call may ring now (those no other call holds)."""
        claimed = []
        try:
            for operator_id in operator_ids:
                if self.redis.set(self._key(operator_id), call_ref, nx=True, ex=self.ttl_s):
                    claimed.append(operator_id)
                elif self.redis.get(self._key(operator_id)) == call_ref.encode():
                    claimed.append(operator_id)  # this call already holds it (a retried step)
        except RedisError as exc:
            log.warning("operator leases unavailable (%s): ringing without them", exc.__class__.__name__)
            return list(operator_ids)
        return claimed

    def release(self, call_ref, operator_ids):
        try:
            for operator_id in operator_ids:
                self._release(keys=[self._key(operator_id)], args=[call_ref])
        except RedisError as exc:
            log.warning("operator leases not released (%s); they expire in %d s",
                        exc.__class__.__name__, self.ttl_s)

    def busy(self, operator_id):
        """Whether some call holds this operator right now."""
        return bool(self.redis.exists(self._key(operator_id)))
