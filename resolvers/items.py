"""The shapes every collection's root fields share: list, by id, aggregate, and the
mutations answering with the written rows (as far as the caller may read them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import strawberry

from app.db.types import Model
from app.services.access_items import AccessItemsService
from resolvers.context import Info
from resolvers.engine.selection import nested_fields, requested_fields
from resolvers.queries import item_query, written_rows
from resolvers.types.inputs import to_data

M = TypeVar("M", bound=Model)
Window = tuple[Any, Any, Any, Any, Any, Any]
_NO_WINDOW: Window = (None, None, None, None, None, None)


async def read_list(
    info: Info,
    reader: AccessItemsService[M],
    filter: Any,
    sort: Any,
    limit: Any,
    offset: Any,
    page: Any,
    search: Any,
) -> list[M]:
    access = await info.context.access()
    query = item_query(filter, sort, limit, offset, page, search)
    return await reader.read_many(access, query, requested_fields(info))


async def read_by_id(info: Info, reader: AccessItemsService[M], item_id: strawberry.ID) -> M:
    access = await info.context.access()
    return await reader.read_one(access, str(item_id), requested_fields(info))


async def aggregate_rows(
    info: Info,
    reader: AccessItemsService[M],
    group_by: Any,
    filter: Any,
    limit: Any,
    offset: Any,
    page: Any,
    search: Any,
    sort: Any,
) -> list[dict[str, Any]]:
    groups = [name for name in (group_by or []) if name]
    return await reader.aggregate(
        await info.context.access(),
        item_query(filter, sort, limit, offset, page, search),
        groups,
        sorted(nested_fields(info, "count")),
        sorted(nested_fields(info, "countDistinct")),
    )


def _ids(ids: Sequence[strawberry.ID | None]) -> list[str]:
    return [str(item) for item in ids if item is not None]


async def create(
    info: Info, writer: AccessItemsService[M], data: Sequence[Any], window: Window = _NO_WINDOW
) -> list[M]:
    ids = await writer.create_many(await info.context.access(), to_data(list(data)))
    return await written_rows(info, writer, ids, *window)


async def update(
    info: Info,
    writer: AccessItemsService[M],
    ids: Sequence[strawberry.ID | None],
    data: Any,
    *,
    one: bool = False,
    window: Window = _NO_WINDOW,
) -> list[M]:
    access = await info.context.access()
    wanted = _ids(ids)
    if one:
        done = [await writer.update_one(access, wanted[0], to_data(data))]
    else:
        done = await writer.update_many(access, wanted, to_data(data))
    return await written_rows(info, writer, done, *window)


async def written(
    info: Info, writer: AccessItemsService[M], data: Sequence[Any], window: Window
) -> list[M]:
    """update_*_batch: each item carries its id."""
    done = await writer.update_batch(await info.context.access(), to_data(list(data)))
    return await written_rows(info, writer, done, *window)


async def delete(
    info: Info, writer: AccessItemsService[M], ids: Sequence[strawberry.ID | None]
) -> list[strawberry.ID | None]:
    """As Directus: answers the ids asked, those that named no row included."""
    wanted = _ids(ids)
    await writer.delete_many(await info.context.access(), wanted)
    return [strawberry.ID(item) for item in wanted]
