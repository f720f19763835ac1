"""The account pages while PostgreSQL cannot be reached: the login form still shows (in the
default colours) and its submit answers a page saying the service is unavailable (503),
never a 500."""

from __future__ import annotations

from app.config import Settings
from app.main import create_app
from app.services.project_face import DEFAULT_COLOR
from tests.conftest import TEST_SECRET, app_client
from tests.e2e.server_process import free_port
from tests.pages.page_forms import csrf_token, post_form


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
        token = await csrf_token(client, "/admin/login")
        fields = {"csrf_token": token, "email": "someone@example.com", "password": "pw-1"}
        submitted = await post_form(client, "/admin/login", fields)
        theme = await client.get("/admin/theme.css")
    assert submitted.status_code == 503
    assert submitted.headers["content-type"].startswith("text/html")
    assert "Service unavailable." in submitted.text
    assert theme.status_code == 200
    assert DEFAULT_COLOR in theme.text
