"""What keys a kept read plan, and how many are kept (app/services/read_plans.py)."""

from __future__ import annotations

from datetime import datetime

from app.db.query.item_query import ItemQuery
from app.services.read_plans import QUERY_KEY_MAX, ReadPlans, query_key


def test_equal_queries_share_a_key_and_different_ones_do_not() -> None:
    one = ItemQuery(filter={"email": {"_eq": "a"}, "status": {"_eq": "x"}}, limit=3)
    same = ItemQuery(filter={"status": {"_eq": "x"}, "email": {"_eq": "a"}}, limit=3)
    assert query_key(one) is not None
    assert query_key(one) == query_key(same)  # key order says nothing
    others = [
        ItemQuery(filter={"email": {"_eq": "b"}, "status": {"_eq": "x"}}, limit=3),
        ItemQuery(filter={"email": {"_eq": "a"}, "status": {"_eq": "x"}}, limit=4),
        ItemQuery(filter={"email": {"_eq": "a"}, "status": {"_eq": "x"}}, limit=3, offset=1),
        ItemQuery(filter={"email": {"_eq": "a"}, "status": {"_eq": "x"}}, limit=3, page=2),
        ItemQuery(filter={"email": {"_eq": "a"}, "status": {"_eq": "x"}}, limit=3, search="a"),
        ItemQuery(filter={"email": {"_eq": "a"}, "status": {"_eq": "x"}}, limit=3, sort=["id"]),
        ItemQuery(filter={"email": {"_eq": 1}, "status": {"_eq": "x"}}, limit=3),
        ItemQuery(filter={"email": {"_eq": "1"}, "status": {"_eq": "x"}}, limit=3),
        ItemQuery(filter={"email": {"_eq": True}, "status": {"_eq": "x"}}, limit=3),
    ]
    keys = {query_key(query) for query in others}
    assert len(keys) == len(others)
    assert query_key(one) not in keys


def test_variables_unsayable_values_and_long_queries_key_nothing() -> None:
    assert query_key(ItemQuery(filter={"id": {"_eq": "$CURRENT_USER"}})) is None
    assert query_key(ItemQuery(filter={"_or": [{"last_access": {"_lt": "$NOW"}}]})) is None
    assert query_key(ItemQuery(search="$NOW")) is None
    assert query_key(ItemQuery(filter={"last_access": {"_lt": datetime(2026, 1, 1)}})) is None
    long = ItemQuery(filter={"email": {"_in": ["x" * 100] * (QUERY_KEY_MAX // 100)}})
    assert query_key(long) is None
    assert query_key(ItemQuery(filter={"title": {"_eq": "costs 5$"}})) is not None


def test_the_least_recently_used_plans_go_first() -> None:
    plans: ReadPlans[str] = ReadPlans(size=2)
    plans.keep("a", "A")
    plans.keep("b", "B")
    assert plans.get("a") == "A"  # a is now the most recent
    plans.keep("c", "C")
    assert plans.get("b") is None
    assert (plans.get("a"), plans.get("c"), len(plans)) == ("A", "C", 2)
    plans.keep(None, "nothing")
    assert plans.get(None) is None
    assert len(plans) == 2


def test_plans_are_kept_within_their_weight() -> None:
    plans: ReadPlans[str] = ReadPlans(size=10, weight_max=10, plan_weight_max=6)
    plans.keep("heavy", "H", weight=7)
    assert plans.get("heavy") is None  # heavier than any one plan may be
    plans.keep("a", "A", weight=4)
    plans.keep("b", "B", weight=4)
    assert plans.weight == 8
    plans.keep("c", "C", weight=4)  # over 10: the least recently used goes
    assert (plans.get("a"), plans.get("b"), plans.get("c")) == (None, "B", "C")
    plans.keep("b", "B2", weight=1)  # kept again: its old weight is given back
    assert plans.weight == 5
    assert plans.get("b") == "B2"
