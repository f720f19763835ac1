"""Directus REST query parameters: fields, filter, sort, limit, offset, page, search, meta.

Both forms Directus accepts: JSON (`filter={"email":{"_eq":"a"}}`) and brackets
(`filter[email][_eq]=a`), comma lists (`fields=id,email`) and arrays (`fields[]=id`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import QueryParams

from app.errors import InvalidQueryError
from app.services.queries import ItemQuery

_BRACKETS = re.compile(r"\[([^\]]*)\]")


@dataclass(frozen=True)
class RestQuery:
    items: ItemQuery
    fields: list[str]
    meta: list[str]


def _bracket_tree(params: QueryParams, name: str) -> dict[str, Any] | None:
    tree: dict[str, Any] = {}
    for key, value in params.multi_items():
        if not key.startswith(name + "["):
            continue
        path = _BRACKETS.findall(key[len(name) :])
        node = tree
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InvalidQueryError(f'"{key}" is not a valid {name}')
            node = child
        leaf = path[-1] if path else ""
        node[leaf] = value.split(",") if leaf in ("_in", "_nin", "_between", "_nbetween") else value
    return tree or None


def _json_object(raw: str, name: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        raise InvalidQueryError(f'"{name}" has to be valid JSON') from None


def _list(params: QueryParams, name: str) -> list[str]:
    values = params.getlist(name) + params.getlist(name + "[]")
    items: list[str] = []
    for value in values:
        stripped = value.strip()
        if stripped.startswith("["):
            parsed = _json_object(stripped, name)
            if not isinstance(parsed, list):
                raise InvalidQueryError(f'"{name}" has to be a list')
            items.extend(str(item) for item in parsed)
        else:
            items.extend(part.strip() for part in stripped.split(",") if part.strip())
    return items


def _int(params: QueryParams, name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise InvalidQueryError(f'"{name}" has to be a whole number') from None


def parse_query(params: QueryParams) -> RestQuery:
    raw_filter = params.get("filter")
    filter_value = (
        _json_object(raw_filter, "filter") if raw_filter else _bracket_tree(params, "filter")
    )
    if filter_value is not None and not isinstance(filter_value, Mapping):
        raise InvalidQueryError('"filter" has to be an object')
    return RestQuery(
        items=ItemQuery(
            filter=filter_value,
            sort=_list(params, "sort") or None,
            limit=_int(params, "limit"),
            offset=_int(params, "offset"),
            page=_int(params, "page"),
            search=params.get("search") or None,
        ),
        fields=_list(params, "fields") or ["*"],
        meta=_list(params, "meta"),
    )


def query_from_body(body: Any) -> RestQuery:
    """SEARCH /users: the query object travels in the body as {"query": {...}}."""
    query = body.get("query", {}) if isinstance(body, Mapping) else {}
    if not isinstance(query, Mapping):
        raise InvalidQueryError('"query" has to be an object')
    fields = query.get("fields") or ["*"]
    sort = query.get("sort")
    return RestQuery(
        items=ItemQuery(
            filter=query.get("filter"),
            sort=[sort] if isinstance(sort, str) else sort,
            limit=query.get("limit"),
            offset=query.get("offset"),
            page=query.get("page"),
            search=query.get("search"),
        ),
        fields=[fields] if isinstance(fields, str) else list(fields),
        meta=list(query.get("meta") or []),
    )
