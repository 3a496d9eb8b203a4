"""Accounts: users, API tokens and the principal a bearer token stands for."""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session

from reporting.accounts import throttle
from reporting.accounts.models import ApiToken, User
from reporting.accounts.roles import ROLE_SCOPES, ROLES, role_is_state_bound
from reporting.db import utcnow
from reporting.directory.models import MemberState
from reporting.directory.service import get_member_state, normalise_iso3
from reporting.errors import DomainError

TOKEN_PREFIX = "vrs_"  # noqa: S105 - a marker, not a secret
_passwords = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verifying against this keeps a login for an unknown e-mail as slow as a wrong
    password, so response time does not reveal which accounts exist. Made on first use:
    an argon2 hash at import would slow every process start, the CLI's included."""
    return _passwords.hash(secrets.token_urlsafe(16))


class AccountError(DomainError, ValueError):
    """A request to create or change an account that breaks the rules."""

    status = 422
    problem = "account-rejected"


class AuthenticationFailed(DomainError):
    """The credentials do not identify an active principal. ``reason`` is safe to show."""

    status = 401
    headers_ = {"WWW-Authenticate": 'Bearer realm="openvrs"'}

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Principal:
    """Who is calling: the token's state, role and scopes."""

    token_id: str
    role: str
    state: str | None
    scopes: frozenset[str]
    user_id: str | None = None
    # When the token was last recorded as used (see record_token_use); not identity.
    last_used_at: datetime | None = field(default=None, compare=False)
    label: str | None = None  # an API token's label (a login's would name its user)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def hash_token(secret: str) -> str:
    # API tokens carry 256 random bits, so a fast hash is enough to make a stolen table
    # useless; argon2 would add tens of milliseconds to every request for no gain.
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_role_and_state(role: str, state: str | None) -> str | None:
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    if role_is_state_bound(role):
        if not state:
            raise AccountError(f"role {role} belongs to one member state: give --state")
        return normalise_iso3(state)
    if state:
        raise AccountError("the secretariat belongs to no member state")
    return None


def parse_networks(networks: Iterable[str]) -> list[str]:
    """CIDR networks, normalised (``ipaddress``), or AccountError naming the bad one."""
    parsed = []
    for raw in networks:
        try:
            parsed.append(str(ipaddress.ip_network(raw.strip())))
        except ValueError as exc:
            # ipaddress says why ("has host bits set", "does not appear to be …").
            raise AccountError(f"not a CIDR network: {exc}") from None
    if len(" ".join(parsed)) > 2000:
        raise AccountError("too many networks for one token")
    return parsed


def client_address(raw: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's IP address; an IPv4 client on a dual-stack socket as IPv4."""
    try:
        address = ipaddress.ip_address((raw or "").split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_allowed(networks: str | None, address: str | None) -> bool:
    """Whether a token limited to ``networks`` (space-separated CIDRs) may be used from
    ``address``; a token without networks may be used from anywhere."""
    if not networks:
        return True
    client = client_address(address)
    return client is not None and any(
        client in ipaddress.ip_network(network) for network in networks.split())


def create_user(session: Session, email: str, role: str, state: str | None,
                password: str | None = None) -> User:
    """A new user bound to a member state (none for the secretariat)."""
    iso3 = _check_role_and_state(role, state)
    if iso3:
        get_member_state(session, iso3)
    normalised = email.strip().lower()
    if "@" not in normalised:
        raise AccountError("an e-mail address is needed")
    if session.scalar(select(User.id).where(User.email == normalised)):
        raise AccountError(f"a user with e-mail {normalised} exists already")
    user = User(id=str(uuid.uuid4()), email=normalised, role=role, state_iso3=iso3,
                password_hash=_passwords.hash(password) if password else None)
    session.add(user)
    session.flush()
    return user


def create_token(
    session: Session,
    *,
    role: str,
    state: str | None,
    scopes: Iterable[str] | None = None,
    expires_in: timedelta | None = None,
    label: str | None = None,
    user_id: str | None = None,
    kind: str = "api",
    allowed_networks: Iterable[str] | None = None,
) -> tuple[ApiToken, str]:
    """A new token and its secret. The secret is not stored and cannot be shown again.

    ``allowed_networks``: CIDR networks the token may be used from (default: anywhere).
    """
    iso3 = _check_role_and_state(role, state)
    if iso3:
        get_member_state(session, iso3)
    allowed = ROLE_SCOPES[role]
    wanted = frozenset(scopes) if scopes else allowed
    if not wanted <= allowed:
        extra = ", ".join(sorted(wanted - allowed))
        raise AccountError(f"role {role} may not hold scope(s) {extra}")
    if expires_in is not None and expires_in <= timedelta(0):
        raise AccountError("a token's lifetime must be positive")
    networks = parse_networks(allowed_networks or [])
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        id=str(uuid.uuid4()), token_hash=hash_token(secret), prefix=secret[:10], kind=kind,
        state_iso3=iso3, role=role, scopes=" ".join(sorted(wanted)), label=label,
        user_id=user_id, expires_at=utcnow() + expires_in if expires_in else None,
        allowed_networks=" ".join(networks) or None,
    )
    session.add(token)
    session.flush()
    return token, secret


# Columns, not the entity, and built once: this runs on every request, and neither an
# ORM object's bookkeeping nor rebuilding the statement buys anything for a row only read.
_TOKEN_BY_HASH = (select(ApiToken.id, ApiToken.role, ApiToken.state_iso3, ApiToken.scopes,
                         ApiToken.user_id, ApiToken.label, ApiToken.expires_at,
                         ApiToken.revoked_at, ApiToken.allowed_networks,
                         ApiToken.last_used_at, MemberState.suspended_at)
                  # The state's suspension comes with the token, in the same query.
                  .outerjoin(MemberState, MemberState.iso3 == ApiToken.state_iso3)
                  .where(ApiToken.token_hash == bindparam("token_hash")))
# Only login tokens have a user: machine clients' API tokens (the ingest path) skip this.
_USER_DISABLED_AT = select(User.disabled_at).where(User.id == bindparam("user_id"))


def authenticate(session: Session, secret: str, now: datetime | None = None, *,
                 address: str | None = None) -> Principal:
    """The principal of a bearer secret used from ``address`` (the client's IP), or
    AuthenticationFailed saying why not."""
    connection = session.connection()
    token = connection.execute(_TOKEN_BY_HASH, {"token_hash": hash_token(secret)}).one_or_none()
    if token is None:
        raise AuthenticationFailed("The bearer token is not valid.")
    now = now or utcnow()
    if token.revoked_at is not None:
        raise AuthenticationFailed("The bearer token has been revoked.")
    if token.expires_at is not None and token.expires_at <= now:
        raise AuthenticationFailed("The bearer token has expired.")
    if token.suspended_at is not None:
        # A suspended state's tokens stop at once, and work again when it is reinstated.
        raise AuthenticationFailed("The bearer token's member state is suspended.")
    if token.user_id is not None and connection.execute(
            _USER_DISABLED_AT, {"user_id": token.user_id}).scalar() is not None:
        # A disabled user's login tokens stop at once, not when they expire.
        raise AuthenticationFailed("The bearer token's user has been disabled.")
    if not address_allowed(token.allowed_networks, address):
        raise AuthenticationFailed("The bearer token may not be used from this address.")
    return Principal(token_id=token.id, role=token.role, state=token.state_iso3,
                     scopes=frozenset(token.scopes.split()), user_id=token.user_id,
                     label=token.label if token.user_id is None else None,
                     last_used_at=token.last_used_at)


# A token's last use is written at most this often: a write per request would put every
# read behind a row lock (and, on SQLite, the one write lock).
TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_use_due(principal: Principal, now: datetime | None = None) -> bool:
    """Whether this request's use of the token should be recorded."""
    last = principal.last_used_at
    return last is None or (now or utcnow()) - last >= TOKEN_USE_RESOLUTION


def record_token_use(session: Session, token_id: str, address: str | None,
                     now: datetime | None = None) -> bool:
    """Record that a token was used now from ``address``, unless that was recorded less
    than a minute ago (by this or any other process); whether it was written."""
    now = now or utcnow()
    shown = client_address(address)
    result = session.execute(
        update(ApiToken)
        .where(ApiToken.id == token_id,
               or_(ApiToken.last_used_at.is_(None),
                   ApiToken.last_used_at <= now - TOKEN_USE_RESOLUTION))
        .values(last_used_at=now, last_used_ip=str(shown) if shown else None)
        .execution_options(synchronize_session=False))
    return bool(result.rowcount)


def list_tokens(session: Session, state: str | None = None, *,
                include_revoked: bool = False) -> list[ApiToken]:
    """API and login tokens, newest first; their secrets are not stored, so never shown."""
    query = select(ApiToken).order_by(ApiToken.created_at.desc())
    if state is not None:
        query = query.where(ApiToken.state_iso3 == normalise_iso3(state))
    if not include_revoked:
        query = query.where(ApiToken.revoked_at.is_(None))
    return list(session.scalars(query))


class AccountNotFound(DomainError, LookupError):
    """No such user or token for this caller (another state's do not exist for it)."""

    status = 404


def revoke_token(session: Session, token_id: str, state: str | None = None) -> ApiToken:
    """Revoke a token (of ``state`` only, when given); it stops working at once."""
    token = session.get(ApiToken, token_id) if len(token_id) <= 36 else None
    if token is None or (state is not None and token.state_iso3 != state):
        raise AccountNotFound(f"no token {token_id}" if state is None else "No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    session.flush()
    return token


def list_users(session: Session, state: str | None = None) -> list[User]:
    query = select(User).order_by(User.created_at)
    if state is not None:
        query = query.where(User.state_iso3 == normalise_iso3(state))
    return list(session.scalars(query))


def update_user(session: Session, user_id: str, *, state: str | None = None,
                role: str | None = None, active: bool | None = None) -> User:
    """Change a user's role or disable or enable them (of ``state`` only, when given).

    Either change ends the user's login tokens: a token carries the role it was issued
    with, and a disabled user must stop at once.
    """
    user = session.get(User, user_id) if len(user_id) <= 36 else None
    if user is None or (state is not None and user.state_iso3 != state):
        raise AccountNotFound("No such user.")
    if role is not None and role != user.role:
        _check_role_and_state(role, user.state_iso3)
        user.role = role
        _end_logins(session, user)
    if active is False and user.disabled_at is None:
        user.disabled_at = utcnow()
        _end_logins(session, user)
    elif active is True:
        user.disabled_at = None
    session.flush()
    return user


def _end_logins(session: Session, user: User) -> None:
    now = utcnow()
    for token in session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                        ApiToken.revoked_at.is_(None))):
        token.revoked_at = now


def find_user(session: Session, email: str) -> User | None:
    """The user with this e-mail address, if any (for records, never for answers)."""
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def login(session: Session, email: str, password: str, lifetime: timedelta, *,
          policy: throttle.LoginPolicy | None = None,
          address: str | None = None) -> tuple[ApiToken, str]:
    """A short-lived bearer token for a user's e-mail and password, tried from
    ``address``.

    With a ``policy``, a login whose e-mail address or client address must wait raises
    LoginThrottled before the password is looked at, and a success clears the
    account's failures. A failure raises AuthenticationFailed; the caller counts it
    with ``count_failed_login`` in a transaction that commits (the login's rolls back).
    """
    keys = throttle.keys_for(policy, email, address) if policy is not None else []
    if keys:
        throttle.check_allowed(session, keys)
    user = find_user(session, email)
    stored = user.password_hash if user and user.password_hash else _dummy_hash()
    try:
        _passwords.verify(stored, password)
        ok = user is not None and user.password_hash is not None and user.disabled_at is None
        # A suspended state's people cannot log in; the answer is the usual one.
        ok = ok and not (user.state_iso3 and get_member_state(
            session, user.state_iso3).suspended_at is not None)
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or user is None:
        raise AuthenticationFailed("Unknown e-mail address or wrong password.")
    throttle.record_success(session, keys)
    if _passwords.check_needs_rehash(stored):
        user.password_hash = _passwords.hash(password)
    return create_token(session, role=user.role, state=user.state_iso3,
                        expires_in=lifetime, user_id=user.id, kind="login",
                        label=f"login {user.email}")


def count_failed_login(session: Session, policy: throttle.LoginPolicy, email: str,
                       address: str | None) -> None:
    """Count a failed login against its e-mail address and client address (backoff,
    then lockout), whether or not an account has that e-mail address."""
    throttle.record_failure(session, policy, throttle.keys_for(policy, email, address))


# Rules for a new password (README "Accounts"): long rather than complex, per NIST SP
# 800-63B §5.1.1.2: at least 12 characters, not the e-mail address or a part of it, not
# a short pattern repeated, not a keyboard or alphabet run, and not a common password —
# one of the words leaked-password lists start with, with digits and symbols around it
# ("Password2026!"). A short list rather than zxcvbn's dictionaries: the rules are
# readable, and it refuses what attackers try first without refusing long passphrases.
MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORD_WORDS = frozenset({
    "password", "passw0rd", "p@ssw0rd", "p@ssword", "pass", "qwerty", "qwertz", "azerty",
    "letmein", "welcome", "admin", "administrator", "iloveyou", "monkey", "dragon",
    "football", "baseball", "soccer", "sunshine", "princess", "superman", "batman",
    "trustno", "master", "shadow", "secret", "changeme", "default", "login", "test",
    "guest", "abc", "root", "starwars", "whatever", "freedom", "hello", "qazwsx",
    "michael", "jennifer", "openvrs", "vrs",
})
_RUNS = ("abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1234567890",
         "01234567890", "1qaz2wsx3edc4rfv5tgb6yhn")


def _common(password: str) -> bool:
    lowered = password.lower()
    core = lowered.strip("0123456789!@#$%^&*()_+-=.,;:?~ ")
    if not core or core in COMMON_PASSWORD_WORDS:
        return True
    # A pattern of up to four characters repeated: "abcabcabcabc", "12121212…".
    if any(len(lowered) % size == 0 and lowered == lowered[:size] * (len(lowered) // size)
           for size in range(1, 5)):
        return True
    # A run along the keyboard or the alphabet, forwards or backwards, perhaps repeated.
    return any(lowered in run * 3 or lowered in run[::-1] * 3 for run in _RUNS)


def check_new_password(password: str, email: str) -> None:
    """AccountError saying which rule a new password breaks."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    local = email.split("@", 1)[0].lower()
    if email.lower() in password.lower() or (len(local) >= 4 and local in password.lower()):
        raise AccountError("a password must not contain the e-mail address")
    if len(set(password)) == 1:
        raise AccountError("a password is not one character repeated")
    if _common(password):
        raise AccountError("this password is too common or too easy to guess; a few "
                           "unrelated words make a strong one")


class NotALogin(DomainError):
    """Logging out and changing a password are for people's login tokens."""

    status = 403
    problem = "forbidden-role"

    def __init__(self) -> None:
        super().__init__("This is an API token, not a login: a state admin revokes it "
                         "(DELETE /tokens/{id}).")


def logout(session: Session, principal: Principal) -> None:
    """Revoke the login token the caller presents."""
    token = session.get(ApiToken, principal.token_id)
    if token is None or token.kind != "login":
        raise NotALogin()
    token.revoked_at = utcnow()
    session.flush()


def change_password(session: Session, principal: Principal, current: str, new: str) -> None:
    """Set a new password for the logged-in user; every other login of theirs ends."""
    user = session.get(User, principal.user_id) if principal.user_id else None
    if user is None:
        raise NotALogin()
    try:
        _passwords.verify(user.password_hash or _dummy_hash(), current)
    except (VerificationError, InvalidHashError):
        raise AuthenticationFailed("The current password is wrong.") from None
    check_new_password(new, user.email)
    user.password_hash = _passwords.hash(new)
    now = utcnow()
    for token in session.scalars(select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None),
            ApiToken.id != principal.token_id)):
        token.revoked_at = now
    session.flush()
