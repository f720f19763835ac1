"""The vocabulary a system collection is declared in: one `FieldSpec` per field.

Everything else that lists a collection's fields (the query engine's kinds and relations,
concealed and admin-only fields, the own-profile grant, text limits, JSON fields, REST
`fields=*`, the Directus importer) reads it from here; the ORM models and the GraphQL types
are checked against it by tests/unit/test_collection_declarations.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Kind(enum.Enum):
    """What a field holds, as the query engine compares it."""

    STRING = "string"
    ID = "id"  # a 36-character UUID string (an m2o column is one too)
    HASH = "hash"  # concealed: read back as "**********", never filtered on its value
    DATE = "date"
    BOOLEAN = "boolean"
    NUMBER = "number"
    JSON = "json"
    CSV = "csv"  # a list of strings, stored as JSON
    O2M = "o2m"  # no column of its own: the target's rows pointing here


@dataclass(frozen=True)
class Relation:
    """m2o: local column holds the target's id; o2m: the target's column holds ours."""

    target: str
    many: bool
    column: str
    # o2m only: the target's rows that also have this column set (a policy's `users` are
    # its access rows that name a user).
    present: str | None = None


@dataclass(frozen=True)
class FieldSpec:
    """One field. `max_length` is the column's String length (None: unbounded text).
    `internal` columns (lockout counters, the rotation chain) are bookkeeping, never exposed;
    they are declared so the model check stays total."""

    name: str
    kind: Kind
    max_length: int | None = None
    nullable: bool = True
    relation: Relation | None = None
    # None: by kind (text and ids other than the primary key are searched).
    searchable: bool | None = None
    # Stored as the sha256 of the clear value (static tokens): written and imported hashed.
    digest: bool = False
    # Only administrators may write it, whatever a permission grants (how a user signs in).
    admin_only: bool = False
    # An app user may change it on their own record by default (Directus's own-profile grant).
    app_editable: bool = False
    # Anyone may read it, whatever a public permission grants (the project's face).
    public: bool = False
    internal: bool = False
    # No column of its own: the model computes it from other tables (a column property).
    computed: bool = False
    # In the GraphQL create/update inputs and in the collection's GraphQL filter.
    in_inputs: bool = True
    in_filter: bool = True

    @property
    def concealed(self) -> bool:
        return self.kind is Kind.HASH


def m2o(name: str, target: str, *, nullable: bool = True, app_editable: bool = False) -> FieldSpec:
    """A many-to-one: a 36-character id column with a foreign key to `target`."""
    relation = Relation(target=target, many=False, column=name)
    return FieldSpec(
        name, Kind.ID, 36, nullable=nullable, relation=relation, app_editable=app_editable
    )


def o2m(name: str, target: str, via: str, *, present: str | None = None) -> FieldSpec:
    """`via`: the target's m2o column that points back here; `present`: see Relation."""
    relation = Relation(target=target, many=True, column=via, present=present)
    return FieldSpec(name, Kind.O2M, relation=relation)


def uuid_key() -> FieldSpec:
    return FieldSpec("id", Kind.ID, 36, nullable=False)
