"""The project's face where users see it (the account pages, the mails): its name and
colour from the settings, checked, with Directus's defaults for what is unset.

The logo (`project_logo`, a directus_files id as Directus stores it) is kept and reported by
/server/info, but never shown: this server stores no file contents and serves no
/assets/<id>, so a link to it would be broken."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_NAME = "Directus"
DEFAULT_COLOR = "#6644FF"
HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class ProjectFace:
    name: str
    color: str

    @classmethod
    def of(cls, values: Mapping[str, Any]) -> ProjectFace:
        """From the settings' values; anything unusable falls back to the default (a colour
        goes into CSS and mail markup: only #RRGGBB passes)."""
        name = values.get("project_name")
        color = values.get("project_color")
        return cls(
            name=name.strip() if isinstance(name, str) and name.strip() else DEFAULT_NAME,
            color=color if isinstance(color, str) and HEX_COLOR.fullmatch(color) else DEFAULT_COLOR,
        )


def face_of_row(row: Any | None) -> ProjectFace:
    """The face from a directus_settings row (None: no row yet, the defaults)."""
    if row is None:
        return ProjectFace(DEFAULT_NAME, DEFAULT_COLOR)
    return ProjectFace.of({"project_name": row.project_name, "project_color": row.project_color})
