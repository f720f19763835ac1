"""The write-side checks every collection's service shares: which rows a write may touch
(per field, per item), each written row's validation, batch limits and constraint errors."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping, Sequence, Sized
from typing import Any, Generic, TypeVar

from app.clock import Clock
from app.collections import Collection
from app.config import Settings
from app.db.engine import Database
from app.db.integrity import IntegrityError, is_foreign_key_violation, unique_field
from app.db.query.filters import filter_clause
from app.db.query.values import FilterVariables
from app.db.types import AsyncSession, Model
from app.errors import (
    ForbiddenError,
    InvalidForeignKeyError,
    InvalidPayloadError,
    RecordNotUniqueError,
)
from app.permissions.access import Access, Rule
from app.repositories import items as items_repo
from app.services.validation_rules import failed_validation

M = TypeVar("M", bound=Model)
# Per written row, the grants whose rows it was in before the write.
RowGrants = dict[str, list[Rule]]


class ItemBase(Generic[M]):
    """One collection's service: its request variables and write checks (ItemReader adds
    the reads; subclasses that collection's write rules)."""

    collection: Collection
    model: type[M]

    def __init__(self, db: Database, settings: Settings, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock

    def variables(self, access: Access) -> FilterVariables:
        accountability = access.accountability
        return FilterVariables(
            user=accountability.user, role=accountability.role, now=self._clock.now()
        )

    async def write(
        self,
        session: AsyncSession,
        change: Awaitable[object] | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> None:
        """Runs a write (a repository call) and flushes, turning constraint violations into
        Directus codes. `values` (what was written) names the value that is not unique,
        unless it is concealed (a static token is never echoed)."""
        try:
            if change is not None:
                await change
            await session.flush()
        except IntegrityError as error:
            name = self.collection.name
            if is_foreign_key_violation(error):
                raise InvalidForeignKeyError(None, name) from None
            field = unique_field(error) or "id"
            value = (values or {}).get(field)
            shown = None if value is None or field in self.collection.concealed else str(value)
            raise RecordNotUniqueError(field, name, shown) from None

    def check_batch(self, items: Sized) -> None:
        if len(items) > self._settings.max_batch_mutation:
            raise InvalidPayloadError(
                f"A batch may hold at most {self._settings.max_batch_mutation} items"
            )

    async def require_rows(
        self,
        session: AsyncSession,
        access: Access,
        rule: Rule,
        ids: Sequence[str],
        *,
        skip_missing: bool = False,
    ) -> RowGrants:
        """Every id must exist and fall inside the rows of a grant; else FORBIDDEN. Returns
        which grants allowed each row (in the order of `ids`), so that their validation (and
        no other) applies.

        `skip_missing` (a write to many ids, as Directus): for admins, ids of no row are left
        out of the answer instead of refused. Anyone else needs every id to be a row a grant
        allows (Directus's validateAccess), so a missing id is FORBIDDEN like a refused one
        and a grant holder cannot tell which ids exist."""
        variables = self.variables(access)
        parts = rule.grants()
        allowed: RowGrants = {item: [] for item in ids}
        if len(parts) == 1:
            where = filter_clause(self.collection, parts[0].filter, variables)
            for item in await items_repo.matching_ids(session, self.collection, ids, where):
                allowed[item].append(parts[0])
        else:
            # Per field, per item: the rule's rows; then, for validation, which of its
            # grants apply to each of them.
            where = filter_clause(self.collection, rule.filter, variables)
            inside = await items_repo.matching_ids(session, self.collection, ids, where)
            for grant in parts:
                if not any(part.validation for part in parts):
                    matched = inside
                else:
                    applies = filter_clause(self.collection, grant.filter, variables)
                    matched = await items_repo.matching_ids(
                        session, self.collection, list(inside), applies
                    )
                for item in matched:
                    allowed[item].append(grant)
        refused = [item for item, grants in allowed.items() if not grants]
        if not refused:
            return allowed
        if not skip_missing or not access.is_admin:
            if rule.written:
                raise ForbiddenError.fields("update", rule.written, self.collection.name)
            raise ForbiddenError()
        # An admin's rule covers every row (Access.require_fields gives FULL), so what it
        # did not match is missing: left out.
        return {item: grants for item, grants in allowed.items() if grants}

    async def check_validation(
        self,
        session: AsyncSession,
        access: Access,
        rule: Rule,
        ids: Sequence[str],
        allowed: RowGrants | None = None,
    ) -> None:
        """Each written row passes, for each written field, the validation of a grant that
        gives that field and applies to the row (checked in SQL after the write): a field
        of a grant without validation never lifts another grant's validation of its own
        fields (Directus ANDs every grant's validation over the payload)."""
        if not ids or all(not grant.validation for grant in rule.grants()):
            return
        await session.flush()
        variables = self.variables(access)
        every = list(set(ids))
        passed: dict[int, set[str]] = {}

        async def passes(grant: Rule, item: str) -> bool:
            if not grant.validation:
                return True
            key = id(grant)
            if key not in passed:
                where = filter_clause(self.collection, grant.validation, variables)
                passed[key] = await items_repo.matching_ids(session, self.collection, every, where)
            return item in passed[key]

        written: tuple[str | None, ...] = rule.written or (None,)
        for item in every:
            grants = rule.grants() if allowed is None else allowed.get(item, [])
            for name in written:
                giving = [g for g in grants if name is None or g.allows_fields([name])]
                failing: Mapping[str, Any] | None = None
                for grant in giving:
                    if await passes(grant, item):
                        break
                    failing = grant.validation
                else:
                    if failing is None:
                        raise ForbiddenError()
                    raise failed_validation(failing)
