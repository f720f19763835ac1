"""Each system collection declared once (see spec.py), and the registry of them."""

from __future__ import annotations

from app.collections.activity import ACTIVITY
from app.collections.collection import Collection
from app.collections.files import FILES
from app.collections.permissions import PERMISSIONS
from app.collections.policies import ACCESS, POLICIES
from app.collections.roles import ROLES
from app.collections.sessions import COMPUTED_FIELDS, SESSIONS
from app.collections.settings import SETTINGS
from app.collections.spec import FieldSpec, Kind, Relation
from app.collections.users import USERS

COLLECTIONS: dict[str, Collection] = {
    collection.name: collection
    for collection in (
        USERS,
        ROLES,
        PERMISSIONS,
        POLICIES,
        ACCESS,
        SETTINGS,
        FILES,
        ACTIVITY,
        SESSIONS,
    )
}

__all__ = [
    "ACCESS",
    "ACTIVITY",
    "COLLECTIONS",
    "COMPUTED_FIELDS",
    "FILES",
    "PERMISSIONS",
    "POLICIES",
    "ROLES",
    "SESSIONS",
    "SETTINGS",
    "USERS",
    "Collection",
    "FieldSpec",
    "Kind",
    "Relation",
]
