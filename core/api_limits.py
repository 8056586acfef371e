"""The API's rate limit: requests per token per minute, counted in Redis (shared by every web process).

While Redis is unreachable the limit is not applied: a launch from a control room must not fail because
the counter is away (the launch itself survives a Redis outage; the sweeper enqueues its alerts later)."""
import logging
import time

from redis.exceptions import RedisError

from .outage import Outage

log = logging.getLogger(__name__)
# Shared by the process's requests: one log line when Redis goes, one when it is back.
REDIS = Outage("Redis (API rate limit not applied meanwhile)", log)

WINDOW_S = 60


class ApiRateLimit:
    def __init__(self, redis, config):
        self.redis = redis
        self.prefix = f"{config['QUEUE_PREFIX']}:api-rate"
        self.per_minute = config["API_RATE_PER_MINUTE"]

    def take(self, token_id, now=None):
        """Count one request of the token in the current minute: (allowed, seconds until the next minute).
        A refused request is counted too, so hammering does not buy an earlier slot."""
        now = time.time() if now is None else now
        window = int(now // WINDOW_S)
        key = f"{self.prefix}:{token_id}:{window}"
        retry_after = max(1, int((window + 1) * WINDOW_S - now + 0.999))
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_S + 5, nx=True)
        try:
            count, _ = pipe.execute()
        except RedisError as exc:
            REDIS.went_down(exc)
            return True, retry_after
        REDIS.came_back()
        return count <= self.per_minute, retry_after

    def first_use_this_minute(self, token_id, now=None):
        """True once per token per minute: when its use is audited (core.tokens.record_use)."""
        now = time.time() if now is None else now
        try:
            return bool(self.redis.set(f"{self.prefix}:used:{token_id}:{int(now // WINDOW_S)}", 1, nx=True,
                                       ex=WINDOW_S + 5))
        except RedisError:  # without the counter every use is audited: more rows, none missing
            return True
