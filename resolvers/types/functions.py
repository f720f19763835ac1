"""Directus's *_func fields: counts of JSON values and parts of dates."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry


def _count(value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, (list, dict)):
        return len(value)
    return 1


@strawberry.type(name="count_functions")
class CountFunctions:
    """The count of a JSON value or an o2m; each JSON field has its own named type of it."""

    count: int | None


@strawberry.type(name="directus_users_tags_func")
class UsersTagsFunc(CountFunctions):
    pass


@strawberry.type(name="directus_users_auth_data_func")
class UsersAuthDataFunc(CountFunctions):
    pass


@strawberry.type(name="directus_users_theme_light_overrides_func")
class UsersThemeLightOverridesFunc(CountFunctions):
    pass


@strawberry.type(name="directus_users_theme_dark_overrides_func")
class UsersThemeDarkOverridesFunc(CountFunctions):
    pass


@strawberry.type(name="datetime_functions")
class DatetimeFunctions:
    year: int | None
    month: int | None
    week: int | None
    day: int | None
    weekday: int | None
    hour: int | None
    minute: int | None
    second: int | None

    @classmethod
    def of(cls, value: datetime | None) -> DatetimeFunctions | None:
        if value is None:
            return None
        return cls(
            year=value.year,
            month=value.month,
            week=value.isocalendar().week,
            day=value.day,
            weekday=value.isoweekday() % 7,
            hour=value.hour,
            minute=value.minute,
            second=value.second,
        )


def count_of(value: Any) -> int | None:
    return _count(value)
