"""Which fields a query asks for, so permissions can be checked before reading.

Read off graphql-core's nodes of the document, not Strawberry's `info.selected_fields`:
that converts the whole subtree, arguments and variables included, on every call (a
`users_me { … role { … } }` asked for it twice per request), to read only names.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    SelectionNode,
)

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


Fragments = Mapping[str, FragmentDefinitionNode]


def _children(node: FieldNode) -> Iterable[SelectionNode]:
    return () if node.selection_set is None else node.selection_set.selections


def _fields(selections: Iterable[SelectionNode], fragments: Fragments) -> Iterator[FieldNode]:
    """The fields of a selection set, through fragments and inline fragments."""
    for selection in selections:
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set.selections, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None:
                yield from _fields(fragment.selection_set.selections, fragments)


def _stored(fields: Iterable[FieldNode]) -> set[str]:
    names: set[str] = set()
    for field in fields:
        name = field.name.value
        if name.startswith("__") or name in _RELATION_ALIASES:
            continue
        names.add(name.removesuffix("_func"))
    return names


def requested_fields(info: Info) -> set[str]:
    """Stored fields selected under the current field: `tags_func` counts as `tags`."""
    raw = info._raw_info
    fragments = raw.fragments
    return _stored(
        child for node in raw.field_nodes for child in _fields(_children(node), fragments)
    )


def nested_fields(info: Info, field_name: str) -> set[str]:
    """Stored fields selected under a child field (e.g. `role { name }`)."""
    raw = info._raw_info
    fragments = raw.fragments
    return _stored(
        grandchild
        for node in raw.field_nodes
        for child in _fields(_children(node), fragments)
        if child.name.value == field_name
        for grandchild in _fields(_children(child), fragments)
    )


def child_selections(info: Info, field_name: str) -> list[set[str]]:
    """Per response key of a child field asked for without arguments (`role { name }`,
    `r: role { id }`), the stored fields selected under it: what `requested_fields` gives
    that child's own resolver, directives aside."""
    raw = info._raw_info
    fragments = raw.fragments
    groups: dict[str, list[FieldNode]] = {}
    for node in raw.field_nodes:
        for child in _fields(_children(node), fragments):
            if child.name.value == field_name and not child.arguments:
                key = child.alias.value if child.alias else field_name
                groups.setdefault(key, []).append(child)
    return [
        _stored(
            grandchild for child in group for grandchild in _fields(_children(child), fragments)
        )
        for group in groups.values()
    ]
