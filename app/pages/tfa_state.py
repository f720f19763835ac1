"""A TFA secret being set up, as the pages show it: nothing is stored until it is enabled
(as users_me_tfa_generate), so the secret travels in the enable form, CSRF-protected."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from app.pages.qr import qr_svg


@dataclass(frozen=True)
class TfaSetup:
    secret: str
    url: str
    qr: Markup

    @classmethod
    def of(cls, secret: str, url: str) -> TfaSetup:
        return cls(secret=secret, url=url, qr=qr_svg(url))
