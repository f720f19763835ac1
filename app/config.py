"""Settings from the environment and `.env`, under Directus's variable names."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    InitSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from app.durations import parse_duration_ms, parse_seconds_ms

DurationMs = Annotated[int, BeforeValidator(parse_duration_ms)]
# Directus's limiter windows: a bare number means seconds ("60"), a unit may be given ("1h").
SecondsMs = Annotated[int, BeforeValidator(parse_seconds_ms)]
SameSite = Literal["lax", "strict", "none"]


def _split_list(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


CommaList = Annotated[list[str], NoDecode, BeforeValidator(_split_list)]

# GRAPHQL_SINGLE_USE_MUTATIONS's default (Directus 12.1, and the recovery codes' regenerate):
# what a document may hold once only, or twenty aliased auth_login would be twenty password
# guesses in one request.
SINGLE_USE_MUTATIONS = (
    "auth_login",
    "auth_refresh",
    "auth_password_request",
    "auth_password_reset",
    "users_register",
    "users_register_verify",
    "users_invite_accept",
    "users_me_tfa_generate",
    "users_me_tfa_enable",
    "users_me_tfa_disable",
    # Ours: a guess at the TOTP code, as users_me_tfa_disable.
    "users_me_tfa_recovery_codes_regenerate",
    "auth_login_passkey",
    "users_me_passkey_register_options",
    "users_me_passkey_register",
    "users_me_passkey_delete",
)


class ConfigError(Exception):
    """Start-up must stop: one variable holds a value we cannot use."""


class _AuthVariables(PydanticBaseSettingsSource):
    """Every AUTH_* variable for the SSO providers, whose names are only known at run time,
    into `auth_variables` (upper-case names): from .env, then the environment, then keywords
    (`Settings(auth_corp_driver="ldap")` works like AUTH_CORP_DRIVER), each winning over the last.
    """

    def __init__(
        self,
        settings_cls: type[BaseSettings],
        sources: list[EnvSettingsSource],
        keywords: dict[str, Any],
    ) -> None:
        super().__init__(settings_cls)
        self._sources = sources
        self._keywords = keywords

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found: dict[str, str] = {}
        for source in self._sources:
            for key, value in source.env_vars.items():
                if key.upper().startswith("AUTH_") and value is not None:
                    found[key.upper()] = value
        fields = self.settings_cls.model_fields
        for key, value in self._keywords.items():
            if key.lower().startswith("auth_") and key.lower() not in fields:
                found[key.upper()] = str(value)
        return {"auth_variables": found} if found else {}


class Settings(BaseSettings):
    """Every knob of the server; field names are the lower-case env names."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8055, ge=1, le=65535)
    workers: int = Field(default=1, ge=1)
    # SIGTERM: requests in flight get this long to finish before they are cancelled (Directus's
    # SERVER_SHUTDOWN_TIMEOUT, milliseconds); then the app shuts down and the process exits 0.
    server_shutdown_timeout: DurationMs = Field(default=1_000, ge=0)
    # With WORKERS > 1, a worker that does not answer the supervisor's ping this long is
    # killed and replaced. uvicorn's 5 s killed workers that were only slow on a loaded
    # machine (starting up, or starved of CPU mid-burst), cutting their connections.
    worker_healthcheck_timeout: DurationMs = Field(default=30_000, ge=1_000)
    # Unset: http://HOST:PORT (app.settings_loader); this default serves Settings built directly.
    public_url: str = "http://127.0.0.1:8055"
    # The account pages at /admin/... (reset, invitation, login, account); off for a server
    # behind its own front end.
    account_pages_enabled: bool = True
    secret: str = ""
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_style: Literal["pretty", "json"] = "pretty"
    # Prometheus metrics at /metrics, for admins and for `Authorization: Metrics <token>`
    # (or Bearer) with one of METRICS_TOKENS, as Directus.
    metrics_enabled: bool = False
    metrics_tokens: CommaList = []

    admin_email: str = "admin@example.com"
    admin_password: str | None = None

    db_client: Literal["sqlite3", "pg"] = "sqlite3"
    db_filename: str = "data/database.db"
    db_connection_string: str | None = None
    db_host: str = "127.0.0.1"
    db_port: int = 5432
    db_database: str = "directus"
    db_user: str = "postgres"
    db_password: str | None = None
    db_pool_min: int = Field(default=2, ge=0)
    db_pool_max: int = Field(default=10, ge=1)
    # PostgreSQL: how long opening a connection, or waiting for a free one in the pool, may
    # take before the request is answered SERVICE_UNAVAILABLE (start-up gives up after it).
    db_connect_timeout: DurationMs = Field(default=5_000, gt=0)
    # false behind PgBouncer in transaction (or statement) pooling mode: no statement stays
    # prepared across transactions (app.db.engine).
    db_prepared_statements: bool = True

    access_token_ttl: DurationMs = 15 * 60_000
    refresh_token_ttl: DurationMs = 7 * 86_400_000
    session_cookie_ttl: DurationMs = 86_400_000
    login_stall_time: DurationMs = 500

    refresh_token_cookie_name: str = "directus_refresh_token"
    refresh_token_cookie_domain: str | None = None
    refresh_token_cookie_secure: bool = False
    refresh_token_cookie_same_site: SameSite = "lax"
    session_cookie_name: str = "directus_session_token"
    session_cookie_domain: str | None = None
    session_cookie_secure: bool = False
    session_cookie_same_site: SameSite = "lax"

    # argon2's own bounds: 32-bit costs, 24-bit lanes and threads, 8 KiB per lane.
    hash_memory_cost: int = Field(default=65536, ge=8, le=0xFFFFFFFF)
    hash_time_cost: int = Field(default=3, ge=1, le=0xFFFFFFFF)
    hash_parallelism: int = Field(default=4, ge=1, le=0xFFFFFF)
    # Threads computing one hash (its HASH_PARALLELISM lanes): not part of the hash. One
    # thread per hash keeps a login storm on the cores the hashes were given.
    hash_threads: int = Field(default=1, ge=1, le=0xFFFFFF)
    # Where hashes run: processes at nice 19 (no interpreter lock shared with the loop, so
    # they may take every core) or threads at nice 10 (every core but one).
    hash_pool: Literal["process", "thread"] = "process"
    # Unset: enough hashes at once to use every core (threads: every core but one, which
    # the event loop keeps); more would only queue on the CPU and cost HASH_MEMORY_COST
    # KiB each.
    hash_concurrency: int | None = Field(default=None, ge=1)

    query_limit_default: int = Field(default=100, ge=1)
    query_limit_max: int = Field(default=-1, ge=-1)
    max_payload_size: int = Field(default=1_000_000, ge=1)
    max_batch_mutation: int = Field(default=100, ge=1)
    # Bounds on one request's input, refused with a code before any work is done on it.
    max_json_depth: int = Field(default=64, ge=2)
    filter_max_nodes: int = Field(default=1000, ge=1)
    filter_max_depth: int = Field(default=12, ge=1)
    filter_max_in: int = Field(default=10_000, ge=1, le=30_000)
    filter_max_string_length: int = Field(default=10_000, ge=1, le=20_000)

    graphql_introspection: bool = True
    graphql_query_token_limit: int = Field(default=5000, ge=1)
    max_relational_depth: int = Field(default=10, ge=1)
    graphql_max_aliases: int = Field(default=50, ge=1)
    graphql_single_use_mutations: CommaList = list(SINGLE_USE_MUTATIONS)

    ip_trust_proxy: bool = False
    refresh_token_reuse_interval: DurationMs = 10_000
    # How long a session cookie stays good after `auth_refresh(mode: session)` rotated it:
    # requests a tab sent before the new cookie arrived are still served.
    session_refresh_grace_period: DurationMs = 10_000

    # Beyond Directus: a temporary lock after repeated failures, growing each time.
    auth_lockout_enabled: bool = True
    auth_lockout_threshold: int = Field(default=5, ge=1)
    auth_lockout_duration: DurationMs = 60_000
    auth_lockout_max_duration: DurationMs = 3_600_000
    # A user may change its own email without its current password this long after a
    # password login (the access token's `auth_time`); 0: always ask for the password.
    auth_fresh_login_window: DurationMs = 5 * 60_000

    # Passkeys (WebAuthn), an addition to Directus. Unset: the host of PUBLIC_URL, the
    # project's name, and PUBLIC_URL's origin (app/security/passkey_ceremony.py).
    webauthn_rp_id: str | None = None
    webauthn_rp_name: str | None = None
    webauthn_origins: CommaList = []
    # "required": a login or registration without user verification (PIN, biometrics) is
    # refused; "preferred" lets an authenticator that cannot verify its user in.
    webauthn_user_verification: Literal["preferred", "required"] = "preferred"
    # How long a ceremony's challenge may be used (once).
    webauthn_challenge_ttl: DurationMs = Field(default=5 * 60_000, ge=1_000)

    rate_limiter_enabled: bool = False
    rate_limiter_points: int = Field(default=50, ge=1)
    # Directus's limiter windows are seconds when bare ("60"); units are honoured ("1m").
    rate_limiter_duration: SecondsMs = 1
    rate_limiter_store: Literal["memory", "redis"] = "memory"
    rate_limiter_redis: str = "redis://127.0.0.1:6379"
    rate_limiter_auth_points: int = Field(default=10, ge=1)
    rate_limiter_auth_duration: SecondsMs = 60
    # On by default, as in Directus, whatever RATE_LIMITER_ENABLED says: users_register per IP.
    rate_limiter_registration_enabled: bool = True
    rate_limiter_registration_points: int = Field(default=5, ge=1)
    # SecondsMs defaults are parsed like the variable (seconds) and held in milliseconds.
    rate_limiter_registration_duration: SecondsMs = 60
    # Mails to one address (reset, invitation, verification); Directus counts the whole
    # instance's mail instead, off by default.
    rate_limiter_email_enabled: bool = True
    rate_limiter_email_points: int = Field(default=5, ge=1)
    rate_limiter_email_duration: SecondsMs = 900

    websockets_enabled: bool = True
    # Seconds between two checks that an open subscription's credential still holds (user
    # active, same rights, session live, token unexpired); every event is checked as well.
    websockets_auth_check_period: float = Field(default=5.0, gt=0, le=3600)
    messenger_store: Literal["memory", "redis"] = "memory"
    messenger_redis: str = "redis://127.0.0.1:6379"
    messenger_namespace: str = "directus"

    cors_enabled: bool = False
    cors_methods: CommaList = ["GET", "POST", "PATCH", "DELETE", "SEARCH"]
    cors_allowed_headers: CommaList = ["Content-Type", "Authorization"]
    cors_exposed_headers: CommaList = ["Content-Range"]
    cors_credentials: bool = True
    cors_max_age: int = 18000

    email_transport: Literal["smtp", "outbox"] = "outbox"
    email_from: str = "no-reply@example.com"
    email_outbox_path: str = "data/outbox"
    email_templates_path: str | None = None
    email_smtp_host: str = "127.0.0.1"
    email_smtp_port: int = Field(default=587, ge=1, le=65535)
    email_smtp_user: str | None = None
    email_smtp_password: str | None = None
    email_smtp_secure: bool = False
    email_smtp_ignore_tls: bool = False
    email_smtp_timeout: DurationMs = 10_000
    # The mail queue: a failed message is retried, waiting EMAIL_RETRY_BACKOFF and twice as
    # long after each further failure (at most EMAIL_RETRY_BACKOFF_MAX), until it has been
    # queued EMAIL_RETRY_MAX_AGE; then it is failed (`dauth mail retry` requeues it). Each
    # process looks for due mail every EMAIL_QUEUE_POLL_INTERVAL (and at once for its own).
    # Sent rows (their bodies blanked) are deleted once EMAIL_QUEUE_KEEP_SENT old; failed ones
    # stay until retried or `dauth mail purge --failed`.
    email_retry_max_age: DurationMs = Field(default=3_600_000, ge=0)
    email_retry_backoff: DurationMs = Field(default=5_000, ge=1)
    email_retry_backoff_max: DurationMs = Field(default=600_000, ge=1)
    email_queue_poll_interval: DurationMs = Field(default=1_000, ge=10)
    email_queue_keep_sent: DurationMs = Field(default=7 * 86_400_000, ge=0)

    password_reset_url_allow_list: CommaList = []
    user_invite_url_allow_list: CommaList = []
    user_register_url_allow_list: CommaList = []
    user_invite_token_ttl: DurationMs = 7 * 86_400_000
    email_verification_token_ttl: DurationMs = 7 * 86_400_000
    password_reset_token_ttl: DurationMs = 86_400_000

    cors_origin: CommaList = []

    # Single sign-on: the provider names, and their AUTH_<NAME>_* variables (app/sso/config.py).
    auth_providers: CommaList = []
    auth_disable_default: bool = False
    auth_variables: dict[str, str] = {}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        raw = [s for s in (dotenv_settings, env_settings) if isinstance(s, EnvSettingsSource)]
        keywords = (
            init_settings.init_kwargs if isinstance(init_settings, InitSettingsSource) else {}
        )
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            _AuthVariables(settings_cls, raw, keywords),
            file_secret_settings,
        )

    @field_validator("log_level", "log_style", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("hash_parallelism")
    @classmethod
    def _lanes_fit_the_memory(cls, value: int, info: ValidationInfo) -> int:
        memory = info.data.get("hash_memory_cost")
        if memory is not None and memory < 8 * value:
            raise ValueError("HASH_MEMORY_COST must be at least 8 KiB per lane of HASH_PARALLELISM")
        return value

    @field_validator("email_transport", mode="before")
    @classmethod
    def _email_transport_default(cls, value: object) -> object:
        # Unset or empty: the outbox. Directus's "sendmail" is refused (naming the allowed
        # values) rather than silently writing files nobody reads.
        if isinstance(value, str) and value.strip() == "":
            return "outbox"
        return value.lower() if isinstance(value, str) else value

    @field_validator("db_client", mode="before")
    @classmethod
    def _db_client_aliases(cls, value: object) -> object:
        aliases = {"sqlite": "sqlite3", "postgres": "pg", "postgresql": "pg"}
        if isinstance(value, str):
            return aliases.get(value.lower(), value.lower())
        return value

    @field_validator("refresh_token_cookie_same_site", "session_cookie_same_site", mode="before")
    @classmethod
    def _lower_same_site(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator(
        "refresh_token_cookie_domain",
        "session_cookie_domain",
        "webauthn_rp_id",
        "webauthn_rp_name",
        mode="before",
    )
    @classmethod
    def _empty_domain_is_none(cls, value: object) -> object:
        return None if value == "" else value

    def database_url(self) -> str:
        """SQLAlchemy URL for the configured client."""
        if self.db_client == "sqlite3":
            return f"sqlite+aiosqlite:///{self.db_filename}"
        if self.db_connection_string:
            url = self.db_connection_string
            for prefix in ("postgresql://", "postgres://"):
                if url.startswith(prefix):
                    return "postgresql+asyncpg://" + url[len(prefix) :]
            return url
        auth = self.db_user + (f":{self.db_password}" if self.db_password else "")
        return f"postgresql+asyncpg://{auth}@{self.db_host}:{self.db_port}/{self.db_database}"
