"""Local users for identities an external provider vouches for (OpenID, OAuth2, LDAP).

A user is found by `external_identifier` (case-insensitive, as Directus), and only ever within
the provider that created it: the same identifier from another provider is refused rather than
linked. Never linked by email either, so registering an address at a provider does not open
someone else's account here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from app.collections import USERS
from app.db.engine import Database
from app.db.integrity import IntegrityError, unique_field
from app.db.models import User
from app.db.types import AsyncSession
from app.errors import DirectusError, InvalidCredentialsError, RecordNotUniqueError
from app.repositories import roles as roles_repo
from app.repositories import users as users_repo
from app.services.payloads import valid_email

logger = logging.getLogger("app.sso")

_LIMITS = USERS.text_limits
IDENTIFIER_LENGTH = _LIMITS["external_identifier"]


@dataclass(frozen=True)
class ExternalProfile:
    """What a provider says about a person."""

    provider: str
    identifier: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class LinkRules:
    """How a provider's logins treat local users."""

    create: bool  # may a first login create the user
    default_role: str | None
    sync_profile: bool  # overwrite email and names on every login
    role: str | None = None  # a role decided by the provider (LDAP groups), set on every login
    set_role: bool = False
    auth_data: dict[str, Any] | None = None  # replaces the stored auth_data when given

    @property
    def decided_role(self) -> str | None:
        """The provider's role when it decides one, else the default role."""
        return (self.role if self.set_role else None) or self.default_role


class ExternalUsers:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def find(self, provider: str, identifier: str) -> User | None:
        """The provider's user with this identifier; another provider's is refused."""
        async with self._db.read() as session:
            user = await users_repo.get_by_external_identifier(session, identifier)
        if user is not None and user.provider != provider:
            logger.warning(
                "Identifier of provider %s belongs to a %s user", provider, user.provider
            )
            raise InvalidCredentialsError()
        return user

    async def link(self, profile: ExternalProfile, rules: LinkRules) -> User:
        """The local user for `profile`: updated when known, created when allowed."""
        if not profile.identifier or len(profile.identifier) > IDENTIFIER_LENGTH:
            raise InvalidCredentialsError()
        try:
            async with self._db.write() as session:
                user = await users_repo.get_by_external_identifier(session, profile.identifier)
                if user is None:
                    if not rules.create:
                        logger.info(
                            "No user for provider %s, and registration is off", profile.provider
                        )
                        raise InvalidCredentialsError()
                    user = User(
                        provider=profile.provider,
                        external_identifier=profile.identifier,
                        status="active",
                        password=None,
                        role=await self._existing_role(session, rules.decided_role),
                        **_profile_values(profile),
                        auth_data=rules.auth_data,
                    )
                    if user.email and await users_repo.get_by_email(session, user.email):
                        raise RecordNotUniqueError("email")
                    await users_repo.add(session, user)
                    return user
                if user.provider != profile.provider:
                    raise InvalidCredentialsError()
                values: dict[str, Any] = {}
                if rules.auth_data is not None:
                    values["auth_data"] = rules.auth_data
                if rules.sync_profile:
                    values.update(_profile_values(profile))
                    other = (
                        await users_repo.get_by_email(session, values["email"])
                        if values.get("email")
                        else None
                    )
                    if other is not None and other.id != user.id:
                        values.pop("email")  # someone else has it here: keep ours
                if rules.set_role:
                    values["role"] = await self._existing_role(session, rules.decided_role)
                if values:
                    await users_repo.update_values(session, user.id, **values)
                    await session.refresh(user)
                return user
        except IntegrityError as error:  # a concurrent first login of the same person
            field = unique_field(error)
            logger.warning("Could not link a %s user: %s is taken", profile.provider, field)
            raise RecordNotUniqueError(field or "external_identifier") from None

    async def role_named(self, names: tuple[str, ...]) -> str | None:
        """The id of the first role (by name) whose name is one of `names`."""
        if not names:
            return None
        async with self._db.read() as session:
            roles = await roles_repo.get_by_names(session, names)
        return roles[0].id if roles else None

    @staticmethod
    async def _existing_role(session: AsyncSession, role_id: str | None) -> str | None:
        if role_id is None:
            return None
        found = await roles_repo.get_many(session, [role_id])
        if not found:
            logger.warning("DEFAULT_ROLE_ID %s names no role: the user gets none", role_id)
            return None
        return role_id


def _profile_values(profile: ExternalProfile) -> dict[str, Any]:
    try:
        email = valid_email(profile.email) if profile.email else None
    except DirectusError:
        email = None  # a provider's odd address is not worth refusing the login for
    return {
        "email": email,
        "first_name": (profile.first_name or None) and profile.first_name[: _LIMITS["first_name"]],
        "last_name": (profile.last_name or None) and profile.last_name[: _LIMITS["last_name"]],
    }
