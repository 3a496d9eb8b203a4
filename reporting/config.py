"""One settings object, read from the environment.

Every value has an embedded default so that a laptop needs nothing but `pip install`:
a SQLite file under ``./var`` and a Celery broker that needs no server (kombu's
SQLAlchemy transport over a second SQLite file). Production sets ``VRS_DATABASE_URL``
to PostgreSQL (psycopg 3) and ``VRS_REDIS_URL``; nothing else changes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reporting.db import Timeouts


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(name: str, default: bool) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be on or off, got {raw!r}")


def _normalise_database_url(url: str) -> str:
    # SQLAlchemy's bare "postgresql://" means psycopg2, which we do not ship; psycopg 3
    # is the supported driver, so accept the URL operators usually have at hand.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    broker_url: str = ""
    # Bodies above this are refused with 413 before they are parsed.
    max_body_bytes: int = 1_048_576
    # The same for POST /reports/batch, which carries up to 1,000 reports.
    max_batch_bytes: int = 8_388_608
    # Lifetime of bearer tokens issued by POST /auth/login.
    login_token_minutes: int = 60
    page_size_default: int = 50
    page_size_max: int = 200
    # The log's name in checkpoints (C2SP: a schema-less URL that identifies the log).
    log_origin: str = "openvrs.localhost/log"
    # Database timeouts, in seconds: reaching the server (and a pooled connection), waiting
    # for a lock (SQLite's busy timeout; PostgreSQL's lock_timeout), one statement. An
    # outage or a stuck lock then answers 503 within these bounds instead of holding
    # every request thread.
    # Where the docs page loads Swagger UI from: "" serves it from the package (works on
    # closed networks); a URL such as https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/
    # loads it from there instead.
    docs_assets_url: str = ""
    db_connect_timeout: int = 5
    db_lock_timeout: int = 15
    db_statement_timeout: int = 30
    # How long a submission may wait queued for its group commit before it is answered
    # 503 (nothing stored). Twice a statement's bound: the group ahead of it may use one.
    group_wait_timeout: float = 60.0
    # A new signed tree head at most this often (seconds); reads in between get the
    # latest one, so a burst of reads after each submission signs once, not per size.
    tree_head_interval: int = 10
    # How many reverse proxies in front of the service set X-Forwarded-For (werkzeug's
    # ProxyFix); 0 trusts no header and takes the client address from the connection.
    trusted_proxies: int = 0
    # Flask-Limiter: whether limits apply, and each limit in its notation ("10/minute",
    # "100 per hour; 10 per minute"). Login is limited per client address, writes per
    # token (per address when no token). Redis (redis_url) stores the counters when set,
    # so every process shares them; otherwise each process counts in its own memory.
    rate_limits_enabled: bool = True
    rate_limit_login: str = "10/minute"
    rate_limit_writes: str = "120/minute"
    # Failed logins (README "Accounts"): counted per account and per client address
    # within the window; past `backoff_after` failures each further attempt waits 1, 2,
    # 4 … seconds, and at `max_failures` the key is locked for `lockout` minutes.
    login_failure_window_minutes: int = 15
    login_lockout_minutes: int = 15
    login_backoff_after: int = 3
    login_max_failures: int = 10
    login_ip_backoff_after: int = 20
    login_ip_max_failures: int = 50
    # The key of the HMACs that name accounts and addresses in login_throttle; without
    # it, one is made in the data directory on first use (every process of one
    # installation must share it: set it where processes share no data directory).
    throttle_key: str = ""
    # Statistical disclosure control of summaries (SPEC §4): a count of 1..k-1 is
    # suppressed. Every summary names the k it was computed with.
    summary_k: int = 3
    # Reciprocity (issue 14): a member state with no report approved in the last
    # reciprocity_months reads other states' reports only as summaries.
    reciprocity: bool = True
    reciprocity_months: int = 12
    # Workers (workers/, README "Workers"). Seconds a send to the broker may take before
    # the API gives up on it (the row waits for the sweep): a broker outage must not hold
    # a request.
    broker_send_timeout: int = 2
    # Redis only: seconds before a message taken but not acknowledged (its worker died)
    # goes back to the queue. Longer than every task's hard time limit.
    broker_visibility_timeout: int = 3600
    # The outbox sweep runs this often, and re-sends rows not done whose last send is
    # older than outbox_resend_seconds (long enough for a queued delivery to run).
    outbox_sweep_seconds: int = 60
    outbox_resend_seconds: int = 120
    # PostgreSQL: the statement timeout of the nightly rebuild's transaction, whose grouped
    # scans read every counted version (at a million reports the four took 38 s together,
    # and they grow with the data past db_statement_timeout). Below the rebuild task's
    # soft time limit (3000 s).
    rebuild_statement_timeout: int = 1800
    # Finished task runs are kept this long in the execution log.
    runs_keep_days: int = 90
    # A JSON file {"name", "base", "rates": {currency: units of base per unit}}: fee
    # figures are also published converted to the base currency, naming the table.
    # Unset: no conversion (fees stay per currency).
    summary_rates: Path | None = None

    def __post_init__(self) -> None:
        if self.reciprocity_months < 1:
            raise ValueError("VRS_RECIPROCITY_MONTHS must be at least 1, got "
                             f"{self.reciprocity_months}")
        if self.summary_k < 1:
            raise ValueError(f"VRS_SUMMARY_K must be at least 1, got {self.summary_k}")
        data_dir = Path(self.data_dir)
        object.__setattr__(self, "data_dir", data_dir)
        if not self.database_url:
            object.__setattr__(self, "database_url", f"sqlite:///{data_dir / 'openvrs.db'}")
        object.__setattr__(self, "database_url", _normalise_database_url(self.database_url))
        if not self.broker_url:
            broker = self.redis_url or f"sqla+sqlite:///{data_dir / 'celery-broker.db'}"
            object.__setattr__(self, "broker_url", broker)

    @property
    def timeouts(self) -> Timeouts:
        return Timeouts(connect=self.db_connect_timeout, lock=self.db_lock_timeout,
                        statement=self.db_statement_timeout)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Settings from ``VRS_*`` environment variables; keyword overrides win."""
        env = os.environ
        values: dict[str, object] = {
            "data_dir": Path(env.get("VRS_DATA_DIR") or "var"),
            "database_url": env.get("VRS_DATABASE_URL", ""),
            "redis_url": env.get("VRS_REDIS_URL") or None,
            "broker_url": env.get("VRS_BROKER_URL", ""),
            "max_body_bytes": _int("VRS_MAX_BODY_BYTES", 1_048_576),
            "max_batch_bytes": _int("VRS_MAX_BATCH_BYTES", 8_388_608),
            "login_token_minutes": _int("VRS_LOGIN_TOKEN_MINUTES", 60),
            "log_origin": env.get("VRS_LOG_ORIGIN") or "openvrs.localhost/log",
            "docs_assets_url": env.get("VRS_DOCS_ASSETS_URL", ""),
            "db_connect_timeout": _int("VRS_DB_CONNECT_TIMEOUT", 5),
            "db_lock_timeout": _int("VRS_DB_LOCK_TIMEOUT", 15),
            "db_statement_timeout": _int("VRS_DB_STATEMENT_TIMEOUT", 30),
            "group_wait_timeout": float(_int("VRS_GROUP_WAIT_TIMEOUT", 60)),
            "tree_head_interval": _int("VRS_TREE_HEAD_INTERVAL", 10),
            "trusted_proxies": _int("VRS_TRUSTED_PROXIES", 0),
            "rate_limits_enabled": _bool("VRS_RATE_LIMITS", True),
            "rate_limit_login": env.get("VRS_RATE_LIMIT_LOGIN") or "10/minute",
            "rate_limit_writes": env.get("VRS_RATE_LIMIT_WRITES") or "120/minute",
            "login_failure_window_minutes": _int("VRS_LOGIN_FAILURE_WINDOW_MINUTES", 15),
            "login_lockout_minutes": _int("VRS_LOGIN_LOCKOUT_MINUTES", 15),
            "login_backoff_after": _int("VRS_LOGIN_BACKOFF_AFTER", 3),
            "login_max_failures": _int("VRS_LOGIN_MAX_FAILURES", 10),
            "login_ip_backoff_after": _int("VRS_LOGIN_IP_BACKOFF_AFTER", 20),
            "login_ip_max_failures": _int("VRS_LOGIN_IP_MAX_FAILURES", 50),
            "throttle_key": env.get("VRS_THROTTLE_KEY", ""),
            "summary_k": _int("VRS_SUMMARY_K", 3),
            "reciprocity": _bool("VRS_RECIPROCITY", True),
            "reciprocity_months": _int("VRS_RECIPROCITY_MONTHS", 12),
            "broker_send_timeout": _int("VRS_BROKER_SEND_TIMEOUT", 2),
            "broker_visibility_timeout": _int("VRS_BROKER_VISIBILITY_TIMEOUT", 3600),
            "outbox_sweep_seconds": _int("VRS_OUTBOX_SWEEP_SECONDS", 60),
            "outbox_resend_seconds": _int("VRS_OUTBOX_RESEND_SECONDS", 120),
            "rebuild_statement_timeout": _int("VRS_REBUILD_STATEMENT_TIMEOUT", 1800),
            "runs_keep_days": _int("VRS_RUNS_KEEP_DAYS", 90),
            "summary_rates": Path(env["VRS_SUMMARY_RATES"]) if env.get("VRS_SUMMARY_RATES")
            else None,
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]

    def ensure_data_dir(self) -> None:
        """The data directory, readable by this user only, and so is the SQLite file.

        The directory holds every report, hash and key file: 0700, tightened if an older
        version made it 0755. The database file is created 0600 before SQLite opens it;
        SQLite gives its -wal and -shm files the same permissions.
        """
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.data_dir.chmod(0o700)
        if self.is_sqlite:
            database = Path(self.database_url.removeprefix("sqlite:///"))
            if self.database_url.startswith("sqlite:///") and database.name:
                database.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                if not database.exists():
                    # Never open an existing database file here: closing any descriptor
                    # of it drops the POSIX locks this process's SQLite connections hold.
                    os.close(os.open(database, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
                for path in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
                    if path.exists():
                        path.chmod(0o600)
