"""A declared collection, and the views of it the rest of the app reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from app.collections.spec import FieldSpec, Kind, Relation

if TYPE_CHECKING:
    from sqlalchemy import Column


@dataclass(frozen=True)
class Collection:
    """`specs` is the declaration; `fields`, `relations` and `concealed` are what the query
    engine reads (exposed fields only: internal columns are never filtered or shown)."""

    name: str
    model: type
    specs: tuple[FieldSpec, ...]
    fields: dict[str, Kind] = field(init=False)
    relations: dict[str, Relation] = field(init=False)
    concealed: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        exposed = [spec for spec in self.specs if not spec.internal]
        fields = {spec.name: spec.kind for spec in exposed if spec.kind is not Kind.O2M}
        relations = {spec.name: spec.relation for spec in exposed if spec.relation is not None}
        object.__setattr__(self, "fields", fields)
        object.__setattr__(self, "relations", relations)
        object.__setattr__(self, "concealed", self.names(lambda spec: spec.concealed))

    def column(self, name: str) -> Column[object]:
        """The field's column, or for a computed field the SQL expression computing it."""
        columns = self.model.__table__.c  # type: ignore[attr-defined]
        if name in columns:
            column: Column[object] = columns[name]
            return column
        computed: Column[object] = getattr(self.model, name).expression
        return computed

    def spec(self, name: str) -> FieldSpec:
        return next(spec for spec in self.specs if spec.name == name)

    def names(self, wanted: Callable[[FieldSpec], bool]) -> frozenset[str]:
        """The exposed fields `wanted` picks."""
        return frozenset(self.ordered(wanted))

    def ordered(self, wanted: Callable[[FieldSpec], bool]) -> tuple[str, ...]:
        """The same, in declaration order (for output that lists them)."""
        return tuple(spec.name for spec in self.specs if not spec.internal and wanted(spec))

    @property
    def searchable(self) -> list[str]:
        return list(self.ordered(_searchable))

    @cached_property
    def text_limits(self) -> dict[str, int]:
        """Longest text each bounded text column takes: checked before the database sees it."""
        return {
            spec.name: spec.max_length
            for spec in self.specs
            if not spec.internal and spec.kind is Kind.STRING and spec.max_length is not None
        }


def _searchable(spec: FieldSpec) -> bool:
    if spec.searchable is not None:
        return spec.searchable
    return spec.kind in (Kind.STRING, Kind.ID) and spec.name != "id"
