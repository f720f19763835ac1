"""The schema a caller sees: the full one, less what its permissions do not give.

As Directus: a root field exists when the caller has its action on its collection (read:
the lists, `_by_id`, `_aggregated`, `_me`, the subscription; create/update/delete: the
mutations), object, filter and aggregate types carry only the readable fields, create and
update inputs only the creatable and updatable ones, and a type nobody can reach is gone.
Authentication, registration, invitations' acceptance, TFA and `server_*` stay for all.

The schemas are graphql-core copies of the full one with fewer fields and the same
resolvers, made once per distinct permission signature (`Access.signature`) and kept in
a bounded LRU. The signature comes from the grants read for each request, so a change of
permissions, policies, access rows or roles, made on any instance, gives the next request
a new signature and so a new schema: nothing needs to be invalidated.

Requests are still executed against the full schema (the resolvers enforce permissions as
before); only validation, and documents that introspect, use the caller's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from typing import Any, cast
from weakref import WeakKeyDictionary

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FieldNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    OperationDefinitionNode,
    OperationType,
    get_named_type,
)

from app.accountability import Accountability
from app.collections import (
    ACCESS,
    ACTIVITY,
    COMPUTED_FIELDS,
    FILES,
    PERMISSIONS,
    POLICIES,
    ROLES,
    SETTINGS,
    USERS,
)
from app.permissions.access import Access, Action

# The collections the schema has types for.
_COLLECTIONS = frozenset(
    c.name for c in (USERS, ROLES, SETTINGS, ACTIVITY, FILES, POLICIES, ACCESS, PERMISSIONS)
)
# Root fields every caller has, whatever its permissions (as Directus's public).
ALWAYS = frozenset(
    {
        "server_ping",
        "server_info",
        "auth_login",
        "auth_refresh",
        "auth_logout",
        "auth_password_request",
        "auth_password_reset",
        "users_invite_accept",
        "users_register",
        "users_register_verify",
        "users_me_tfa_generate",
        "users_me_tfa_enable",
        "users_me_tfa_disable",
    }
)
# Passkeys (an addition to Directus): every caller has them, as the TFA mutations; the
# users_me_* ones answer null to the public.
PASSKEYS_API = frozenset(
    {
        "auth_passkey_options",
        "auth_login_passkey",
        "users_me_passkeys",
        "users_me_passkey_register_options",
        "users_me_passkey_register",
        "users_me_passkey_rename",
        "users_me_passkey_delete",
    }
)
ALWAYS = ALWAYS | PASSKEYS_API
_ROOT_COLLECTIONS = {
    "users": USERS.name,
    "roles": ROLES.name,
    "settings": SETTINGS.name,
    "activity": ACTIVITY.name,
    "policies": POLICIES.name,
    "access": ACCESS.name,
    "permissions": PERMISSIONS.name,
}
_SPECIAL_ROOTS: dict[str, tuple[str, Action]] = {
    "users_me": (USERS.name, "read"),
    "roles_me": (ROLES.name, "read"),
    "update_users_me": (USERS.name, "update"),
    "update_settings": (SETTINGS.name, "update"),
    # Directus: inviting creates the user.
    "users_invite": (USERS.name, "create"),
    "directus_users_mutated": (USERS.name, "read"),
    # As Directus 11/12 measured (tests/fixtures/directus11/measured.json): a caller that
    # may read policies has its globals; one that may read permissions, its permissions.
    "policies_me_globals": (POLICIES.name, "read"),
    "permissions_me": (PERMISSIONS.name, "read"),
    "directus_policies_mutated": (POLICIES.name, "read"),
    "directus_access_mutated": (ACCESS.name, "read"),
    "directus_permissions_mutated": (PERMISSIONS.name, "read"),
}
# The sessions API (no collection of its own): a signed-in caller's own sessions; admins'
# root fields and the computed fields (a user's `sessions`), which admins (served the full
# schema) alone see.
SIGNED_IN = frozenset({"users_me_sessions", "users_me_sessions_revoke"})
ADMINS_ONLY = frozenset({"users_sessions_revoke"})
_ROOT_PATTERN = re.compile(
    r"^(?:(?P<action>create|update|delete)_(?P<m>[a-z]+)_(?:item|items|batch)"
    r"|(?P<q>[a-z]+)(?:_by_id|_aggregated)?)$"
)
# Fields of the collections' types that are no collection field.
_STRUCTURAL = frozenset({"_and", "_or", "_some", "_none"})
# Where a caller's document may be introspecting (a literal may match too: harmless).
_INTROSPECTION = re.compile(r"\b__(?:schema|type)\b")

Rule = tuple[str, Action, bool]  # collection, action, whether every field is structural
Composite = GraphQLObjectType | GraphQLInputObjectType


def root_rule(name: str) -> tuple[str, Action] | None:
    """The (collection, action) a root field needs; None: every caller has it. An
    unclassified root field is a programming error: it must not slip into every schema."""
    if name in ALWAYS:
        return None
    if name in _SPECIAL_ROOTS:
        return _SPECIAL_ROOTS[name]
    match = _ROOT_PATTERN.match(name)
    if match is not None:
        if match["action"] and match["m"] in _ROOT_COLLECTIONS:
            return _ROOT_COLLECTIONS[match["m"]], cast("Action", match["action"])
        if match["q"] in _ROOT_COLLECTIONS:
            return _ROOT_COLLECTIONS[match["q"]], "read"
    raise LookupError(f"root field {name!r} has no permission rule")


def type_rule(name: str) -> Rule | None:
    """The permission a collection's type stands for; None for types of no collection."""
    if name in _COLLECTIONS:
        return name, "read", False
    for prefix, action in (("create_", "create"), ("update_", "update")):
        if name.startswith(prefix) and name.endswith("_input"):
            collection = name[len(prefix) : -len("_input")]
            if collection in _COLLECTIONS:
                return collection, cast("Action", action), False
    for suffix, structural in (
        ("_aggregated_count", False),
        ("_quantifier_filter", False),
        ("_filter", False),
        ("_aggregated", True),
        ("_mutated", True),
    ):
        if name.endswith(suffix) and name[: -len(suffix)] in _COLLECTIONS:
            return name[: -len(suffix)], "read", structural
    return None


def _field_allowed(field: str, allowed: frozenset[str] | None) -> bool:
    if allowed is None or field in _STRUCTURAL or field in allowed:
        return True
    # `tags_func`, `users_func`: the function of a field goes with the field.
    return field.endswith("_func") and field[: -len("_func")] in allowed


def _first_cut(schema: GraphQLSchema, access: Access) -> dict[str, list[str]]:
    """Per object and input type, the fields the permissions give (before following
    which types are left)."""
    roots = {
        t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t
    }
    kept: dict[str, list[str]] = {}
    for name, named in schema.type_map.items():
        if name.startswith("__") or not isinstance(named, Composite):
            continue
        fields = list(named.fields)
        if name in roots:
            kept[name] = [f for f in fields if _root_allowed(f, access)]
            continue
        fields = [f for f in fields if f not in COMPUTED_FIELDS.get(name, ())]
        rule = type_rule(name)
        if rule is None:
            kept[name] = fields
        elif not access.has(rule[0], rule[1]):
            kept[name] = []
        elif rule[2]:
            kept[name] = fields
        else:
            allowed = access.granted_fields(rule[0], rule[1])
            if rule[1] == "update" and allowed is not None:
                # The key names the row to change (update_users_batch); it is not written.
                allowed = allowed | {"id"}
            kept[name] = [f for f in fields if _field_allowed(f, allowed)]
    return kept


def _root_allowed(field: str, access: Access) -> bool:
    if field in SIGNED_IN:
        return not access.accountability.is_public
    if field in ADMINS_ONLY:
        return access.is_admin
    rule = root_rule(field)
    return rule is None or access.has(*rule)


def _field_alive(
    field: GraphQLField | GraphQLInputField, alive: set[str], composite: set[str]
) -> bool:
    """Its type is left, and so is every required argument's."""
    named = get_named_type(field.type)
    if named.name in composite and named.name not in alive:
        return False
    if isinstance(field, GraphQLField):
        for argument in field.args.values():
            arg_type = get_named_type(argument.type)
            dead = arg_type.name in composite and arg_type.name not in alive
            if dead and isinstance(argument.type, GraphQLNonNull):
                return False
    return True


def plan(schema: GraphQLSchema, access: Access) -> dict[str, list[str]]:
    """The object and input types left for this caller, each with its fields: a type
    without fields goes, and with it the fields (and required arguments) of its type."""
    kept = _first_cut(schema, access)
    composite = set(kept)
    changed = True
    while changed:
        changed = False
        alive = {name for name, fields in kept.items() if fields}
        for name, fields in kept.items():
            named = cast("Composite", schema.type_map[name])
            left = [f for f in fields if _field_alive(named.fields[f], alive, composite)]
            if len(left) != len(fields):
                kept[name] = left
                changed = True
    return {name: fields for name, fields in kept.items() if fields}


def derive(schema: GraphQLSchema, access: Access) -> GraphQLSchema:
    """A copy of `schema` with only what `access` gives; same resolvers, scalars, enums."""
    keep = plan(schema, access)
    built: dict[str, GraphQLNamedType] = {}

    def ref(of: GraphQLType) -> Any:
        if isinstance(of, GraphQLNonNull):
            return GraphQLNonNull(ref(of.of_type))
        if isinstance(of, GraphQLList):
            return GraphQLList(ref(of.of_type))
        named = cast("GraphQLNamedType", of)
        return built.get(named.name, named)

    def alive(of: GraphQLType) -> bool:
        named = get_named_type(of)
        return not isinstance(named, Composite) or named.name in keep

    def object_fields(
        source: GraphQLObjectType, names: list[str]
    ) -> Callable[[], dict[str, GraphQLField]]:
        def fields() -> dict[str, GraphQLField]:
            made: dict[str, GraphQLField] = {}
            for name in names:
                field = source.fields[name]
                args = {
                    arg_name: GraphQLArgument(
                        **{**argument.to_kwargs(), "type_": ref(argument.type)}
                    )
                    for arg_name, argument in field.args.items()
                    if alive(argument.type)
                }
                made[name] = GraphQLField(
                    **{**field.to_kwargs(), "type_": ref(field.type), "args": args}
                )
            return made

        return fields

    def input_fields(
        source: GraphQLInputObjectType, names: list[str]
    ) -> Callable[[], dict[str, GraphQLInputField]]:
        def fields() -> dict[str, GraphQLInputField]:
            return {
                name: GraphQLInputField(
                    **{**source.fields[name].to_kwargs(), "type_": ref(source.fields[name].type)}
                )
                for name in names
            }

        return fields

    for name, names in keep.items():
        source = schema.type_map[name]
        kwargs: dict[str, Any] = dict(cast("Composite", source).to_kwargs())
        if isinstance(source, GraphQLObjectType):
            if source.interfaces:
                raise NotImplementedError(f"{name}: interfaces are not filtered")
            built[name] = GraphQLObjectType(**{**kwargs, "fields": object_fields(source, names)})
        elif isinstance(source, GraphQLInputObjectType):
            built[name] = GraphQLInputObjectType(
                **{**kwargs, "fields": input_fields(source, names)}
            )

    def root(of: GraphQLObjectType | None) -> GraphQLObjectType | None:
        return None if of is None else cast("GraphQLObjectType | None", built.get(of.name))

    derived = GraphQLSchema(
        query=root(schema.query_type),
        mutation=root(schema.mutation_type),
        subscription=root(schema.subscription_type),
        directives=schema.directives,
        description=schema.description,
        extensions=schema.extensions,
    )
    # Strawberry's resolvers find their schema through this attribute.
    derived._strawberry_schema = getattr(schema, "_strawberry_schema", None)  # type: ignore[attr-defined]
    return derived


def schema_key(access: Access) -> Hashable:
    """What a caller's schema depends on: its grants' signature, and whether it is signed
    in (the sessions API's roots depend on that, which grants do not tell). Equal keys,
    equal schemas: documents and templates valid for one are valid for the other."""
    return (access.signature, access.accountability.is_public)


class CallerSchemas:
    """The schemas of one full schema's callers: the floor (what every caller has) and
    one per permission signature, in a bounded LRU. Admins get the full schema."""

    def __init__(self, full: GraphQLSchema, maxsize: int = 64) -> None:
        self.full = full
        self.floor = derive(full, Access(Accountability(), []))
        self.floor_roots: Mapping[OperationType, frozenset[str]] = {
            operation: frozenset(root_type.fields) | {"__typename"}
            for operation, root_type in (
                (OperationType.QUERY, self.floor.query_type),
                (OperationType.MUTATION, self.floor.mutation_type),
                (OperationType.SUBSCRIPTION, self.floor.subscription_type),
            )
            if root_type is not None
        }
        self._schemas: LRUCache[Hashable, GraphQLSchema] = LRUCache(maxsize)

    def of(self, access: Access) -> GraphQLSchema:
        if access.is_admin:
            return self.full
        signature = schema_key(access)
        schema = self._schemas.get(signature)
        if schema is None:
            schema = self._schemas[signature] = derive(self.full, access)
        return schema

    def everyones(self, document: DocumentNode) -> bool:
        """Every operation selects only root fields that every caller has (so the floor
        may validate it: if it passes there it passes in every caller's schema)."""
        for definition in document.definitions:
            if not isinstance(definition, OperationDefinitionNode):
                continue
            roots = self.floor_roots.get(definition.operation)
            if roots is None:
                return False
            for selection in definition.selection_set.selections:
                if not isinstance(selection, FieldNode) or selection.name.value not in roots:
                    return False
        return True


def introspects(query: str | None) -> bool:
    """Whether a document may ask for `__schema` or `__type` (answered from the caller's
    schema); `__typename` does not count."""
    return query is None or _INTROSPECTION.search(query) is not None


_BY_SCHEMA: WeakKeyDictionary[GraphQLSchema, CallerSchemas] = WeakKeyDictionary()


def caller_schemas(full: GraphQLSchema) -> CallerSchemas:
    """The one CallerSchemas of a full schema (schemas are shared by apps of equal limits)."""
    found = _BY_SCHEMA.get(full)
    if found is None:
        found = _BY_SCHEMA[full] = CallerSchemas(full)
    return found
