"""Settings read from environment variables with the prefix KECHUANG_."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Runtime configuration; every field can be set as KECHUANG_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="KECHUANG_", env_ignore_empty=True)

    database_url: str = ""
    # PostgreSQL connection pool per process: connections kept open, extra ones opened under load
    # and how long a request waits for a free one (seconds). Every server process (the UI and
    # each API worker) holds up to pool_size + max_overflow connections: keep the sum over all
    # processes, plus the CLI and jobs, under the server's max_connections (docs/scale.md).
    db_pool_size: int = 10
    db_max_overflow: int = 10
    db_pool_timeout: int = 30
    # API requests a process runs at once (the rest wait their turn); 0: half of pool_size +
    # max_overflow, so that the admitted requests can never exhaust the pool (core/web.py)
    api_concurrency: int = 0
    var_dir: Path = Path("var")
    secret_key: str = "kechuang-dev-secret-change-me"
    token_hours: int = 12
    # Sessions (browser logins and API tokens) end after this long without use, and at the latest
    # this long after login; the browser cookie lives no longer than the absolute lifetime.
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    # Behind HTTPS: the session cookie carries Secure (it is always HttpOnly and SameSite=Lax).
    secure_cookies: bool = False
    # Login throttling: this many failures within the window lock the account (or, with the
    # larger number, the client address) for lock_minutes.
    login_max_failures: int = 5
    login_max_failures_per_address: int = 20
    login_window_minutes: int = 15
    # Reverse proxies (comma-separated addresses) whose X-Forwarded-For is believed: behind one,
    # every caller would otherwise share the proxy's address and lock each other out.
    trusted_proxies: str = ""
    login_lock_minutes: int = 15
    city_config: str = "yangzhou"
    max_upload_mb: int = 50
    demo: bool = False
    # 梯度自评 open to visitors who are not logged in (the bureau decides)
    tiers_public_self_assessment: bool = False
    # The bureau's own methodology files (rule packs, points methodologies, frameworks, targets)
    # and sources: <dir>/sources.yaml, <dir>/tiers/packs/*.yaml, <dir>/points/*.yaml,
    # <dir>/zones/frameworks/*.yaml …; read with the shipped ones and validated the same way.
    methodology_dir: Path | None = None
    # 数据审核: a submitted figure more than this many times (or less than 1/this of) the previous
    # year's or the current revision's value is flagged for the reviewer.
    review_jump_ratio: float = 3.0
    # The address the public reaches the platform at: printed (and put in the QR code) on points
    # certificates so a bank can open the verification page, /verify/<code>, without logging in.
    public_base_url: str = "http://127.0.0.1:8080"

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under var/."""
        if self.database_url:
            return self.database_url
        self.var_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.var_dir / 'kechuang.db').resolve()}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings object."""
    return Settings()
