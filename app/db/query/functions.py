"""SQL functions the filter translator needs that SQLAlchemy does not name: the length of a
JSON array, and the date parts `*_func` filters extract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

DATE_PARTS = {
    "year": "year",
    "month": "month",
    "week": "week",
    "day": "day",
    "weekday": "dow",
    "hour": "hour",
    "minute": "minute",
    "second": "second",
}


class json_count(FunctionElement[int]):  # noqa: N801  (SQL function names are lower case)
    """Length of a JSON array; null for anything else."""

    type = Integer()
    inherit_cache = True
    name = "json_count"


def _json_count_sql(type_function: str) -> Callable[..., str]:
    def render(element: json_count, compiler: SQLCompiler, **kw: Any) -> str:
        arg = compiler.process(next(iter(element.clauses)), **kw)
        return f"(CASE WHEN {type_function}({arg}) = 'array' THEN json_array_length({arg}) END)"

    return render


compiles(json_count, "sqlite")(_json_count_sql("json_type"))
compiles(json_count, "postgresql")(_json_count_sql("json_typeof"))
