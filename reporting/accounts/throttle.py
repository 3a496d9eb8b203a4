"""Backoff and lockout after failed logins, per account and per client address.

Failures are counted in ``login_throttle`` under keyed HMACs of "account:<e-mail>" and
"address:<ip>", within a window. Past ``backoff_after`` failures each further attempt
must wait 1, 2, 4 … seconds; at ``max_failures`` the key is locked for the lockout.
While a key waits, logins for it are refused (429, Retry-After) without looking at the
password.

Nothing here depends on whether an account has the e-mail address: the key is made from
the address as typed (normalised), unknown or not, and the same failures give the same
answers — so a locked-out caller cannot tell an existing account from a missing one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import os
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from reporting.accounts.models import LoginThrottle
from reporting.config import Settings
from reporting.db import utcnow
from reporting.errors import DomainError

KEY_FILE = "login-throttle.key"


class LoginThrottled(DomainError):
    """Too many failed logins for this e-mail address or from this client address.

    One detail for every case: it must not say which key waits, nor whether an account
    exists."""

    status = 429
    problem = "login-throttled"
    title = "Too many failed sign-ins"

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            "Too many failed sign-ins for this e-mail address or from this network. "
            "Retry after the Retry-After delay.",
            headers={"Retry-After": str(retry_after)})


@dataclass(frozen=True)
class Limits:
    """When one kind of key starts to wait, and when it is locked."""

    backoff_after: int
    max_failures: int


@dataclass
class LoginPolicy:
    """The rules of ``Settings`` (README "Accounts"), and the HMAC key, made on first use."""

    window: timedelta
    lockout: timedelta
    account: Limits
    address: Limits
    configured_key: str = ""
    key_dir: Path = Path("var")
    _key: bytes | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(window=timedelta(minutes=settings.login_failure_window_minutes),
                   lockout=timedelta(minutes=settings.login_lockout_minutes),
                   account=Limits(settings.login_backoff_after, settings.login_max_failures),
                   address=Limits(settings.login_ip_backoff_after,
                                  settings.login_ip_max_failures),
                   configured_key=settings.throttle_key, key_dir=settings.data_dir)

    def key(self) -> bytes:
        with self._lock:
            if self._key is None:
                self._key = (self.configured_key.encode() if self.configured_key
                             else _key_from_file(self.key_dir / KEY_FILE))
            return self._key

    def delay(self, failures: int, limits: Limits) -> timedelta:
        """How long a key with ``failures`` in the window waits before its next try."""
        if failures >= limits.max_failures:
            return self.lockout
        if failures < limits.backoff_after:
            return timedelta(0)
        exponent = min(failures - limits.backoff_after, 30)
        return min(timedelta(seconds=2 ** exponent), self.lockout)


def _key_from_file(path: Path) -> bytes:
    """The installation's throttle key, made once: every process must use the same one,
    so it is written to a temporary file and linked into place, which fails for all
    but the first process (the others read the winner's)."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip().encode()


@dataclass(frozen=True)
class ThrottleKey:
    key: str
    kind: str
    limits: Limits


def keys_for(policy: LoginPolicy, email: str, address: str | None) -> list[ThrottleKey]:
    """The account's and the client address's keys for one login attempt."""
    secret = policy.key()

    def mac(text: str) -> str:
        return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()

    return [ThrottleKey(mac("account:" + email.strip().lower()), "account", policy.account),
            ThrottleKey(mac("address:" + (address or "unknown")), "address", policy.address)]


def check_allowed(session: Session, keys: list[ThrottleKey], now: datetime | None = None
                  ) -> None:
    """LoginThrottled with the seconds to wait if any of ``keys`` is waiting."""
    now = now or utcnow()
    until = session.scalar(select(LoginThrottle.locked_until).where(
        LoginThrottle.key.in_([k.key for k in keys]), LoginThrottle.locked_until > now)
        .order_by(LoginThrottle.locked_until.desc()).limit(1))
    if until is not None:
        raise LoginThrottled(max(1, math.ceil((until - now).total_seconds())))


def record_failure(session: Session, policy: LoginPolicy, keys: list[ThrottleKey],
                   now: datetime | None = None) -> None:
    """Count a failed login against each key and make it wait as the policy says.

    One upsert per key, so that concurrent failures all count (the database adds them);
    a failure after the window has passed starts a new window.
    """
    now = now or utcnow()
    cutoff = now - policy.window
    insert = (postgresql.insert if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert)
    for key in keys:
        stale = LoginThrottle.window_started_at <= cutoff
        statement = insert(LoginThrottle).values(
            key=key.key, kind=key.kind, failures=1, window_started_at=now, locked_until=None)
        statement = statement.on_conflict_do_update(
            index_elements=[LoginThrottle.key],
            set_={"failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                  "window_started_at": case((stale, now),
                                            else_=LoginThrottle.window_started_at)},
        ).returning(LoginThrottle.failures)
        failures = session.execute(statement).scalar_one()
        wait = policy.delay(failures, key.limits)
        if wait:
            session.execute(update(LoginThrottle).where(LoginThrottle.key == key.key)
                            .values(locked_until=now + wait)
                            .execution_options(synchronize_session=False))


def record_success(session: Session, keys: list[ThrottleKey]) -> None:
    """A successful login clears its account's failures. The address's stay: one valid
    account must not reset the count of guesses from that address at other accounts."""
    session.execute(delete(LoginThrottle).where(
        LoginThrottle.key.in_([k.key for k in keys if k.kind == "account"]))
        .execution_options(synchronize_session=False))
