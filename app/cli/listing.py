"""`dauth users list`, `users delete` and `roles list`: what an operator reads and removes
from the server's shell, through the same services (and rules) as the API."""

from __future__ import annotations

from app.cli.runtime import operator_access, services_for
from app.config import Settings
from app.db.query.item_query import ItemQuery
from app.errors import InvalidPayloadError
from app.services.container import Services

ALL = ItemQuery(limit=-1)


async def role_names(services: Services) -> dict[str, str]:
    rows = await services.roles.read_many(operator_access(), ALL, {"id", "name"})
    return {row.id: row.name for row in rows}


async def role_id(services: Services, role: str) -> str:
    """A role given by id or by name; a name several roles share is refused, naming their
    ids (Directus does not keep role names unique)."""
    rows = await services.roles.read_many(
        operator_access(),
        ItemQuery(filter={"_or": [{"id": {"_eq": role}}, {"name": {"_eq": role}}]}, limit=-1),
        {"id", "name"},
    )
    exact = [row for row in rows if row.id == role]
    if exact:
        return exact[0].id
    if not rows:
        raise InvalidPayloadError(f'No role has the id or name "{role}"')
    if len(rows) > 1:
        ids = ", ".join(sorted(row.id for row in rows))
        raise InvalidPayloadError(f'Several roles are called "{role}" ({ids}); give the id')
    return rows[0].id


async def list_users(settings: Settings) -> int:
    async with services_for(settings) as services:
        names = await role_names(services)
        users = await services.users.read_many(
            operator_access(),
            ItemQuery(sort=["email"], limit=-1),
            {"id", "email", "status", "role"},
        )
    for user in users:
        role = names.get(user.role, user.role) if user.role else "(no role)"
        print(f"{user.id}  {user.email or '(no email)'}  {user.status}  {role}")
    print(f"{len(users)} user{'' if len(users) == 1 else 's'}.")
    return 0


async def delete_user(settings: Settings, email: str) -> int:
    async with services_for(settings) as services:
        user_id = await services.users.id_by_email(email)
        if user_id is None:
            raise InvalidPayloadError(f'No user has the email "{email}"')
        await services.users.delete_many(operator_access(), [user_id])
    print(f"Deleted user {email} ({user_id}); their sessions have ended.")
    return 0


async def list_roles(settings: Settings) -> int:
    async with services_for(settings) as services:
        roles = await services.roles.read_many(
            operator_access(), ItemQuery(sort=["name"], limit=-1), {"id", "name"}
        )
    for role in roles:
        print(f"{role.id}  {role.name}")
    print(f"{len(roles)} role{'' if len(roles) == 1 else 's'}.")
    return 0
