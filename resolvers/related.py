"""Relational fields (a user's role, a role's users, a policy's permissions): batched,
permission-checked reads."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar, cast

import strawberry
from strawberry.dataloader import DataLoader

from app.db.loaded import Values
from app.db.types import Model
from app.errors import DirectusError
from app.permissions.access import Access, Rule
from app.services.alongside import Alongside, AlongsideRows
from app.services.items import ItemReader
from resolvers.context import Info
from resolvers.engine.selection import child_selections, requested_fields
from resolvers.queries import item_query
from resolvers.types.functions import CountFunctions
from resolvers.types.inputs import to_data

M = TypeVar("M", bound=Model)


class Missing:
    """Not known without waiting."""


MISSING = Missing()


async def related_row(
    info: Info, reader: ItemReader[M], item_id: str, filter: Any, search: Any
) -> M | None:
    """The related row if the caller may read it (and it matches the field's filter)."""
    row = await _related(info, reader, item_id, filter, search, as_values=False)
    return cast("M | None", row)  # rows, not values, when as_values is False


async def related_values(
    info: Info, reader: ItemReader[M], item_id: str, filter: Any, search: Any
) -> M | Values | None:
    """`related_row`, read as `Values` when unfiltered (for a type built with `loaded`)."""
    return await _related(info, reader, item_id, filter, search, as_values=True)


async def _related(
    info: Info, reader: ItemReader[M], item_id: str, filter: Any, search: Any, *, as_values: bool
) -> M | Values | None:
    ctx = info.context
    access = await ctx.access()
    if (filter is not None and filter is not strawberry.UNSET) or search:
        fields = requested_fields(info)
        reader.read_rule(access, fields)  # FORBIDDEN for a field no grant gives
        query = item_query(filter, search=search or None, only_ids=[item_id])
        rows = await reader.read_many(access, query, fields)
        return rows[0] if rows else None
    loader = _field_loader(info, reader, access, item_id, as_values)
    row: M | Values | None = await loader.load(item_id)
    return row


def related_values_now(
    info: Info, reader: ItemReader[M], item_id: str
) -> M | Values | Missing | None:
    """What `related_values` (no filter, no search) answers, when it is known without waiting:
    the row's batch was read ahead of the list (`prefetch_related`) by the same loader, with
    the same fields and caller. MISSING otherwise (then the field awaits `related_values`).
    Lets a list's relational fields complete synchronously, with no coroutine per row."""
    ctx = info.context
    access = ctx.known_access
    if access is None:
        return MISSING
    node = info._raw_info.field_nodes[0]
    memo = ctx.memo.get(_memo_key(node, reader, True))
    # The field's loader, once a row has worked it out; a row it holds already needs no
    # priming (a prime never replaces what a loader holds).
    future = None if memo is None or memo[0] is not node else memo[2].cache_map.get(item_id)
    if future is None:
        future = _field_loader(info, reader, access, item_id, True).cache_map.get(item_id)
    if future is None or not future.done() or future.cancelled() or future.exception():
        return MISSING
    row: M | Values | None = future.result()
    return row


def _field_loader(
    info: Info, reader: ItemReader[M], access: Access, item_id: str, as_values: bool
) -> DataLoader[str, Any]:
    """The loader of this field of the document, worked out once for every row under it
    (FORBIDDEN, raised here, for a field no grant gives); the caller's own row is primed
    (read while authenticating this request)."""
    ctx = info.context
    node = info._raw_info.field_nodes[0]
    memo_key = _memo_key(node, reader, as_values)
    memo = ctx.memo.get(memo_key)
    if memo is None or memo[0] is not node:
        fields = requested_fields(info)
        rule = reader.read_rule(access, fields)
        loader = _by_id_loader(info, reader, access, fields, as_values)
        memo = ctx.memo[memo_key] = (node, rule, loader)
    _, rule, loader = memo
    _prime_own(loader, access, reader, rule, [item_id])
    return loader


def _memo_key(node: Any, reader: ItemReader[M], as_values: bool) -> tuple[Any, ...]:
    """Where a request keeps a field's (node, rule, loader): one per field of the document."""
    return ("related_row", id(node), reader.collection.name, as_values)


def _prime_own(
    loader: DataLoader[str, Any],
    access: Access,
    reader: ItemReader[M],
    rule: Rule,
    ids: Iterable[str],
) -> None:
    """The caller's own row among `ids`, read while authenticating, given to the loader."""
    for item_id in ids:
        own = access.own_row(reader.collection.name, item_id, rule)
        if own is not None:
            loader.prime(item_id, own)


def _by_id_loader(
    info: Info, reader: ItemReader[M], access: Access, fields: set[str], as_values: bool
) -> DataLoader[str, Any]:
    """One loader per collection, selected fields and form in a request: its key names all
    that its answers depend on (the caller is the request's), so whoever creates it first,
    the field or `prefetch_related`, it answers the same."""

    async def load(ids: list[str]) -> Sequence[M | Values | None]:
        # The rows where one grant gives exactly the fields selected here.
        if as_values:
            return await reader.readable_values_by_ids(access, ids, fields)
        return await reader.readable_by_ids(access, ids, fields)

    form = "values" if as_values else "rows"
    key = f"{reader.collection.name}.by_id.{form}:" + ",".join(sorted(fields))
    return info.context.loader(key, load)


def read_alongside(info: Info, field_name: str, reader: ItemReader[M]) -> list[Alongside]:
    """Per distinct selection of the list items' `field_name { … }` asked for without
    arguments, the many-to-one to read in the list's own statement."""
    selections = dict.fromkeys(frozenset(fields) for fields in child_selections(info, field_name))
    return [Alongside(field_name, reader, fields) for fields in selections]


async def prefetch_related(
    info: Info,
    access: Access,
    reader: ItemReader[M],
    alongside: Sequence[Alongside],
    read: AlongsideRows,
    ids: Iterable[str | None],
) -> None:
    """Gives the rows of `reader`'s collection that the list items' relational field will
    show, per selection of it (`alongside`), to the loader that field uses, before the list
    completes: those the list's statement read alongside (`read`), else read now in one
    batch. Each item's field then answers at once (`related_values_now`). `access` is the
    caller the list was read for: if a socket's caller has changed since, nothing is given
    (the fields read for the new one). Anything that goes wrong here is left for the field
    to meet and report at its own path."""
    wanted = sorted({item_id for item_id in ids if item_id is not None})
    ctx = info.context
    if not wanted or ctx.known_access is not access:
        return
    for item, rows in zip(alongside, read, strict=True):
        if ctx.known_access is not access:
            return  # a socket's caller changed while reading: the loaders are gone with it
        try:
            rule = reader.read_rule(access, item.fields)
        except DirectusError:
            continue
        loader = _by_id_loader(info, reader, access, set(item.fields), True)
        _prime_own(loader, access, reader, rule, wanted)
        missing = [item_id for item_id in wanted if loader.cache_map.get(item_id) is None]
        if rows is not None:
            for item_id in [item_id for item_id in missing if item_id in rows]:
                loader.prime(item_id, rows[item_id])
            missing = [item_id for item_id in missing if item_id not in rows]
        if not missing:
            continue
        try:  # the loader's own function, without its scheduling: one batch, now
            found = await loader.load_fn(missing)
        except Exception:  # noqa: S112 (the field meets it and reports it)
            continue
        for item_id, row in zip(missing, found, strict=True):
            loader.prime(item_id, row)


def parent_field(info: Info) -> tuple[str, str]:
    """The parent's collection (its type's name) and o2m field this resolver answers."""
    parent = info.path.typename or ""
    return parent, info.field_name.removesuffix("_func")


async def related_many(
    info: Info,
    reader: ItemReader[M],
    column: str,
    parent_id: str,
    arguments: tuple[Any, Any, Any, Any, Any, Any],
    only: Mapping[str, Any] | None = None,
) -> list[M]:
    """An o2m field: the rows whose `column` points at the parent, windowed per parent and
    batched across parents (one query per distinct field and arguments). `only` narrows the
    rows further (a policy's `users` are its access rows that name a user)."""
    ctx = info.context
    access = await ctx.access()
    query = item_query(*arguments)
    if only is not None:
        both = [dict(only), dict(query.filter)] if query.filter else [dict(only)]
        query = replace(query, filter={"_and": both})
    fields = requested_fields(info)
    key = f"{reader.collection.name}.{column}:" + json.dumps(
        [to_data(arguments[0]), *arguments[1:], only, sorted(fields)], default=str
    )

    via = parent_field(info)

    async def load(parent_ids: list[str]) -> list[list[M]]:
        grouped = await reader.read_related(access, column, parent_ids, query, fields, via)
        return [list(grouped.get(parent, [])) for parent in parent_ids]

    rows: list[M] = await ctx.loader(key, load).load(parent_id)
    return rows


async def related_count(
    info: Info, reader: ItemReader[M], column: str, parent_id: str
) -> CountFunctions:
    """An o2m's `<field>_func { count }`: the rows the caller may see, counted per parent."""
    ctx = info.context
    access = await ctx.access()

    via = parent_field(info)

    async def load(parent_ids: list[str]) -> list[int]:
        counts = await reader.count_related(access, column, parent_ids, via)
        return [counts[parent] for parent in parent_ids]

    key = f"{reader.collection.name}.{column}_func:{via}"
    count: int = await ctx.loader(key, load).load(parent_id)
    return CountFunctions(count=count)
