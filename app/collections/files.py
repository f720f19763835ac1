"""directus_files, as far as a user's avatar needs it (GraphQL writes and filters only
the naming fields; size and upload time are the storage's business)."""

from __future__ import annotations

from app.collections.collection import Collection
from app.collections.spec import FieldSpec, Kind, uuid_key
from app.db.models import File

STRING = Kind.STRING

FILES = Collection(
    name="directus_files",
    model=File,
    specs=(
        uuid_key(),
        FieldSpec("storage", STRING, 255, nullable=False),
        FieldSpec("filename_disk", STRING, 255),
        FieldSpec("filename_download", STRING, 255, nullable=False),
        FieldSpec("title", STRING, 255),
        FieldSpec("type", STRING, 255),
        FieldSpec("filesize", Kind.NUMBER, in_inputs=False, in_filter=False),
        FieldSpec("width", Kind.NUMBER, in_inputs=False, in_filter=False),
        FieldSpec("height", Kind.NUMBER, in_inputs=False, in_filter=False),
        FieldSpec("uploaded_on", Kind.DATE, in_inputs=False, in_filter=False),
    ),
)
