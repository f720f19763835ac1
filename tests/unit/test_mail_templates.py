"""Mail bodies from templates ($variables, HTML escaping, operator overrides) and the composer."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.mail.mailer import MailComposer
from app.mail.templates import DEFAULTS, TemplateStore

TEMPLATES = ["password-reset", "user-invitation", "user-registration"]
URL = "https://cms.example.com/admin/reset-password?token=abc.def-ghi"
# What AccountMail passes (app/services/account_mail.py); operators' templates may use only
# the first three, as before.
VALUES = {
    "url": URL,
    "email": "ada@example.com",
    "project_name": "Acme CMS",
    "project_color": "#0A7C3E",
    "valid_for": "1 day",
}


@pytest.mark.parametrize("name", TEMPLATES)
def test_each_default_template_has_both_parts(name: str) -> None:
    assert (DEFAULTS / f"{name}.txt").is_file()
    assert (DEFAULTS / f"{name}.html").is_file()


@pytest.mark.parametrize("name", TEMPLATES)
def test_default_templates_fill_in_every_variable(name: str) -> None:
    body = TemplateStore(None).render(name, VALUES)
    assert URL in body.text
    assert "Acme CMS" in body.text
    assert "Acme CMS" in body.html
    assert "$" not in body.text
    assert "$" not in body.html
    assert body.html.lstrip().lower().startswith("<!doctype html>")


@pytest.mark.parametrize("name", TEMPLATES)
def test_link_in_html_is_the_escaped_url(name: str) -> None:
    url = "https://app.example.com/x?lang=en&token=abc"
    body = TemplateStore(None).render(name, {**VALUES, "url": url})
    assert 'href="https://app.example.com/x?lang=en&amp;token=abc"' in body.html
    assert url in body.text


def test_password_reset_mentions_the_account_address() -> None:
    body = TemplateStore(None).render("password-reset", VALUES)
    assert "ada@example.com" in body.text
    assert "ada@example.com" in body.html


def test_values_are_html_escaped_in_the_html_part_only() -> None:
    hostile = '<script>alert("x")</script> & co'
    body = TemplateStore(None).render("user-invitation", {**VALUES, "project_name": hostile})
    assert "<script>" not in body.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co" in body.html
    assert hostile in body.text


def test_quotes_in_a_url_cannot_break_out_of_the_href() -> None:
    url = 'https://cms.example.com/a?token=x" onclick="evil()'
    body = TemplateStore(None).render("password-reset", {**VALUES, "url": url})
    assert 'onclick="evil()"' not in body.html
    assert "&quot; onclick=&quot;evil()" in body.html


def test_dollar_signs_in_values_are_not_substituted_again() -> None:
    body = TemplateStore(None).render("user-registration", {**VALUES, "project_name": "$url"})
    assert "Thanks for registering with $url." in body.text


def test_operator_override_folder_wins(tmp_path: Path) -> None:
    (tmp_path / "password-reset.txt").write_text("Custom text for $email: $url\n")
    (tmp_path / "password-reset.html").write_text('<p>Custom <a href="$url">$project_name</a></p>')
    body = TemplateStore(str(tmp_path)).render("password-reset", VALUES)
    assert body.text == f"Custom text for ada@example.com: {URL}\n"
    assert body.html == (
        '<p>Custom <a href="https://cms.example.com/admin/reset-password?token=abc.def-ghi">'
        "Acme CMS</a></p>"
    )


def test_override_of_one_part_keeps_the_default_for_the_other(tmp_path: Path) -> None:
    (tmp_path / "user-invitation.txt").write_text("Join $project_name: $url")
    store = TemplateStore(str(tmp_path))
    body = store.render("user-invitation", VALUES)
    assert body.text == f"Join Acme CMS: {URL}"
    assert body.html == TemplateStore(None).render("user-invitation", VALUES).html


def test_override_folder_without_the_template_falls_back_to_defaults(tmp_path: Path) -> None:
    overridden = TemplateStore(str(tmp_path)).render("user-registration", VALUES)
    assert overridden == TemplateStore(None).render("user-registration", VALUES)


def test_unknown_template_is_an_error() -> None:
    with pytest.raises(FileNotFoundError):
        TemplateStore(None).render("no-such-template", VALUES)


def test_composer_builds_a_multipart_message_from_the_template() -> None:
    composer = MailComposer(TemplateStore(None), "cms@example.com")
    message = composer.compose(
        to="ada@example.com",
        subject="Password Reset Request",
        template="password-reset",
        values=VALUES,
    )
    assert message["From"] == "cms@example.com"
    assert message["To"] == "ada@example.com"
    assert message["Subject"] == "Password Reset Request"
    assert str(message["Message-ID"]).endswith("@example.com>")
    assert message.get_content_type() == "multipart/alternative"
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert plain is not None
    assert rich is not None
    assert URL in str(plain.get_content())
    assert "Reset your password" in str(rich.get_content())


def test_the_recovery_code_mail_fills_in_every_variable() -> None:
    """RecoveryCodes passes these (app/services/recovery_codes.py): no link, the count left."""
    values = {
        "email": "ada@example.com",
        "project_name": "Acme <CMS>",
        "project_color": "#0A7C3E",
        "remaining": "7",
    }
    body = TemplateStore(None).render("tfa-recovery-code-used", values)
    assert "Recovery codes left: 7" in body.text
    assert "Acme <CMS>" in body.text
    assert "Acme &lt;CMS&gt;" in body.html
    assert "<strong>7</strong>" in body.html
    assert "$" not in body.text
    assert "$" not in body.html
    assert "http" not in body.text
