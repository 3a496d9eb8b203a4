"""Countries, M49 regions, named groups and the member states of this installation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    ForeignKeyConstraint,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from reporting.db import Base, UTCDateTime, utcnow

REGION_KINDS = ("region", "sub_region", "intermediate_region", "group")
SHARING_LEVELS = ("national", "region", "all_members")


class Country(Base):
    """Every ISO 3166-1 country, whether or not it takes part."""

    __tablename__ = "countries"

    iso3: Mapped[str] = mapped_column(String(3), primary_key=True)
    iso2: Mapped[str] = mapped_column(String(2), unique=True)
    m49: Mapped[str | None] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))


class Region(Base):
    """An M49 region (code such as ``142`` or ``035``) or a named group (slug)."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))


class RegionMembership(Base):
    __tablename__ = "region_memberships"

    region_code: Mapped[str] = mapped_column(
        ForeignKey("regions.code", ondelete="CASCADE"), primary_key=True
    )
    country_iso3: Mapped[str] = mapped_column(
        ForeignKey("countries.iso3", ondelete="CASCADE"), primary_key=True, index=True
    )


class MemberState(Base):
    """A country that takes part in this installation and may hold accounts."""

    __tablename__ = "member_states"

    iso3: Mapped[str] = mapped_column(ForeignKey("countries.iso3"), primary_key=True)
    default_sharing: Mapped[str] = mapped_column(String(16), default="national")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The state's submissions and amendments are approved as they arrive (SPEC §2).
    auto_approve: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=false())
    # Set while the secretariat has suspended the state: its tokens and logins stop at
    # once (accounts.service.authenticate); its reports and log entries stay.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Witness(Base):
    """A witness name and the one member state it belongs to.

    The primary key makes "a name belongs to one state" a database rule: of two
    concurrent registrations of a new name by two states, one insert fails. A state key
    registered under a name must be the owner's (the composite foreign key below).
    """

    __tablename__ = "witnesses"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    state_iso3: Mapped[str] = mapped_column(ForeignKey("member_states.iso3"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (UniqueConstraint("name", "state_iso3", name="uq_witnesses_name_state"),)


class StateKey(Base):
    """An Ed25519 public key a member state registered: for signing its reports and for
    cosigning checkpoints as a witness (under ``witness_name``)."""

    __tablename__ = "state_keys"

    kid: Mapped[str] = mapped_column(String(16), primary_key=True)
    state_iso3: Mapped[str] = mapped_column(ForeignKey("member_states.iso3"), index=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    witness_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (ForeignKeyConstraint(
        ["witness_name", "state_iso3"], ["witnesses.name", "witnesses.state_iso3"],
        name="fk_state_keys_witness_state"),)
