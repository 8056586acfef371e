"""The free number's genuine-alert checks counted across calls in real Redis (issue 19): per calling
number, and one shared budget for withheld numbers; the first refusal of each in an hour audited under
a keyed hash, never the number. Both databases."""
from redis import Redis
from sqlalchemy import select

from core.genuine_check import PhoneCheckLimits
from core.models import AuditEvent

CALLER, OTHER = "+31301234567", "+31301234568"


def limits(rt, per_number=2, withheld=3):
    config = {**rt.config, "GENUINE_PHONE_CHECKS_PER_HOUR": per_number, "GENUINE_WITHHELD_CHECKS_PER_HOUR": withheld}
    return PhoneCheckLimits(Redis.from_url(rt.config["REDIS_URL"]), rt.db, config, "test-secret")


def refusals(rt):
    with rt.db.session() as session:
        return session.scalars(select(AuditEvent).where(AuditEvent.verb == "genuine_check.refused")).all()


def test_a_calling_number_is_limited_across_calls_and_others_are_not(rt):
    checks = limits(rt)
    assert [checks.allows(CALLER) for _ in range(4)] == [True, True, False, False]
    assert checks.allows(OTHER) and checks.allows(None)  # another number, a withheld one: their own budgets
    [refused] = refusals(rt)
    assert refused.subject_type == "caller" and refused.detail == {"limit_per_hour": 2}
    assert "1234567" not in refused.subject_id and "1234567" not in str(refused.detail)


def test_withheld_callers_share_one_larger_budget_that_a_known_number_does_not_touch(rt):
    checks = limits(rt)
    assert [checks.allows(None) for _ in range(4)] == [True, True, True, False]
    assert checks.allows("") is False  # an empty caller ID is a withheld one
    assert checks.allows(CALLER)  # withholding used up nobody's own number
    assert len(refusals(rt)) == 1


def test_the_counts_expire_within_the_hour(rt):
    checks = limits(rt)
    checks.allows(None)
    checks.allows(CALLER)
    redis = Redis.from_url(rt.config["REDIS_URL"])
    keys = list(redis.scan_iter(f"{rt.config['QUEUE_PREFIX']}:genuine-phone*"))
    assert len(keys) == 2 and all(0 < redis.ttl(key) <= 3600 for key in keys)
    assert not any(b"1234567" in key for key in keys)


def test_the_configured_defaults_give_a_larger_withheld_budget(rt):
    assert rt.config["GENUINE_WITHHELD_CHECKS_PER_HOUR"] > rt.config["GENUINE_PHONE_CHECKS_PER_HOUR"]
