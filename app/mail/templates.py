"""Mail bodies from templates the operator can override (EMAIL_TEMPLATES_PATH).

A template is `<name>.txt` (plain text) and `<name>.html`, with `$variables`
(string.Template). Values are HTML-escaped in the HTML part.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from string import Template

DEFAULTS = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class RenderedBody:
    text: str
    html: str


class TemplateStore:
    def __init__(self, override_folder: str | None) -> None:
        self._folders = [Path(override_folder)] if override_folder else []
        self._folders.append(DEFAULTS)

    def _read(self, filename: str) -> str:
        for folder in self._folders:
            path = folder / filename
            if path.is_file():
                return path.read_text(encoding="utf-8")
        raise FileNotFoundError(filename)

    def render(self, name: str, values: dict[str, str]) -> RenderedBody:
        escaped = {key: html.escape(value) for key, value in values.items()}
        return RenderedBody(
            text=Template(self._read(f"{name}.txt")).safe_substitute(values),
            html=Template(self._read(f"{name}.html")).safe_substitute(escaped),
        )
