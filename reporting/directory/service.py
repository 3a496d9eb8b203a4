"""Reference data and membership: which countries take part and where they belong."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import pycountry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reporting.db import utcnow
from reporting.directory.models import (
    SHARING_LEVELS,
    Country,
    MemberState,
    Region,
    RegionMembership,
    StateKey,
    Witness,
)
from reporting.errors import DomainError
from reporting.unit_of_work import UnitOfWork


class UnknownCountry(DomainError, ValueError):
    """An alpha-3 code that is not an ISO 3166-1 country."""

    status = 422
    problem = "unknown-country"


class NotAMemberState(DomainError, ValueError):
    """A country that has not been added as a member state of this installation."""

    status = 404


@dataclass(frozen=True)
class ReferenceDataCounts:
    countries: int
    regions: int
    memberships: int


def _seed_text(name: str) -> str:
    return resources.files("seeds").joinpath(name).read_text(encoding="utf-8")


def _m49_rows() -> list[dict[str, str]]:
    return list(csv.DictReader(_seed_text("m49.csv").splitlines()))


def _groups() -> list[dict]:
    return json.loads(_seed_text("groups.json"))


def seeded_groups() -> dict[str, list[str]]:
    """The named groups this installation is seeded with, by slug, with their members."""
    return {group["slug"]: list(group["members"]) for group in _groups()}


def load_reference_data(session: Session) -> ReferenceDataCounts:
    """Insert the countries, M49 regions and seeded groups that are missing.

    Idempotent: rows that exist are left as they are, so running it twice adds nothing.
    Returns how many rows of each kind were added.
    """
    m49 = {row["iso3"]: row for row in _m49_rows()}
    have_countries = set(session.scalars(select(Country.iso3)))
    added_countries = 0
    for country in pycountry.countries:
        if country.alpha_3 in have_countries:
            continue
        row = m49.get(country.alpha_3, {})
        session.add(Country(iso3=country.alpha_3, iso2=country.alpha_2,
                            m49=row.get("m49") or None, name=country.name))
        added_countries += 1

    regions: dict[str, tuple[str, str]] = {}
    memberships: set[tuple[str, str]] = set()
    for iso3, row in m49.items():
        for level in ("region", "sub_region", "intermediate_region"):
            code = row[f"{level}_code"]
            if code:
                regions.setdefault(code, (row[f"{level}_name"], level))
                memberships.add((code, iso3))
    for group in _groups():
        regions[group["slug"]] = (group["name"], "group")
        memberships.update((group["slug"], iso3) for iso3 in group["members"])

    have_regions = set(session.scalars(select(Region.code)))
    new_regions = [Region(code=code, name=name, kind=kind)
                   for code, (name, kind) in sorted(regions.items()) if code not in have_regions]
    session.add_all(new_regions)
    session.flush()
    have_memberships = set(session.execute(
        select(RegionMembership.region_code, RegionMembership.country_iso3)))
    new_memberships = sorted(memberships - have_memberships)
    session.add_all(RegionMembership(region_code=code, country_iso3=iso3)
                    for code, iso3 in new_memberships)
    session.flush()
    return ReferenceDataCounts(added_countries, len(new_regions), len(new_memberships))


def normalise_iso3(code: str) -> str:
    """The upper-case alpha-3 code of an ISO 3166-1 country, or UnknownCountry."""
    candidate = code.strip().upper()
    if len(candidate) != 3 or pycountry.countries.get(alpha_3=candidate) is None:
        raise UnknownCountry(f"{code!r} is not an ISO 3166-1 alpha-3 country code")
    return candidate


def add_member_states(session: Session, codes: Iterable[str],
                      default_sharing: str = "national") -> list[str]:
    """Make countries member states; returns the codes that were newly added."""
    if default_sharing not in SHARING_LEVELS:
        raise ValueError(f"default sharing must be one of {', '.join(SHARING_LEVELS)}")
    wanted = [normalise_iso3(code) for code in codes]
    existing = set(session.scalars(select(MemberState.iso3).where(MemberState.iso3.in_(wanted))))
    added = []
    for iso3 in dict.fromkeys(wanted):
        if iso3 not in existing:
            session.add(MemberState(iso3=iso3, default_sharing=default_sharing))
            added.append(iso3)
    session.flush()
    return added


def get_member_state(session: Session, iso3: str) -> MemberState:
    member = session.get(MemberState, iso3)
    if member is None:
        raise NotAMemberState(f"{iso3} is not a member state of this installation")
    return member


def update_settings(session: Session, iso3: str, *, default_sharing: str | None = None,
                    auto_approve: bool | None = None) -> MemberState:
    """Change a member state's own settings; those left None stay as they are."""
    member = get_member_state(session, iso3)
    if default_sharing is not None:
        if default_sharing not in SHARING_LEVELS:
            raise ValueError(f"default sharing must be one of {', '.join(SHARING_LEVELS)}")
        member.default_sharing = default_sharing
    if auto_approve is not None:
        member.auto_approve = auto_approve
    session.flush()
    return member


def regions_of(session: Session, iso3: str) -> list[str]:
    """Codes of every M49 region, sub-region and named group the country belongs to."""
    return list(session.scalars(
        select(RegionMembership.region_code).where(RegionMembership.country_iso3 == iso3)
    ))


def list_member_states(session: Session) -> list[tuple[MemberState, Country, list[str]]]:
    members = session.execute(
        select(MemberState, Country).join(Country, Country.iso3 == MemberState.iso3)
        .order_by(MemberState.iso3)
    ).all()
    memberships: dict[str, list[str]] = {}
    for code, iso3 in session.execute(
        select(RegionMembership.region_code, RegionMembership.country_iso3)
        .where(RegionMembership.country_iso3.in_([m.iso3 for m, _ in members]))
        .order_by(RegionMembership.region_code)
    ):
        memberships.setdefault(iso3, []).append(code)
    return [(member, country, memberships.get(member.iso3, [])) for member, country in members]


def list_regions(session: Session, kind: str | None = None) -> list[tuple[Region, list[str]]]:
    query = select(Region).order_by(Region.kind, Region.code)
    if kind:
        query = query.where(Region.kind == kind)
    regions = session.scalars(query).all()
    members: dict[str, list[str]] = {}
    for code, iso3 in session.execute(
        select(RegionMembership.region_code, RegionMembership.country_iso3)
        .order_by(RegionMembership.country_iso3)
    ):
        members.setdefault(code, []).append(iso3)
    return [(region, members.get(region.code, [])) for region in regions]


class KeyRejected(DomainError, ValueError):
    """A public key that cannot be registered."""

    status = 409
    problem = "key-rejected"


WITNESS_NAME = re.compile(r"\A[^\s+\x00-\x1f\x7f]{1,200}\Z")


def register_state_key(session: Session, iso3: str, public_key: bytes,
                       witness_name: str | None = None) -> StateKey:
    """Register a state's Ed25519 public key (32 raw bytes) for report signatures and
    checkpoint cosignatures; its id is the same truncated SHA-256 the service uses."""
    get_member_state(session, iso3)
    if len(public_key) != 32:
        raise KeyRejected("an Ed25519 public key is 32 bytes")
    if witness_name is not None and not WITNESS_NAME.fullmatch(witness_name):
        # C2SP signed notes: a key name is non-empty, without Unicode spaces or "+".
        raise KeyRejected("a witness name has 1 to 200 characters, no spaces, no '+'")
    if session.scalar(select(StateKey.kid).where(StateKey.public_key == public_key)):
        raise KeyRejected("this key is registered already")
    if witness_name is not None:
        _claim_witness_name(session, witness_name, iso3)
    key = StateKey(kid=hashlib.sha256(public_key).hexdigest()[:16], state_iso3=iso3,
                   public_key=public_key, witness_name=witness_name)
    session.add(key)
    session.flush()
    return key


def _claim_witness_name(session: Session, name: str, iso3: str) -> None:
    """Make ``name`` the state's witness name, or KeyRejected if another state holds it.

    A witness name stands for one state: the checkpoint keeps one line per name, and a
    verifier reading "— name …" must know whose cosignature it is. The ``witnesses``
    primary key settles a race: of two states claiming a new name at once, the second
    insert fails (on PostgreSQL after the first commits) and it sees the owner.
    """
    owner = session.get(Witness, name)
    if owner is None:
        try:
            with session.begin_nested():
                session.add(Witness(name=name, state_iso3=iso3))
        except IntegrityError:
            owner = session.get(Witness, name, populate_existing=True)
    if owner is not None and owner.state_iso3 != iso3:
        raise KeyRejected(f"the witness name {name} belongs to another member state")


class KeyNotFound(DomainError, LookupError):
    """No key with that id is registered for that state."""

    status = 404


def revoke_state_key(session: Session, iso3: str, kid: str) -> StateKey:
    """Stop accepting a state key for new report signatures and cosignatures.

    The key stays registered, so that what it signed before can still be checked and a
    verifier sees when it stopped counting. Revoking a revoked key changes nothing.
    """
    key = session.get(StateKey, kid) if len(kid) <= 16 else None
    if key is None or key.state_iso3 != iso3:
        raise KeyNotFound(f"{iso3} has no key with that id")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
    return key


def witness_keys(session: Session, iso3: str) -> dict[str, list[bytes]]:
    """The state's unrevoked public keys registered under a witness name, by name."""
    keys: dict[str, list[bytes]] = {}
    for name, public_key in session.execute(
            select(StateKey.witness_name, StateKey.public_key).where(
                StateKey.state_iso3 == iso3, StateKey.witness_name.is_not(None),
                StateKey.revoked_at.is_(None))):
        keys.setdefault(name, []).append(bytes(public_key))
    return keys


# ---- the secretariat's administration ---------------------------------------------------

# The outbox topic of a change to a region's or group's membership: the workers refresh
# that region's summary cells (every period), since which states count in them changed.
DIRECTORY_CHANGED = "directory.changed"

GROUP_CODE = re.compile(r"\A[a-z][a-z0-9-]{1,62}[a-z0-9]\Z")


class MemberStateExists(DomainError):
    """The country is a member state already."""

    status = 409
    problem = "member-state-exists"


class RegionNotFound(DomainError, LookupError):
    status = 404

    def __init__(self) -> None:
        super().__init__("No region or group with that code.")


class RegionNotEditable(DomainError):
    """M49 regions follow the UN's list; only named groups are edited here."""

    status = 409
    problem = "region-not-editable"


class InvalidGroupCode(DomainError, ValueError):
    status = 422
    problem = "validation-error"

    def __init__(self) -> None:
        super().__init__("The group code is not a slug; see `errors`.", errors={"code": [
            "3 to 64 lower-case letters, digits and hyphens, starting with a letter "
            "(M49 codes are digits: those regions exist already)."]})


class RegionExists(DomainError):
    status = 409
    problem = "region-exists"


def add_member_state(session: Session, iso3: str, default_sharing: str = "national") -> MemberState:
    """Make one country a member state; MemberStateExists if it is one already."""
    code = normalise_iso3(iso3)
    if session.get(MemberState, code) is not None:
        raise MemberStateExists(f"{code} is a member state already.")
    add_member_states(session, [code], default_sharing)
    return get_member_state(session, code)


def suspend_member_state(session: Session, iso3: str) -> MemberState:
    """Suspend a member state: its tokens and logins stop at once
    (accounts.service.authenticate); its reports, keys and log entries stay. Suspending
    a suspended state changes nothing."""
    member = get_member_state(session, normalise_iso3(iso3))
    if member.suspended_at is None:
        member.suspended_at = utcnow()
        session.flush()
    return member


def reinstate_member_state(session: Session, iso3: str) -> MemberState:
    """Lift a suspension: the state's unexpired, unrevoked tokens work again."""
    member = get_member_state(session, normalise_iso3(iso3))
    member.suspended_at = None
    session.flush()
    return member


def create_group(session: Session, code: str, name: str) -> Region:
    """A named group (kind ``group``) with no members yet; its code is a slug."""
    if not GROUP_CODE.fullmatch(code):
        raise InvalidGroupCode()
    if session.get(Region, code) is not None:
        raise RegionExists(f"A region or group with the code {code} exists already.")
    region = Region(code=code, name=name, kind="group")
    session.add(region)
    session.flush()
    return region


def _editable_group(session: Session, code: str) -> Region:
    region = session.get(Region, code) if len(code) <= 64 else None
    if region is None:
        raise RegionNotFound()
    if region.kind != "group":
        raise RegionNotEditable(f"{code} is a UN M49 {region.kind.replace('_', ' ')}; its "
                                "members follow the M49 list. Create a named group instead.")
    return region


def group_with_members(session: Session, code: str) -> tuple[Region, list[str]]:
    """A region or group and its member countries (sorted)."""
    region = session.get(Region, code) if len(code) <= 64 else None
    if region is None:
        raise RegionNotFound()
    return region, sorted(session.scalars(select(RegionMembership.country_iso3).where(
        RegionMembership.region_code == code)))


def set_group_member(unit: UnitOfWork, code: str, iso3: str, member: bool) -> bool:
    """Add (``member``) or remove a country from a named group; whether anything changed.

    A change writes a ``directory.changed`` outbox row naming the group, so the workers
    refresh its summaries: which states count in them has changed.
    """
    session = unit.session
    region = _editable_group(session, code)
    country = normalise_iso3(iso3)
    row = session.get(RegionMembership, (region.code, country))
    if member == (row is not None):
        return False
    if member:
        session.add(RegionMembership(region_code=region.code, country_iso3=country))
    else:
        session.delete(row)
    session.flush()
    unit.add_outbox(DIRECTORY_CHANGED, {"region": region.code, "state": country,
                                        "event": "member_added" if member
                                        else "member_removed"})
    return True
