"""Fields answered without graphql-core's and Strawberry's per-field machinery.

A field with no resolver of its own (Strawberry's "basic" field: the attribute of the same
name) whose type is a scalar or enum is, in graphql-core, a path object, a resolve-info
object, a middleware lookup, an argument check, the resolver call and a completion — about
thirty calls — to read one attribute and serialize it. A list of 25 users with four
columns has a hundred of them. `LeafPlan` reads the attribute and serializes it directly,
exactly as the default resolver and `complete_leaf_value` would; anything else (a field
with a resolver, arguments, `__typename`, a null where the type forbids one, a value the
scalar refuses) goes through graphql-core as before, so its answer and its error are the
same as ever. The rows were masked by permissions before they became objects, so reading
their attributes is all a resolver would have done.

A field with a resolver of its own asked for without arguments (a user's `role`) is a
`Call`: its resolver is called as Strawberry would call it with no arguments (the source
as `self`, an Info), skipping the coercion of its six absent arguments by graphql-core and
their conversion by Strawberry, 60 calls per row; its value is completed by graphql-core.
A resolver marked `raw_arguments` is a Call with arguments too: it gets them as graphql-core
coerced them, without Strawberry's conversion — only where that conversion would change
nothing (every argument keeps its name, no enum anywhere in its input types).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    Undefined,
    get_named_type,
    is_leaf_type,
    is_required_argument,
)
from graphql.execution.collect_fields import FieldDetailsList, GroupedFieldSet
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

F = TypeVar("F", bound=Callable[..., Any])

_DEFINITION = "strawberry-definition"  # Strawberry's back-reference on a GraphQLField


class Leaf(NamedTuple):
    """How to answer one response key: `attribute` of the source, coerced by `leaf`."""

    attribute: str
    leaf: GraphQLLeafType
    non_null: bool


class Call(NamedTuple):
    """How to call a field's own resolver: `function(source, info=..., **arguments)`, with
    no arguments, or (`raw`) with the arguments as graphql-core coerced them. `by`: the
    source's attribute its answer depends on alone (see `answers_by`)."""

    function: Callable[..., Any]
    info_name: str
    field: StrawberryField
    raw: bool = False
    by: str | None = None

    def __call__(self, source: Any, info: GraphQLResolveInfo[Any], **arguments: Any) -> Any:
        strawberry_info: Info[Any, Any] = Info(_raw_info=info, _field=self.field)
        return self.function(source, **{self.info_name: strawberry_info}, **arguments)


_RAW = "_takes_raw_arguments"
_BY = "_answers_by"


def answers_by(attribute: str) -> Callable[[F], F]:
    """Marks a resolver whose answer, asked for without arguments, depends on its source
    only through `attribute` (a user's `role` on its `role_id`), within one operation and
    one field of the document. The executor then completes it once per distinct value
    where it answers at once and without error, and gives that answer to every other row
    with the same value: a page of 25 users in 3 roles completes 3 roles, not 25. The
    attribute's values must be hashable, and the answer's values plain JSON (dicts, lists,
    scalars): a reuse is a copy of its dicts and lists."""

    def mark(function: F) -> F:
        setattr(function, _BY, attribute)
        return function

    return mark


def raw_arguments(function: F) -> F:
    """Marks a resolver that takes its arguments as graphql-core coerced them (input objects
    as dicts with GraphQL names, lists, scalars) as well as Strawberry's objects: with no
    resolver middleware it is called with those, skipping Strawberry's conversion, which
    walks every field of an input type (a users filter has fifty) at each level."""
    setattr(function, _RAW, True)
    return function


# One entry per response key, in order: its Leaf or Call, or None where graphql-core answers.
LeafPlan = tuple[tuple[str, FieldDetailsList, Leaf | Call | None], ...]


def leaf_of(parent_type: GraphQLObjectType, details: FieldDetailsList) -> Leaf | Call | None:
    """The Leaf for a response key whose field is a plain attribute of leaf type, the Call
    for one whose field has a resolver taking only `self` and `info` besides optional
    arguments; both asked for without arguments (by every node of the key: they may
    differ only in directives, which collect_fields already applied); with arguments, the
    raw Call of a resolver marked `raw_arguments`."""
    node = details[0].node
    if any(detail.fragment_variable_values for detail in details):
        return None
    field_def = parent_type.fields.get(node.name.value)
    if field_def is None or field_def.subscribe is not None:
        return None  # a subscription's root field answers with its event, not its resolver
    resolve = field_def.resolve
    strawberry_field = field_def.extensions.get(_DEFINITION)
    if any(detail.node.arguments for detail in details):
        if isinstance(strawberry_field, StrawberryField) and strawberry_field.base_resolver:
            call = _call_of(strawberry_field)
            if (
                call is not None
                and getattr(call.function, _RAW, False)
                and _raw_is_as_converted(field_def, strawberry_field)
            ):
                return call._replace(raw=True, by=None)
        return None
    if isinstance(strawberry_field, StrawberryField) and strawberry_field.base_resolver:
        if any(is_required_argument(argument) for argument in field_def.args.values()):
            return None  # validation refuses the document first; nothing to shortcut
        return _call_of(strawberry_field)
    if field_def.args:
        return None
    if (
        resolve is None
        or not getattr(resolve, "_is_default", False)
        or not isinstance(strawberry_field, StrawberryField)
        or not strawberry_field.is_basic_field
        or strawberry_field.default_resolver is not getattr
    ):
        return None
    field_type = field_def.type
    non_null = isinstance(field_type, GraphQLNonNull)
    named = field_type.of_type if non_null else field_type
    if not is_leaf_type(named):
        return None
    return Leaf(strawberry_field.python_name, named, non_null)


# Per field of a schema (kept with it, so its id is not reused): worked out once, not per
# request — walking a filter's input types is two thousand calls.
_AS_CONVERTED: dict[int, tuple[GraphQLField, bool]] = {}


def _raw_is_as_converted(field_def: GraphQLField, field: StrawberryField) -> bool:
    known = _AS_CONVERTED.get(id(field_def))
    if known is None or known[0] is not field_def:
        known = _AS_CONVERTED[id(field_def)] = (field_def, _as_converted(field_def, field))
    return known[1]


def _as_converted(field_def: GraphQLField, field: StrawberryField) -> bool:
    """Whether graphql-core's coerced arguments are what the resolver would get from
    Strawberry: the same names (no argument renamed) and no enum in any input type
    (Strawberry turns enum values into its Python enums; graphql-core gives their values)."""
    if any(
        argument.graphql_name not in (None, argument.python_name) for argument in field.arguments
    ):
        return False
    seen: set[str] = set()

    def has_enum(type_: GraphQLInputType) -> bool:
        named = get_named_type(type_)
        if isinstance(named, GraphQLEnumType):
            return True
        if not isinstance(named, GraphQLInputObjectType) or named.name in seen:
            return False
        seen.add(named.name)
        return any(has_enum(inner.type) for inner in named.fields.values())

    return not any(has_enum(argument.type) for argument in field_def.args.values())


def _call_of(field: StrawberryField) -> Call | None:
    resolver = field.base_resolver
    if resolver is None or field.extensions:
        return None
    info = resolver.info_parameter
    if resolver.self_parameter is None or info is None:
        return None
    if resolver.root_parameter is not None or resolver.parent_parameter is not None:
        return None
    if not callable(resolver.wrapped_func):
        return None
    return Call(
        resolver.wrapped_func, info.name, field, by=getattr(resolver.wrapped_func, _BY, None)
    )


def plan_of(parent_type: GraphQLObjectType, fields: GroupedFieldSet) -> LeafPlan:
    return tuple(
        (response_name, details, leaf_of(parent_type, details))
        for response_name, details in fields.items()
    )


# Values that are neither errors nor awaitables, known without asking.
_PLAIN = frozenset({str, int, float, bool})

# What `leaf_value` answers when graphql-core must resolve the field itself.
ASK_GRAPHQL_CORE: Any = object()


def leaf_value(leaf: Leaf, source: Any, is_awaitable: Callable[[Any], bool]) -> Any:
    """The completed value, as the default resolver and `complete_value` give it; or
    ASK_GRAPHQL_CORE where they would raise (a null the type forbids, a value the scalar
    refuses) or wait (an awaitable): graphql-core then reports it with its path."""
    value = getattr(source, leaf.attribute)
    if value is None or value is Undefined:
        return ASK_GRAPHQL_CORE if leaf.non_null else None
    if value.__class__ not in _PLAIN and (isinstance(value, Exception) or is_awaitable(value)):
        return ASK_GRAPHQL_CORE
    try:
        coerced = leaf.leaf.coerce_output_value(value)
    except Exception:
        return ASK_GRAPHQL_CORE
    return ASK_GRAPHQL_CORE if coerced is None or coerced is Undefined else coerced
