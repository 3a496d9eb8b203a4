"""The ``vrs`` command line (SPEC §5)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from reporting.accounts.roles import ROLES, SCOPES
from reporting.config import Settings
from reporting.directory.models import SHARING_LEVELS

if TYPE_CHECKING:
    from reporting.unit_of_work import UnitOfWork


def _settings(ctx: click.Context) -> Settings:
    return ctx.obj["settings"]


def _database(settings: Settings):  # noqa: ANN202 - reporting.db.Database, imported lazily
    from reporting.db import Database

    if settings.is_sqlite:
        settings.ensure_data_dir()
    return Database(settings.database_url, settings.timeouts)


@contextmanager
def _unit(ctx: click.Context) -> Iterator[UnitOfWork]:
    """A unit of work for one command: it commits when the block ends, or rolls back.

    A domain error (an unknown country, a rejected key) ends the command with its one
    line; nothing of the block is stored.
    """
    from reporting.errors import DomainError
    from reporting.unit_of_work import OPERATOR, UnitOfWork
    from reporting.wiring import build_binding

    database = _database(_settings(ctx))
    try:
        with UnitOfWork.begin(build_binding(_settings(ctx), database), actor=OPERATOR) as unit:
            yield unit
    except DomainError as exc:
        _fail(exc.detail)
    finally:
        database.dispose()


def _record(unit: UnitOfWork, ctx: click.Context, object_type: str, object_id: str | None,
            object_state: str | None) -> None:
    """Record what a command changes as ``cli.<command>`` (e.g. cli.users.add), in the
    command's unit of work."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    unit.record("cli." + ".".join(reversed(names)), object_type=object_type,
                object_id=object_id, object_state=object_state)


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)


def explain(exc: Exception) -> str:
    """One line saying what went wrong and how to fix it, for an operator."""
    from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

    from reporting.errors import DomainError, database_error_summary
    from reporting.ledger.keys import KeyUnavailable

    if isinstance(exc, DomainError):
        return exc.detail
    if isinstance(exc, KeyUnavailable):
        return str(exc)
    if isinstance(exc, ModuleNotFoundError):
        return (f"the Python module {exc.name} is not installed (a database driver named in "
                "the URL?); OpenVRS uses psycopg 3: postgresql+psycopg://USER@HOST/DB")
    if isinstance(exc, NoSuchModuleError):
        return ("the database URL names a driver that is not installed; use "
                "postgresql+psycopg://USER@HOST/DB or sqlite:///PATH")
    if isinstance(exc, ArgumentError):
        return ("the database URL is not one SQLAlchemy understands; use "
                "postgresql+psycopg://USER@HOST/DB or sqlite:///PATH")
    if isinstance(exc, DBAPIError):
        cause = str(exc.orig or exc)
        if "no such table" in cause or ("relation" in cause and "does not exist" in cause):
            return "the database has no OpenVRS schema yet: run `vrs init` first"
        if "database" in cause and "does not exist" in cause:
            return ("the database does not exist: create it (e.g. createdb), "
                    "then run `vrs init`")
        if "unable to open database file" in cause:
            return "cannot open the SQLite file: does its directory exist and can we write it?"
        return (f"the database cannot be used ({database_error_summary(exc)}); is it "
                "running and is VRS_DATABASE_URL right?")
    return f"{type(exc).__name__}: {exc} (run with --debug for the traceback)"


class _Commands(click.Group):
    """Every expected failure ends a command with one line and status 1, no traceback
    (``vrs --debug …`` shows it)."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            _fail(explain(exc))
            return None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where the embedded database and keys live (VRS_DATA_DIR, default ./var).")
@click.option("--database-url", help="SQLAlchemy URL (VRS_DATABASE_URL); default: SQLite "
                                     "file in the data directory.")
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected error.")
@click.version_option(package_name="openvrs", prog_name="vrs")
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None,
         debug: bool) -> None:
    """OpenVRS: voluntary reporting on migrant smuggling and related conduct."""
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url:
        overrides["database_url"] = database_url
    ctx.obj = {"settings": Settings.from_env(**overrides)}


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create or upgrade the database and load reference data (idempotent)."""
    from reporting.installation import initialise

    counts = initialise(_settings(ctx))
    click.echo(f"database at head; added {counts.countries} countries, {counts.regions} "
               f"regions and groups, {counts.memberships} memberships")


@main.group()
def members() -> None:
    """Member states of this installation."""


@members.command("add")
@click.argument("codes", nargs=-1, required=True)
@click.option("--default-sharing", type=click.Choice(SHARING_LEVELS), default="national",
              show_default=True, help="Sharing level of reports that do not name one.")
@click.pass_context
def members_add(ctx: click.Context, codes: tuple[str, ...], default_sharing: str) -> None:
    """Make countries (ISO 3166-1 alpha-3) member states."""
    from reporting.directory.service import add_member_states

    with _unit(ctx) as unit:
        added = add_member_states(unit.session, codes, default_sharing)
        for iso3 in added:
            _record(unit, ctx, "state", iso3, iso3)
    click.echo(f"added: {' '.join(added) or 'none (already members)'}")


@main.group()
def states() -> None:
    """Member states' keys, settings and suspension."""


@states.command("add-key")
@click.argument("iso3")
@click.argument("public_key")
@click.option("--witness-name", help="Name the state uses in checkpoint cosignature lines.")
@click.pass_context
def states_add_key(ctx: click.Context, iso3: str, public_key: str,
                   witness_name: str | None) -> None:
    """Register a state's Ed25519 public key (base64url, 32 bytes); prints its key id.

    A key that starts with "-" goes after "--": vrs states add-key -- IDN -AbC...
    """
    from reporting.directory.service import normalise_iso3, register_state_key
    from reporting.ledger.signing import b64url_decode
    from reporting.reports.guard import find_personal_data

    try:
        raw = b64url_decode(public_key)
    except ValueError:
        _fail("the public key is not base64url")
    if witness_name and (findings := find_personal_data(witness_name)):
        _fail(f"the witness name holds personal data ({findings[0].kind}); it is published "
              "in every checkpoint: choose another")
    with _unit(ctx) as unit:
        key = register_state_key(unit.session, normalise_iso3(iso3), raw, witness_name)
        _record(unit, ctx, "key", key.kid, key.state_iso3)
    click.echo(key.kid)


@states.command("revoke-key")
@click.argument("iso3")
@click.argument("kid")
@click.pass_context
def states_revoke_key(ctx: click.Context, iso3: str, kid: str) -> None:
    """Stop accepting a state's key for new report signatures and cosignatures."""
    from reporting.directory.service import normalise_iso3, revoke_state_key

    with _unit(ctx) as unit:
        key = revoke_state_key(unit.session, normalise_iso3(iso3), kid)
        _record(unit, ctx, "key", key.kid, key.state_iso3)
    click.echo(f"{key.kid} revoked at {key.revoked_at.isoformat()}")


@states.command("settings")
@click.argument("iso3")
@click.option("--default-sharing", type=click.Choice(SHARING_LEVELS),
              help="Sharing level of the state's reports that do not name one.")
@click.option("--auto-approve/--no-auto-approve", default=None,
              help="Approve the state's submissions and amendments as they arrive.")
@click.pass_context
def states_settings(ctx: click.Context, iso3: str, default_sharing: str | None,
                    auto_approve: bool | None) -> None:
    """Show a state's settings, changing those given first."""
    from reporting.directory.service import normalise_iso3, update_settings

    with _unit(ctx) as unit:
        member = update_settings(unit.session, normalise_iso3(iso3),
                                 default_sharing=default_sharing, auto_approve=auto_approve)
        if default_sharing is not None or auto_approve is not None:
            _record(unit, ctx, "state", member.iso3, member.iso3)
        line = (f"{member.iso3}  default sharing: {member.default_sharing}  "
                f"auto-approve: {'on' if member.auto_approve else 'off'}")
    click.echo(line)


def _suspension(ctx: click.Context, iso3: str, suspend: bool) -> None:
    from reporting.directory.service import reinstate_member_state, suspend_member_state

    with _unit(ctx) as unit:
        change = suspend_member_state if suspend else reinstate_member_state
        member = change(unit.session, iso3)
        _record(unit, ctx, "state", member.iso3, member.iso3)
        line = (f"{member.iso3} suspended since {member.suspended_at.isoformat()}"
                if member.suspended_at else f"{member.iso3} takes part")
    click.echo(line)


@states.command("suspend")
@click.argument("iso3")
@click.pass_context
def states_suspend(ctx: click.Context, iso3: str) -> None:
    """Suspend a member state: its tokens and logins stop at once; its data stays."""
    _suspension(ctx, iso3, True)


@states.command("reinstate")
@click.argument("iso3")
@click.pass_context
def states_reinstate(ctx: click.Context, iso3: str) -> None:
    """Reinstate a suspended member state: its tokens work again."""
    _suspension(ctx, iso3, False)


@main.group()
def groups() -> None:
    """Named groups of countries besides the M49 regions (their summaries follow)."""


@groups.command("create")
@click.argument("code")
@click.argument("name")
@click.pass_context
def groups_create(ctx: click.Context, code: str, name: str) -> None:
    """Create a named group: CODE is its slug (e.g. asean-plus), NAME its name."""
    from reporting.directory.service import create_group

    with _unit(ctx) as unit:
        region = create_group(unit.session, code, name)
        _record(unit, ctx, "group", region.code, None)
    click.echo(f"created {code}")


def _group_members(ctx: click.Context, code: str, codes: tuple[str, ...],
                   member: bool) -> None:
    from reporting.directory.service import group_with_members, set_group_member

    with _unit(ctx) as unit:
        for iso3 in codes:
            set_group_member(unit, code, iso3, member)
        _record(unit, ctx, "group", code, None)
        _, members = group_with_members(unit.session, code)
    click.echo(f"{code}: {' '.join(members) or 'no members'}")


@groups.command("add")
@click.argument("code")
@click.argument("countries", nargs=-1, required=True)
@click.pass_context
def groups_add(ctx: click.Context, code: str, countries: tuple[str, ...]) -> None:
    """Add countries (ISO3) to a named group; prints its members."""
    _group_members(ctx, code, countries, True)


@groups.command("remove")
@click.argument("code")
@click.argument("countries", nargs=-1, required=True)
@click.pass_context
def groups_remove(ctx: click.Context, code: str, countries: tuple[str, ...]) -> None:
    """Remove countries (ISO3) from a named group; prints its members."""
    _group_members(ctx, code, countries, False)


@main.group()
def users() -> None:
    """User accounts."""


@users.command("add")
@click.argument("email")
@click.option("--state", help="Member state (ISO3); not for the secretariat.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              default="", show_default=False,
              help="Password for POST /auth/login; prompted for, empty for none.")
@click.pass_context
def users_add(ctx: click.Context, email: str, state: str | None, role: str,
              password: str) -> None:
    """Add a user bound to a member state (a password follows the README's rules)."""
    from reporting.accounts.service import check_new_password, create_user

    if password:
        check_new_password(password, email)
    with _unit(ctx) as unit:
        user = create_user(unit.session, email, role, state, password or None)
        _record(unit, ctx, "user", user.id, user.state_iso3)
    click.echo(f"user {user.id} {user.email} ({user.role}, {user.state_iso3 or '-'})")


@users.command("list")
@click.option("--state", help="Only this member state's users (ISO3).")
@click.pass_context
def users_list(ctx: click.Context, state: str | None) -> None:
    """List users: id, e-mail, role, state, active."""
    from reporting.accounts.service import list_users

    with _unit(ctx) as unit:
        rows = [(u.id, u.email, u.role, u.state_iso3 or "-",
                 "active" if u.disabled_at is None else "disabled")
                for u in list_users(unit.session, state)]
    for row in rows or [("no users",)]:
        click.echo("  ".join(row))


@users.command("disable")
@click.argument("user_id")
@click.pass_context
def users_disable(ctx: click.Context, user_id: str) -> None:
    """Disable a user (see `vrs users list`); their login tokens stop at once."""
    from reporting.accounts.service import update_user

    with _unit(ctx) as unit:
        user = update_user(unit.session, user_id, active=False)
        _record(unit, ctx, "user", user.id, user.state_iso3)
    click.echo(f"disabled {user.email}")


@main.group()
def tokens() -> None:
    """API tokens for machine clients."""


@tokens.command("create")
@click.option("--state", help="Member state (ISO3); not for the secretariat.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--scopes", help=f"Comma-separated subset of {', '.join(SCOPES)}; "
                               "default: all the role may hold.")
@click.option("--expires-in", "expires_in", type=click.IntRange(min=1),
              help="Lifetime in days; default: no expiry.")
@click.option("--label", help="A name to recognise the token by.")
@click.option("--allowed-network", "networks", multiple=True, metavar="CIDR",
              help="A network the token may be used from (repeat for several); "
                   "default: anywhere.")
@click.pass_context
def tokens_create(ctx: click.Context, state: str | None, role: str, scopes: str | None,
                  expires_in: int | None, label: str | None,
                  networks: tuple[str, ...]) -> None:
    """Create a token and print it (only the token, and only this once)."""
    from reporting.accounts.service import create_token

    wanted = [s.strip() for s in scopes.split(",") if s.strip()] if scopes else None
    with _unit(ctx) as unit:
        token, secret = create_token(
            unit.session, role=role, state=state, scopes=wanted, label=label,
            expires_in=timedelta(days=expires_in) if expires_in else None,
            allowed_networks=networks)
        _record(unit, ctx, "token", token.id, token.state_iso3)
    # The id (to list or revoke it later) on stderr; the secret alone on stdout, so that
    # `TOKEN=$(vrs tokens create …)` captures exactly the secret.
    click.echo(f"token id {token.id} (vrs tokens revoke {token.id})", err=True)
    click.echo(secret)


@tokens.command("list")
@click.option("--state", help="Only this member state's tokens (ISO3).")
@click.option("--all", "include_revoked", is_flag=True, help="Include revoked tokens.")
@click.pass_context
def tokens_list(ctx: click.Context, state: str | None, include_revoked: bool) -> None:
    """List tokens: id, label, role, state, scopes, created, expires, last used (time and
    address, to the minute), networks (never a secret)."""
    from reporting.accounts.service import list_tokens

    with _unit(ctx) as unit:
        found = list_tokens(unit.session, state, include_revoked=include_revoked)
        rows = [(t.id, t.label or "-", t.kind, t.role, t.state_iso3 or "-", t.scopes,
                 t.created_at.strftime("%Y-%m-%d %H:%M"),
                 t.expires_at.strftime("%Y-%m-%d") if t.expires_at else "never",
                 f"{t.last_used_at:%Y-%m-%d %H:%M} {t.last_used_ip or '?'}"
                 if t.last_used_at else "never",
                 (t.allowed_networks or "any").replace(" ", ","),
                 "revoked" if t.revoked_at else "") for t in found]
    if not rows:
        click.echo("no tokens")
        return
    header = ("id", "label", "kind", "role", "state", "scopes", "created (UTC)", "expires",
              "last used (UTC, from)", "networks", "")
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        click.echo("  ".join(str(value).ljust(width)
                             for value, width in zip(row, widths, strict=True)).rstrip())


@tokens.command("revoke")
@click.argument("token_id")
@click.pass_context
def tokens_revoke(ctx: click.Context, token_id: str) -> None:
    """Revoke a token by its id (see `vrs tokens list`); it stops working at once."""
    from reporting.accounts.service import revoke_token

    with _unit(ctx) as unit:
        token = revoke_token(unit.session, token_id)
        _record(unit, ctx, "token", token.id, token.state_iso3)
    click.echo(f"revoked {token_id}")


def _readiness_problems(settings: Settings) -> list[str]:
    from reporting.readiness import problems
    from reporting.wiring import make_ledger

    database = _database(settings)
    try:
        return problems(database, make_ledger(settings))
    finally:
        database.dispose()


@main.command()
@click.pass_context
def ready(ctx: click.Context) -> None:
    """Check what `vrs serve` checks before it starts (database, schema, signing key);
    exit 1 saying what to run if anything is missing."""
    if found := _readiness_problems(_settings(ctx)):
        _fail(f"not ready: {'; '.join(found)}")
    click.echo("ready to serve")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(min=1),
              help="Worker processes.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(min=1),
              help="Threads per worker; concurrent submissions in one worker share a "
                   "commit. 1 = gunicorn's sync workers.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, workers: int, threads: int) -> None:
    """Serve the API with gunicorn."""
    from reporting.server import run_gunicorn

    settings = _settings(ctx)
    # Refuse to start rather than answer every request with a 503.
    if found := _readiness_problems(settings):
        _fail(f"not starting: {'; '.join(found)}")
    click.echo(f"OpenVRS API on http://{host}:{port}/api/v1 (docs: /api/v1/docs)")
    run_gunicorn(settings, host=host, port=port, workers=workers, threads=threads)


def _celery_app(settings: Settings):  # noqa: ANN202 - celery.Celery, imported lazily
    """The Celery app of this installation, for a worker or beat process; refuses, as
    `vrs serve` does, when the tasks could not sign or find their schema."""
    from reporting import create_app

    if found := _readiness_problems(settings):
        _fail(f"not starting: {'; '.join(found)}")
    # The same app factory as the API: tasks sign with the same ledger and write through
    # the same units of work.
    return create_app(settings).extensions["celery"]


@main.command()
@click.option("--concurrency", default=1, show_default=True, type=click.IntRange(min=1),
              help="Worker processes.")
@click.option("--queues", default="celery,bulk", show_default=True,
              help="Queues to consume, comma-separated: celery (outbox deliveries, sweeps) "
                   "and bulk (nightly rebuild, publications).")
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def worker(ctx: click.Context, concurrency: int, queues: str, loglevel: str) -> None:
    """Run a Celery worker bound to this installation (broker: VRS_REDIS_URL, or the
    embedded SQLite broker in the data directory)."""
    celery = _celery_app(_settings(ctx))
    celery.worker_main(["worker", f"--concurrency={concurrency}", f"--queues={queues}",
                        f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"])


@main.command()
@click.option("--loglevel", default="INFO", show_default=True)
@click.pass_context
def beat(ctx: click.Context, loglevel: str) -> None:
    """Run Celery beat: the outbox sweep (every VRS_OUTBOX_SWEEP_SECONDS), the reaper
    (every 5 min), the nightly rebuild (02:00 UTC), the monthly and quarterly
    publications (03:00 UTC on the 1st). Run one; a second is harmless but useless.
    The schedule's state is kept in the data directory."""
    settings = _settings(ctx)
    celery = _celery_app(settings)
    settings.ensure_data_dir()
    celery.start(["beat", f"--loglevel={loglevel}",
                  f"--schedule={settings.data_dir / 'celerybeat-schedule'}"])


@main.command("worker-ping")
@click.option("--timeout", default=5.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to wait for the answer.")
@click.option("--all", "any_worker", is_flag=True,
              help="Any worker answering will do (default: a worker on this host).")
@click.pass_context
def worker_ping(ctx: click.Context, timeout: float, any_worker: bool) -> None:
    """Exit 0 if a worker answers a ping through the broker (a container healthcheck)."""
    import socket

    from reporting import create_app

    celery = create_app(_settings(ctx)).extensions["celery"]
    destination = None if any_worker else [f"celery@{socket.gethostname()}"]
    replies = celery.control.ping(destination=destination, timeout=timeout)
    if not replies:
        _fail("no worker answered" + ("" if any_worker else f" on {socket.gethostname()}"))
    click.echo(f"{len(replies)} worker(s) answered")


@main.command()
@click.option("--reports", "count", default=300, show_default=True,
              type=click.IntRange(1, 100_000), help="How many synthetic reports to submit.")
@click.option("--seed", default=2026, show_default=True, help="Random seed of the data.")
@click.pass_context
def demo(ctx: click.Context, count: int, seed: int) -> None:
    """Run the whole flow on the embedded default, from nothing, through the HTTP API."""
    from reporting.demo.run import run_demo

    run_demo(_settings(ctx), count=count, seed=seed)


@main.group()
def keys() -> None:
    """The service's Ed25519 signing keys (receipts, tree heads, checkpoints)."""


def _activate_key(ctx: click.Context, *, rotate: bool, from_env: bool) -> None:
    from reporting.ledger.keys import KeyUnavailable
    from reporting.ledger.models import LogState

    try:
        with _unit(ctx) as unit:
            keyring = unit.ledger.keyring
            state = unit.session.get(LogState, 1)
            if state is None:
                _fail("the database is not initialised: run `vrs init` first")
            if state.active_kid and not rotate:
                _fail(f"key {state.active_kid} is active already; use `vrs keys rotate`")
            if rotate and not state.active_kid:
                _fail("no key is active yet; use `vrs keys generate`")
            key = keyring.environment_key() if from_env else keyring.create()
            if key is None:
                _fail("VRS_SIGNING_KEY is not set")
            if key.kid == state.active_kid:
                _fail(f"key {key.kid} is the active key already")
            unit.ledger.activate(unit.session, key)
            _record(unit, ctx, "signing_key", key.kid, None)
    except KeyUnavailable as exc:
        _fail(str(exc))
    where = "the environment" if from_env else str(keyring.key_dir)
    click.echo(f"active signing key {key.kid} (private key: {where}; public key in the JWKS)")


@keys.command("generate")
@click.option("--from-env", is_flag=True,
              help="Register the key in VRS_SIGNING_KEY instead of creating a key file.")
@click.pass_context
def keys_generate(ctx: click.Context, from_env: bool) -> None:
    """Create the first signing key (encrypted with VRS_KEY_PASSPHRASE)."""
    _activate_key(ctx, rotate=False, from_env=from_env)


@keys.command("rotate")
@click.option("--from-env", is_flag=True,
              help="Switch to the key in VRS_SIGNING_KEY instead of creating a key file.")
@click.pass_context
def keys_rotate(ctx: click.Context, from_env: bool) -> None:
    """Sign with a new key from now on; old public keys stay published."""
    _activate_key(ctx, rotate=True, from_env=from_env)


@keys.command("seed")
def keys_seed() -> None:
    """Print a new base64url Ed25519 seed for VRS_SIGNING_KEY (nothing is stored)."""
    from reporting.ledger.keys import new_seed

    click.echo(new_seed())


@main.group()
def audit() -> None:
    """The audit trail: who did what, and who read whose reports."""


# Problems printed at most; a reordered block yields one line per moved entry.
_MAX_PROBLEM_LINES = 100


@audit.command("verify")
@click.pass_context
def audit_verify(ctx: click.Context) -> None:
    """Walk the audit trail's hash chain; name every edited, deleted or reordered entry
    by its seq (exit 1), or say it is intact (exit 0)."""
    from reporting.audit.chain import snapshot, verify

    database = _database(_settings(ctx))
    try:
        with database.session() as session:
            snapshot(session)
            check = verify(session)
    finally:
        database.dispose()
    if check.intact:
        click.echo(f"audit chain intact, {check.entries} entries")
        return
    for line in check.problems[:_MAX_PROBLEM_LINES]:
        click.secho(f"FAIL  {line}", fg="red")
    if len(check.problems) > _MAX_PROBLEM_LINES:
        click.echo(f"… and {len(check.problems) - _MAX_PROBLEM_LINES} more")
    _fail(f"the audit chain is broken: {len(check.problems)} problem(s) in "
          f"{check.entries} entries")


@main.command("audit-log")
@click.pass_context
def audit_log_command(ctx: click.Context) -> None:
    """Check the database for altered report versions, leaves, nodes or tree heads
    (the transparency log; `vrs audit verify` checks the audit trail)."""
    from reporting.reports.integrity import check_integrity

    with _unit(ctx) as unit:
        findings = check_integrity(unit.session, unit.ledger)
    _report(findings, as_json=False)


def _report(findings, *, as_json: bool) -> None:  # noqa: ANN001 - ledger.verify.Findings
    if as_json:
        click.echo(json.dumps({"passed": findings.passed, "ok": findings.ok,
                                      "failures": findings.failures}, indent=2))
    else:
        for line in findings.ok:
            click.echo(f"ok    {line}")
        for line in findings.failures:
            click.secho(f"FAIL  {line}", fg="red")
        click.secho("verified" if findings.passed else "VERIFICATION FAILED",
                    fg="green" if findings.passed else "red", bold=True)
    if not findings.passed:
        sys.exit(1)


@main.group(invoke_without_command=True, subcommand_metavar="[summary FILE]")
@click.option("--server", help="Base URL of an OpenVRS server, e.g. http://127.0.0.1:8000")
@click.option("--bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="An exported bundle (keys, tree head, entries) instead of a server.")
@click.option("--since", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A tree head saved earlier: check the log only grew since.")
@click.option("--report", "report_ids", multiple=True,
              help="Check the inclusion of this report's receipts (repeatable).")
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path),
              help="Save the verified tree head here, for a later --since.")
@click.option("--export", type=click.Path(dir_okay=False, path_type=Path),
              help="Write what was fetched as a bundle, to verify again offline.")
@click.option("--token", envvar="VRS_TOKEN",
              help="Bearer token (VRS_TOKEN): the receipts of the reports it may read are "
                   "checked too. Without one, the tree is rebuilt from leaf hashes only.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def verify(ctx: click.Context, server: str | None, bundle: Path | None, since: Path | None,
           report_ids: tuple[str, ...], save: Path | None, export: Path | None,
           token: str | None, as_json: bool) -> None:
    """Rebuild the log and check every signature, the root, consistency and inclusion.

    Anyone can check the tree from its leaf hashes against the signed tree head; a
    member's token adds the receipts of the reports it may read, each checked.
    `vrs verify summary FILE` checks a summary's signature instead.
    """
    from reporting.ledger.client import run_verification

    if ctx.invoked_subcommand is not None:
        # Only --server means something to a subcommand (where the keys are).
        if bundle or since or report_ids or save or export or token or as_json:
            _fail(f"only --server goes with `vrs verify {ctx.invoked_subcommand}`; the other "
                  "options are for checking the log")
        ctx.obj["verify_server"] = server
        return
    if bool(server) == bool(bundle):
        _fail("give either --server or --bundle")
    findings = run_verification(server=server, bundle=bundle, since=since,
                                report_ids=report_ids, save=save, export=export,
                                progress=not as_json, token=token)
    _report(findings, as_json=as_json)


@verify.command("summary")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--keys", "keys_source", metavar="JWKS_FILE_OR_URL",
              help="The service's public keys: a JWKS file, or its URL (e.g. "
                   "https://HOST/api/v1/keys). Default: the keys of `vrs verify --server`.")
@click.pass_context
def verify_summary(ctx: click.Context, file: Path, keys_source: str | None) -> None:
    """Check a signed summary (JSON) against the service's public keys.

    FILE is the JSON of GET /api/v1/summaries/REGION/PERIOD. The signature covers the
    RFC 8785 form of the document without its signature, made with the key its key_id
    names. Exits 1, with one line, when it does not verify.
    """
    from reporting.ledger.client import Fetcher
    from reporting.summaries.signature_check import (
        SummaryCheckFailed,
        check_summary,
        read_keys,
        read_summary,
    )

    server = ctx.obj.get("verify_server")
    if not keys_source and not server:
        _fail("give --keys (a JWKS file or URL), or the server: vrs verify --server URL "
              "summary FILE")
    try:
        document = read_summary(file)
        keys = read_keys(keys_source or Fetcher(server).base + "/keys")
    except SummaryCheckFailed as exc:  # the message names the file or the keys' source
        _fail(str(exc))
    try:
        click.echo(f"verified: {check_summary(document, keys)}")
    except SummaryCheckFailed as exc:
        _fail(f"{file}: {exc}")


@main.command()
@click.option("--server", required=True,
              help="Base URL of the OpenVRS server, e.g. http://127.0.0.1:8000")
@click.option("--token", envvar="VRS_TOKEN", required=True,
              help="A member's bearer token with summaries:read and reports:read "
                   "(VRS_TOKEN); an analyst of the region reads what its summary counts.")
@click.option("--audience", type=click.Choice(["region", "all_members"]),
              help="Which summary of the cell; default: the widest the token may read.")
@click.argument("region")
@click.argument("period")
def recompute(server: str, token: str, audience: str | None, region: str,
              period: str) -> None:
    """Recompute REGION's summary of PERIOD from the reports you may read and compare it.

    Checks the summary's signature and basis, each counted report's body against its
    receipt and the receipt's inclusion in the log at the summary's basis, then rebuilds
    the figures and compares them one by one. Exits 0 saying "agrees", or 1 naming the
    first differing figure or the altered report.
    """
    import urllib.error

    from reporting.client import Client, ClientError
    from reporting.summaries.recompute import RecomputeFailed
    from reporting.summaries.recompute import recompute as run

    bar: list[Any] = []

    def progress(done: int, total: int) -> None:
        if not bar:
            bar.append(click.progressbar(length=total, label="checking reports",
                                         file=sys.stderr))
        bar[0].update(1)

    try:
        agreement = run(Client(server, token), region, period, audience, progress=progress)
    except RecomputeFailed as exc:
        _fail(str(exc))
    except ClientError as exc:
        _fail(f"the server refused: {exc}")
    except (urllib.error.URLError, OSError) as exc:
        _fail(f"cannot reach {server}: {getattr(exc, 'reason', exc)}")
    except ValueError as exc:
        _fail(str(exc))
    finally:
        if bar:
            bar[0].render_finish()
    click.echo(str(agreement))


def _read_report(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"{path}: not a JSON file ({exc})") from None


@main.command()
@click.option("--key", "key_file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The state's Ed25519 private key: PEM PKCS #8, or a base64url 32-byte seed.")
@click.argument("report", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def sign(key_file: Path, report: Path) -> None:
    """Print the State-Signature header value for REPORT.json.

    The signature covers the RFC 8785 canonical form of the JSON in the file; send that
    JSON (any formatting) with the header: vrs submit --sign-key does both.
    """
    from reporting.client import load_private_key, state_signature

    try:
        click.echo(state_signature(_read_report(report), load_private_key(key_file)))
    except ValueError as exc:
        _fail(str(exc))


@main.command()
@click.argument("source", type=click.Path(exists=True, path_type=Path))
@click.option("--server", required=True,
              help="Base URL of the OpenVRS server, e.g. http://127.0.0.1:8000")
@click.option("--token", envvar="VRS_TOKEN", required=True,
              help="A reporter's bearer token (VRS_TOKEN).")
@click.option("--sign-key", "key_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Sign each report with the state's key (see vrs sign).")
def submit(source: Path, server: str, token: str, key_file: Path | None) -> None:
    """Submit REPORT.json, or every *.json of a directory (sorted), one report per file.

    Each file's Idempotency-Key is the SHA-256 of its canonical JSON, so running the
    command again replays (200, the same ids) instead of storing copies. Prints one line
    per file and checks each receipt's signature against the server's published keys;
    exits 1 at the end if any file was refused.
    """
    import urllib.error

    from reporting.client import Client, ClientError, content_key, load_private_key

    files = sorted(source.glob("*.json")) if source.is_dir() else [source]
    if not files:
        _fail(f"no *.json files in {source}")
    try:
        key = load_private_key(key_file) if key_file else None
        client = Client(server, token)
    except ValueError as exc:
        _fail(str(exc))
    failed = 0
    for path in files:
        try:
            body = _read_report(path)
            answer = client.submit(body, idempotency_key=content_key(body), sign_key=key)
            verified = client.verify_receipt(answer["receipt"])
        except ValueError as exc:  # not JSON, or not canonical JSON (a refusal is a ClientError)
            failed += 1
            message = str(exc)
            click.secho(message if message.startswith(str(path)) else f"{path}: {message}",
                        fg="red")
            continue
        except ClientError as exc:
            failed += 1
            title, *rest = exc.lines()
            click.secho(f"{path}: refused: {title}", fg="red")
            for line in rest:
                click.echo(f"  {line}")
            continue
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            _fail(f"cannot reach {server}: {reason}")
        receipt = answer["receipt"]
        click.echo(f"{path}: {answer['id']} version {answer['version']} {answer['status']} "
                   f"log {receipt['log_index']} "
                   f"{'replayed' if answer.replayed else 'created'}, receipt "
                   + ("signature verified" if verified else "signature DOES NOT VERIFY"))
        failed += not verified
    if failed:
        _fail(f"{failed} of {len(files)} files not accepted with a verified receipt")


if __name__ == "__main__":
    main()
