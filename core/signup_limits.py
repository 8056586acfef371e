"""Limits on what the public sign-up sends, against SMS pumping and call bombing.

Every code (or "already registered" notice) costs money and rings someone's phone, so it is
counted in Redis, atomically, before it is sent:

* per number per local day (SIGNUP_CODES_PER_NUMBER_PER_DAY): the key is a keyed hash of the
  number, not a database row, so deleting a stale sign-up (core.signup) resets nothing;
* for the whole installation per local day (SIGNUP_CODES_PER_DAY): a pumping run from many
  addresses at once still stops;
* per client address per hour: sign-ups, resends and manage links (SIGNUP_PER_HOUR,
  RESEND_PER_HOUR, LINK_PER_HOUR).

What was sent and what each limit refused is counted per day for the admins' page
(admin.configuration: sign-up limits), and kept a week.
"""
import hashlib
import hmac
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

STATS_DAYS = 7
# Counted outcomes, as the admin page lists them.
STAT_FIELDS = ("sms", "voice", "refused-number", "refused-global", "refused-address", "refused-country",
               "refused-quiet-hours")

# KEYS: number counter, global counter, stats hash. ARGV: number limit, global limit, ttl.
# Both counters move together or not at all: a refused code uses up nothing.
_TAKE = """
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then redis.call('HINCRBY', KEYS[3], 'refused-number', 1) return 1 end
local g = tonumber(redis.call('GET', KEYS[2]) or '0')
if g >= tonumber(ARGV[2]) then redis.call('HINCRBY', KEYS[3], 'refused-global', 1) return 2 end
redis.call('INCR', KEYS[1]) redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('INCR', KEYS[2]) redis.call('EXPIRE', KEYS[2], ARGV[3])
return 0
"""
DAY_TTL_S = 2 * 86400


class LimitReached(Exception):
    """A code was not sent: `scope` says which limit ("number", "global", "address")."""

    def __init__(self, scope):
        super().__init__(scope)
        self.scope = scope


class SignupLimits:
    """The sign-up's counters in Redis, for one installation (its QUEUE_PREFIX)."""

    def __init__(self, redis, config, secret):
        self.redis = redis
        self.prefix = f"{config['QUEUE_PREFIX']}:signup"
        self.per_number = config["SIGNUP_CODES_PER_NUMBER_PER_DAY"]
        self.per_day = config["SIGNUP_CODES_PER_DAY"]
        self.per_hour = {"signup": config["SIGNUP_PER_HOUR"], "resend": config["RESEND_PER_HOUR"],
                         "link": config["LINK_PER_HOUR"]}
        self.zone = ZoneInfo(config["TIMEZONE"])
        self.secret = secret.encode() if isinstance(secret, str) else secret
        self._take = redis.register_script(_TAKE)

    def _day(self, now=None):
        return (now or datetime.now(self.zone)).astimezone(self.zone).strftime("%Y%m%d")

    def _stats_key(self, day):
        return f"{self.prefix}:stats:{day}"

    def _number_key(self, e164, day):
        # A keyed hash: Redis holds no phone numbers, and nobody can list who signed up.
        digest = hmac.new(self.secret, f"signup-number:{e164}".encode(), hashlib.sha256).hexdigest()[:32]
        return f"{self.prefix}:number:{digest}:{day}"

    def take_code(self, e164, channel):
        """Count one code to `e164` against the number's and the installation's daily limits;
        LimitReached (nothing counted but the refusal) when either is used up."""
        day = self._day()
        stats = self._stats_key(day)
        refused = self._take(keys=[self._number_key(e164, day), f"{self.prefix}:all:{day}", stats],
                             args=[self.per_number, self.per_day, DAY_TTL_S])
        self.redis.expire(stats, STATS_DAYS * 86400)
        if refused:
            raise LimitReached("number" if refused == 1 else "global")
        self.count(channel)

    def address_allows(self, kind, address):
        """Count one `kind` ("signup", "resend", "link") from a client address in a fixed hour;
        False (and counted as refused) once the hourly limit is passed."""
        key = f"{self.prefix}:{kind}:{address or '-'}"
        pipe = self.redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, 3600, nx=True)
        used, _ = pipe.execute()
        if used > self.per_hour[kind]:
            self.count("refused-address")
            return False
        return True

    def count(self, field):
        """Add one to today's count of `field` (one of STAT_FIELDS)."""
        key = self._stats_key(self._day())
        pipe = self.redis.pipeline()
        pipe.hincrby(key, field, 1)
        pipe.expire(key, STATS_DAYS * 86400)
        pipe.execute()

    def daily_counts(self, days=STATS_DAYS, now=None):
        """[(date "YYYY-MM-DD", {field: count})], today first, for the admins' page."""
        now = (now or datetime.now(self.zone)).astimezone(self.zone)
        rows = []
        for back in range(days):
            day = self._day(now - timedelta(days=back))
            raw = self.redis.hgetall(self._stats_key(day))
            counts = {field: int(raw.get(field.encode(), 0)) for field in STAT_FIELDS}
            rows.append((f"{day[:4]}-{day[4:6]}-{day[6:]}", counts))
        return rows
