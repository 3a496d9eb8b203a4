"""Users and API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    # argon2id hash; None for an account that signs in only with API tokens.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    state_iso3: Mapped[str | None] = mapped_column(ForeignKey("member_states.iso3"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ApiToken(Base):
    """A bearer token. Only the SHA-256 of the secret is kept; the secret is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the secret, so an operator can tell tokens apart in lists.
    prefix: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16), default="api")  # api | login
    state_iso3: Mapped[str | None] = mapped_column(ForeignKey("member_states.iso3"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    scopes: Mapped[str] = mapped_column(String(200))  # space-separated, as in OAuth 2.0
    label: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Recorded after the answer, at most once a minute per token (auth.record_use).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_ip: Mapped[str | None] = mapped_column(String(45))
    # Space-separated CIDR networks the token may be used from; None: anywhere.
    allowed_networks: Mapped[str | None] = mapped_column(String(2000))


class LoginThrottle(Base):
    """Failed logins of one account or one client address, within a window.

    ``key`` is an HMAC (the installation's throttle key) of "account:<e-mail>" or
    "address:<ip>": the table names no e-mail address and no IP, not even of an account
    that does not exist, and a copy of it cannot be searched for a given address without
    the key.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))  # account | address
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # No attempt is looked at before this (backoff, then lockout).
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
