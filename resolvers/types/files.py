"""directus_files, as far as a user's avatar needs it."""

from __future__ import annotations

import strawberry

from app.db.models import File
from resolvers.types.scalars import Date, GraphQLBigInt, iso_date


@strawberry.type(name="directus_files")
class DirectusFile:
    id: strawberry.ID
    storage: str
    filename_disk: str | None
    filename_download: str
    title: str | None
    type: str | None
    filesize: GraphQLBigInt | None
    width: int | None
    height: int | None
    uploaded_on: Date | None

    @classmethod
    def from_model(cls, row: File) -> DirectusFile:
        return cls(
            id=strawberry.ID(row.id),
            storage=row.storage,
            filename_disk=row.filename_disk,
            filename_download=row.filename_download,
            title=row.title,
            type=row.type,
            filesize=None if row.filesize is None else GraphQLBigInt(row.filesize),
            width=row.width,
            height=row.height,
            uploaded_on=iso_date(row.uploaded_on),
        )
