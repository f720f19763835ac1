"""The leak detector used on every response of the suite catches what it must."""

from __future__ import annotations

import pytest

from tests.leaks import leak_in


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
