"""`fields` for REST answers: which stored fields to read, and how to shape related items."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.collections import COLLECTIONS, Collection
from app.db.types import Model
from app.errors import ForbiddenError, InvalidQueryError
from app.permissions.access import Access
from app.permissions.concealed import public_value


@dataclass
class FieldTree:
    """`id,email,role.name` → own fields {id, email, role} and nested {role: {name}}."""

    own: list[str] = field(default_factory=list)
    nested: dict[str, FieldTree] = field(default_factory=dict)


def field_tree(
    collection: Collection, fields: Sequence[str], access: Access | None = None
) -> FieldTree:
    """`*` stands for the fields `access` may read (all of them without `access`), as Directus."""
    tree = FieldTree()
    for raw in fields:
        head, _, rest = raw.partition(".")
        if head == "*":
            allowed = access.readable_fields(collection.name) if access is not None else None
            tree.own.extend(
                name
                for name in collection.fields
                if name not in tree.own and (allowed is None or name in allowed)
            )
            continue
        if head not in collection.fields and head not in collection.relations:
            raise InvalidQueryError(f'Field "{head}" does not exist in "{collection.name}"')
        if rest:
            relation = collection.relations.get(head)
            if relation is None:
                raise InvalidQueryError(f'"{head}" has no nested fields here')
            target = COLLECTIONS[relation.target]
            child = tree.nested.setdefault(head, FieldTree())
            merged = field_tree(target, [rest], access)
            child.own.extend(name for name in merged.own if name not in child.own)
            child.nested.update(merged.nested)
        if head not in tree.own:
            tree.own.append(head)
    return tree


def check_readable(
    access: Access, collection: Collection, tree: FieldTree, queried: str = "root"
) -> None:
    """Early FORBIDDEN, as Directus words it, for a field asked of a collection that no
    grant lets the caller read (on some of its rows)."""
    readable = access.readable_fields(collection.name)
    if access.has(collection.name, "read") and readable is not None:
        for name in tree.own:
            if name not in readable:
                raise ForbiddenError.field(name, collection.name, queried)
    access.require_fields(collection.name, "read", tree.own)
    for name, child in tree.nested.items():
        where = name if queried == "root" else f"{queried}.{name}"
        check_readable(access, COLLECTIONS[collection.relations[name].target], child, where)


def shape(
    collection: Collection,
    row: Model,
    tree: FieldTree,
    related: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """One item as JSON; `related` maps relation → {id: shaped related item}."""
    item: dict[str, Any] = {}
    for name in tree.own:
        value = getattr(row, name, None)
        if name in tree.nested:
            item[name] = None if value is None else related.get(name, {}).get(str(value))
        else:
            item[name] = public_value(collection, name, value)
    return item
