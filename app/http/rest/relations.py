"""Related items in REST answers: an m2o asked with nested fields becomes the related
object, an o2m its list of ids (or of objects, with nested fields) — each relation read
in one query for all the rows, by the caller's own permissions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.collections import COLLECTIONS, Collection
from app.db.query.item_query import ItemQuery
from app.db.types import Model
from app.http.rest.fields import FieldTree, shape
from app.permissions.access import Access
from app.services.container import Services
from app.services.items import ItemReader


def reader_for(services: Services, collection: str) -> ItemReader[Any]:
    readers: dict[str, ItemReader[Any]] = {
        "directus_users": services.users,
        "directus_roles": services.roles,
        "directus_files": services.files,
        "directus_policies": services.policies,
        "directus_access": services.access,
        "directus_permissions": services.permissions,
    }
    return readers[collection]


def stored(collection: Collection, tree: FieldTree) -> list[str]:
    """The fields asked that are columns (what a read's permissions are checked on)."""
    return [name for name in tree.own if name in collection.fields]


async def shape_rows(
    services: Services,
    access: Access,
    collection: Collection,
    rows: Sequence[Model],
    tree: FieldTree,
) -> list[dict[str, Any]]:
    related: dict[str, dict[str, Any]] = {}
    many: dict[str, dict[str, list[Any]]] = {}
    for name in tree.own:
        relation = collection.relations.get(name)
        if relation is None or not rows:
            continue
        target = COLLECTIONS[relation.target]
        reader = reader_for(services, relation.target)
        child = tree.nested.get(name)
        if not relation.many:
            if child is None:
                continue
            ids = sorted({str(value) for row in rows if (value := getattr(row, name)) is not None})
            found = [
                item
                for item in await reader.readable_by_ids(access, ids, stored(target, child))
                if item is not None
            ]
            shaped = await shape_rows(services, access, target, found, child)
            related[name] = {str(item.id): s for item, s in zip(found, shaped, strict=True)}
            continue
        parents = [str(getattr(row, "id")) for row in rows]  # noqa: B009
        fields = stored(target, child) if child is not None else ["id"]
        only = None if relation.present is None else {relation.present: {"_nnull": True}}
        query = ItemQuery(filter=only)
        via = (collection.name, name)
        grouped = await reader.read_related(access, relation.column, parents, query, fields, via)
        many[name] = {}
        for parent in parents:
            children = grouped.get(parent, [])
            if child is None:
                many[name][parent] = [getattr(item, "id") for item in children]  # noqa: B009
            else:
                many[name][parent] = await shape_rows(services, access, target, children, child)
    items = [shape(collection, row, tree, related) for row in rows]
    for name, by_parent in many.items():
        for item, row in zip(items, rows, strict=True):
            item[name] = by_parent.get(str(getattr(row, "id")), [])  # noqa: B009
    return items
