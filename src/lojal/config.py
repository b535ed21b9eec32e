"""One settings root. Every setting can be given as an environment variable with the prefix
``LOJAL_``; nested groups use a double underscore (``LOJAL_MAIL__HOST``). The most used ones
have short aliases: ``LOJAL_DATABASE_URL``, ``LOJAL_SECRET_KEY``."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("lojal", appauthor=False))


def default_database_url() -> str:
    return f"sqlite:///{default_data_dir() / 'lojal.sqlite'}"


class MailSettings(BaseModel):
    host: str | None = None
    port: int = 587
    username: str | None = None
    password: str | None = None
    use_tls: bool = True
    sender: str = "Lojal <noreply@localhost>"


class WorkerSettings(BaseModel):
    poll_interval_seconds: float = 1.0
    lease_seconds: int = 300
    batch_size: int = 10
    max_attempts: int = 8


class WebhookSettings(BaseModel):
    """Outgoing webhooks (``LOJAL_WEBHOOKS__...``)."""

    allow_private_urls: bool = False
    """Allow subscription URLs on loopback and private networks (tests and local development only)."""
    timeout_seconds: float = 10.0
    max_attempts: int = 8


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="LOJAL_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    database_url: str = Field(default_factory=default_database_url)
    database_pool_size: int = Field(default=10, ge=1)
    """PostgreSQL: connections each web or worker process keeps open. A web process also serves at
    most this many synchronous requests at once (its thread pool), so requests wait for a thread
    rather than open and close extra connections."""
    database_max_overflow: int = Field(default=10, ge=0)
    """PostgreSQL: connections opened beyond the pool when all are busy, closed when returned."""
    data_dir: Path = Field(default_factory=default_data_dir)
    secret_key: str = ""
    """Signs session cookies and CSRF tokens. Empty: a random key is made and kept in data_dir."""
    environment: str = "production"
    log_level: str = "INFO"
    log_json: bool = False
    secure_cookies: bool = False
    """Send session cookies only over HTTPS. Turn on behind TLS."""
    default_timezone: str = "Europe/Oslo"
    default_locale: str = "nb"
    login_attempts_per_15_minutes: int = 10
    api_page_size_max: int = 500
    bulk_batch_size: int = Field(default=5000, ge=1)
    """Records per transaction in bulk ingestion (NDJSON, CSV imports, the demo). Larger batches
    write each index page a batch touches once per batch: 5,000 instead of 1,000 was 14 % faster
    on SQLite at 100,000 orders (benchmarks/README.md)."""
    put_batch_max: int = Field(default=32, ge=1)
    """``PUT /api/v1/orders/{id}`` requests that arrive while others are being written are written
    together, up to this many in one transaction (1: each alone)."""
    put_batch_gather_ms: float = Field(default=3.0, ge=0)
    """How long the PUT writer may wait, once a batch is answered, for the clients it answered to
    send their next order (then they go in one batch, not in two alternating half-batches: half
    the statements per order). 0: take what is queued at once."""
    put_writers: int = Field(default=1, ge=1)
    """Transactions writing PUT orders at once in a web process; the requests that arrive meanwhile
    wait and go in the next batch. One writer makes the largest batches and cost the least CPU per
    order in ``benchmarks/ingest_webhook`` (2: 1.4x the CPU); web processes write in parallel."""
    in_process_worker: bool = False
    """Run background jobs inside the web process (what ``lojal serve`` does on SQLite)."""
    mail: MailSettings = Field(default_factory=MailSettings)
    worker: WorkerSettings = Field(default_factory=WorkerSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    def resolved_secret_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


@lru_cache
def get_settings() -> Settings:
    return Settings()
