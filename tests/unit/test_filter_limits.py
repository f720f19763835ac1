"""The filter size walk: what counts, where it stops, and that it never recurses."""

from __future__ import annotations

import json

import pytest

from app.db.query.limits import FilterLimits, check_filter
from app.errors import InvalidPayloadError, InvalidQueryError
from app.http.body import decode_json
from app.input_values import exceeds_depth, is_storable_text, json_problem

LIMITS = FilterLimits(max_nodes=20, max_depth=4, max_string_length=10, max_in=30)


def test_a_filter_within_the_limits_passes() -> None:
    check_filter(
        {"_or": [{"email": {"_eq": "a"}}, {"role": {"name": {"_in": ["x"] * 30}}}]}, LIMITS
    )


@pytest.mark.parametrize(
    ("node", "reason"),
    [
        ({"_or": [{"email": {"_eq": "a"}}] * 8}, "conditions"),
        ({"email": {"_in": ["a"] * 31}}, "_in"),
        ({"_and": [{"_and": [{"_and": [{"_and": [{"email": {"_eq": "a"}}]}]}]}]}, "nested"),
        ({"role": {"users": {"_some": {"role": {"name": {"_eq": "a"}}}}}}, "nested"),
        ({"email": {"_eq": "a" * 11}}, "longer"),
        ({"email": {"_eq": "\ud800"}}, "Unicode"),
        ({"email": {"_in": ["a\x00"]}}, "NUL"),
        ({"e\x00": {"_eq": "a"}}, "NUL"),
    ],
)
def test_an_excess_is_invalid_query(node: object, reason: str) -> None:
    with pytest.raises(InvalidQueryError, match=reason):
        check_filter(node, LIMITS)


def test_a_filter_deeper_than_the_recursion_limit_is_refused_without_recursing() -> None:
    node: object = {"email": {"_eq": "a"}}
    for _ in range(5000):
        node = {"_and": [node]}
    with pytest.raises(InvalidQueryError):
        check_filter(node, FilterLimits())


def test_text_a_database_can_store() -> None:
    assert is_storable_text("plain é 😀")
    assert not is_storable_text("a\x00")
    assert not is_storable_text("\udfff")


def test_json_problems() -> None:
    assert json_problem({"a": [1, 2.5, "x", None, True]}, 3) is None
    assert json_problem([[[1]]], 2) is not None
    assert json_problem([float("nan")], 5) is not None
    assert json_problem({"\ud800": 1}, 5) is not None
    deep: object = 1
    for _ in range(5000):
        deep = [deep]
    assert exceeds_depth(deep, 64)
    assert json_problem(deep, 64) is not None


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 2000 + b"]" * 2000,
        b"[" * 65 + b"]" * 65,
        b'{"a": "\xff"}',
        b'{"a": ' + b"1" * 5000 + b"}",
        b"{",
    ],
)
def test_the_body_decoder_refuses_with_invalid_payload(body: bytes) -> None:
    with pytest.raises(InvalidPayloadError):
        decode_json(body, 64)


def test_the_body_decoder_accepts_up_to_the_depth() -> None:
    assert decode_json(b"[" * 64 + b"]" * 64, 64) is not None
    assert decode_json(json.dumps({"a": [{"b": 1}]}), 3) == {"a": [{"b": 1}]}
