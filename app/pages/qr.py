"""The QR code of a TFA secret's otpauth:// URL, drawn on the server as inline SVG markup:
no script, no request to another site, nothing for the CSP to allow."""

from __future__ import annotations

import segno
from markupsafe import Markup

TITLE = "QR code for your authenticator app"


def qr_svg(url: str) -> Markup:
    """The SVG element (white quiet zone included, so any scanner reads it); the page's CSS
    gives its size. segno writes only paths and the escaped title: safe as markup."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=4,
        border=4,
        dark="#000",
        light="#fff",
        title=TITLE,
        svgclass="qr-code",
        lineclass=None,
        omitsize=True,
    )
    labelled = svg.replace("<svg ", f'<svg role="img" aria-label="{TITLE}" ', 1)
    return Markup(labelled)  # noqa: S704 (segno's paths and our constant title, no input)
