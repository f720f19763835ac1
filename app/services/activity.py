"""The audit trail, read-only: admins (or roles granted directus_activity) may read it."""

from __future__ import annotations

from app.collections import ACTIVITY
from app.db.models import Activity
from app.services.items import ItemReader


class ActivityService(ItemReader[Activity]):
    collection = ACTIVITY
    model = Activity
