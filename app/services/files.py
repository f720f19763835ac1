"""directus_files, read-only here: enough for a user's avatar."""

from __future__ import annotations

from app.collections import FILES
from app.db.models import File
from app.services.items import ItemReader


class FilesService(ItemReader[File]):
    collection = FILES
    model = File
