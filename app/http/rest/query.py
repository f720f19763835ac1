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

from app.db.query.item_query import ItemQuery
from app.errors import InvalidQueryError

_BRACKETS = re.compile(r"\[([^\]]*)\]")
# `filter[a][b]…` deeper than any filter may be (FILTER_MAX_DEPTH counts far fewer levels).
_MAX_BRACKETS = 64


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
        if len(path) > _MAX_BRACKETS:
            raise InvalidQueryError(f'"{name}" is nested too deeply')
        node = tree
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise InvalidQueryError(f'"{key}" is not a valid {name}')
            node = child
        leaf = path[-1] if path else ""
        node[leaf] = value.split(",") if leaf in ("_in", "_nin", "_between", "_nbetween") else value
    return _lists(tree) if tree else None


def _lists(node: Any) -> Any:
    """`_or[0][…]&_or[1][…]`: objects keyed 0, 1, … are lists, as Directus's qs parser has them."""
    if not isinstance(node, dict):
        return node
    converted = {key: _lists(value) for key, value in node.items()}
    if converted and all(key.isdigit() for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _json_object(raw: str, name: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # bad JSON, the 4300-digit limit, deep nesting
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


def _names(value: Any, name: str) -> list[str]:
    """A list of names, or Directus's comma-separated string of them."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise InvalidQueryError(f'"{name}" has to be a list of names')


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise InvalidQueryError(f'"{name}" has to be a whole number')
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidQueryError(f'"{name}" has to be a whole number') from None


def query_from_body(body: Any) -> RestQuery:
    """SEARCH /users: the query object travels in the body as {"query": {...}}."""
    query = body.get("query", {}) if isinstance(body, Mapping) else {}
    if not isinstance(query, Mapping):
        raise InvalidQueryError('"query" has to be an object')
    filter_value = query.get("filter")
    if filter_value is not None and not isinstance(filter_value, Mapping):
        raise InvalidQueryError('"filter" has to be an object')
    search = query.get("search")
    if search is not None and not isinstance(search, str):
        raise InvalidQueryError('"search" has to be a string')
    return RestQuery(
        items=ItemQuery(
            filter=filter_value,
            sort=_names(query.get("sort"), "sort") or None,
            limit=_whole(query.get("limit"), "limit"),
            offset=_whole(query.get("offset"), "offset"),
            page=_whole(query.get("page"), "page"),
            search=search or None,
        ),
        fields=_names(query.get("fields"), "fields") or ["*"],
        meta=_names(query.get("meta"), "meta"),
    )
