"""The leak detector used on every response of the suite catches what it must."""

from __future__ import annotations

import pytest

from tests.leaks import forget_concealed, leak_in, remember_concealed, remember_static_token


@pytest.mark.parametrize(
    "body",
    [
        'Traceback (most recent call last):\n  File "/x/y.py", line 3',
        '{"message": "error in app/services/users.py"}',
        '{"message": "(sqlite3.IntegrityError) UNIQUE constraint failed"}',
        '{"message": "SELECT id FROM directus_users WHERE email = ?"}',
        '{"message": "asyncpg.exceptions.UniqueViolationError"}',
        '{"message": "/usr/lib/python3/dist-packages"}',
    ],
)
def test_leaks_are_caught(body: str) -> None:
    assert leak_in(body) is not None


@pytest.mark.parametrize(
    "body",
    [
        '{"data":{"users":[{"email":"select@example.com","title":"Update manager"}]}}',
        '{"errors":[{"message":"Invalid user credentials.","extensions":{"code":"X"}}]}',
    ],
)
def test_ordinary_answers_pass(body: str) -> None:
    assert leak_in(body) is None


@pytest.mark.parametrize(
    "body",
    [
        '{"data":{"users_aggregated":[{"group":{"password":"$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"}}]}}',
        '{"data":{"group":{"password":"$2b$10$abcdefghijklmnopqrstuv"}}}',
        '{"data":{"token":"' + "0123456789abcdef" * 4 + '"}}',
    ],
)
def test_concealed_shapes_are_caught(body: str) -> None:
    assert leak_in(body) is not None


def test_remembered_secrets_are_caught_until_forgotten() -> None:
    body = '{"data":{"group":{"tfa_secret":"JBSWY3DPEHPK3PXP"}}}'
    assert leak_in(body) is None
    remember_concealed("JBSWY3DPEHPK3PXP")
    assert leak_in(body) == "JBSWY3DPEHPK3PXP"
    remember_static_token("a-static-token-value")
    assert leak_in('{"token":"a-static-token-value"}') == "a-static-token-value"
    forget_concealed()
    assert leak_in(body) is None


def test_a_token_segment_starting_with_py_is_not_a_file_name() -> None:
    """A JWT's signature may start with "py-" or "py_" after its dot (CI met one)."""
    token = "eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOjF9.py-0KE-T3EohkpwhcqVYKBcAldZ-zhdZ3VjHvLg_vzY"
    assert leak_in('{"data":{"auth_login":{"access_token":"' + token + '"}}}') is None
    assert leak_in(token.replace(".py-", ".py_")) is None
    assert leak_in('{"message":"in users.py: boom"}') == ".py"


def test_ids_and_refresh_tokens_are_not_mistaken_for_digests() -> None:
    body = (
        '{"id":"3f2a9c1e-8d4b-4e6f-9a7c-1b2d3e4f5a6b",'
        '"refresh_token":"' + "Ab0_" * 16 + '","expires":900000}'
    )
    assert leak_in(body) is None


def test_what_the_client_sent_itself_is_no_leak() -> None:
    remember_concealed("JBSWY3DPEHPK3PXP")
    echo = (
        '{"errors":[{"message":"unknown field \'_in\', found: { _in: [\\"JBSWY3DPEHPK3PXP\\"] }"}]}'
    )
    assert (
        leak_in(
            echo,
            sent='{"query": "{ users(filter: {tfa_secret: {_in: [\\"JBSWY3DPEHPK3PXP\\"]}}) }"}',
        )
        is None
    )
    assert leak_in(echo) == "JBSWY3DPEHPK3PXP"
