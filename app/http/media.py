"""Content negotiation: who is a browser (GET /graphql/system serves it GraphiQL; the
registration's verification link redirects it to a page)."""

from __future__ import annotations

HTML = "text/html"
JSON = "application/json"


def _ranges(accept: str) -> dict[str, float]:
    """Each media range of an Accept header with its quality (absent: 1; unreadable: 0)."""
    ranges: dict[str, float] = {}
    for part in accept.split(","):
        media, *parameters = (piece.strip() for piece in part.split(";"))
        if not media:
            continue
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 0.0
        ranges[media.lower()] = max(quality, ranges.get(media.lower(), 0.0))
    return ranges


def _quality(ranges: dict[str, float], media: str) -> float:
    """The quality the most specific matching range gives `media` (RFC 9110 §12.5.1)."""
    kind = media.split("/")[0]
    for candidate in (media, f"{kind}/*", "*/*"):
        if candidate in ranges:
            return ranges[candidate]
    return 0.0


def prefers_html(accept: str) -> bool:
    """A browser names text/html and ranks it at least as high as JSON; a client that
    accepts anything (`*/*`, curl's and fetch's default) or asks for JSON is no browser."""
    ranges = _ranges(accept)
    html = ranges.get(HTML, 0.0)
    return html > 0 and html >= _quality(ranges, JSON)
