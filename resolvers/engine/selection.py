"""Which fields a query asks for, so permissions can be checked before reading."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from app.collections import COLLECTIONS, COMPUTED_FIELDS
from resolvers.context import Info

# Fields computed from a relation rather than stored on the row itself: the o2m fields
# (a role's `users`) and their counts.
_O2M = frozenset(
    name
    for collection in COLLECTIONS.values()
    for name, relation in collection.relations.items()
    if relation.many
)
# And the computed ones (a user's `sessions`), read by their own service, not from the row.
_RELATION_ALIASES = (
    _O2M | {f"{name}_func" for name in _O2M} | {f for c in COMPUTED_FIELDS.values() for f in c}
)


def _names(selections: Iterable[Selection]) -> Iterator[str]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection.name
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            yield from _names(selection.selections)


def requested_fields(info: Info) -> set[str]:
    """Stored fields selected under the current field: `tags_func` counts as `tags`."""
    names: set[str] = set()
    for field in info.selected_fields:
        for name in _names(field.selections):
            if name.startswith("__") or name in _RELATION_ALIASES:
                continue
            names.add(name.removesuffix("_func"))
    return names


def nested_fields(info: Info, field_name: str) -> set[str]:
    """Stored fields selected under a child field (e.g. `role { name }`)."""
    names: set[str] = set()

    def visit(selections: Iterable[Selection]) -> None:
        for selection in selections:
            if isinstance(selection, SelectedField) and selection.name == field_name:
                names.update(
                    name.removesuffix("_func")
                    for name in _names(selection.selections)
                    if not name.startswith("__") and name not in _RELATION_ALIASES
                )
            elif isinstance(selection, (FragmentSpread, InlineFragment)):
                visit(selection.selections)

    for field in info.selected_fields:
        visit(field.selections)
    return names
