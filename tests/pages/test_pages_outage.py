"""The account pages while PostgreSQL cannot be reached: a page saying the service is
unavailable (503), never a 500; the theme keeps the default colour."""

from __future__ import annotations

from app.config import Settings
from app.main import create_app
from app.services.project_face import DEFAULT_COLOR
from tests.conftest import TEST_SECRET, app_client
from tests.e2e.server_process import free_port
from tests.pages.page_forms import post_form


async def test_pages_say_the_service_is_unavailable_while_the_database_is_down() -> None:
    unreachable = Settings(
        _env_file=None,
        secret=TEST_SECRET,
        db_client="pg",
        db_host="127.0.0.1",
        db_port=free_port(),
        db_connect_timeout=300,
    )
    app = create_app(unreachable)
    async with app_client(app) as client:
        page = await client.get("/admin/login")
        submitted = await post_form(
            client, "/admin/login", {"email": "someone@example.com", "password": "pw-1"}
        )
        theme = await client.get("/admin/theme.css")
    for answer in (page, submitted):
        assert answer.status_code == 503
        assert answer.headers["content-type"].startswith("text/html")
        assert "Service unavailable." in answer.text
    assert theme.status_code == 200
    assert DEFAULT_COLOR in theme.text
