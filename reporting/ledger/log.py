"""The append-only log of signed receipts: appends, proofs, tree heads, checkpoints.

Knows bytes, hashes and signatures, never what a report says: callers hand in the
receipt fields and get back the signed receipt, its exact bytes and its log index.
"""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import bindparam, insert, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from reporting.db import utcnow
from reporting.errors import DomainError
from reporting.ledger import merkle
from reporting.ledger.keys import Keyring, KeyUnavailable
from reporting.ledger.models import (
    Cosignature,
    LogLeaf,
    LogNode,
    LogState,
    SigningKeyRecord,
    TreeHead,
)
from reporting.ledger.signing import SigningKey, jwk, sign_document


class LedgerUnavailable(DomainError):
    """No signing key is active, or its private half cannot be loaded: an operator's
    problem (no key, no passphrase); nothing was stored, and a retry later may work."""

    status = 503
    problem = "ledger-unavailable"
    headers_ = {"Retry-After": "60"}

    def __init__(self, detail: str) -> None:
        super().__init__(f"Nothing can be signed right now: {detail}")


class ProofRequestInvalid(DomainError):
    """A proof or entry range the log cannot give (an index or size beyond the tree)."""

    status = 422
    problem = "validation-error"
    title = "Invalid proof request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors={"query": [detail]})


class CheckpointNotFound(DomainError):
    status = 404


class StaleCosignature(DomainError):
    """A cosignature older than the one kept for the same witness and tree size."""

    status = 409
    problem = "cosignature-stale"


class CosignatureInvalid(DomainError):
    """A cosignature line that is malformed, or does not verify with the state's keys."""

    status = 422
    problem = "cosignature-invalid"
    title = "Cosignature does not verify"

    def __init__(self, detail: str) -> None:
        super().__init__(detail, errors={"cosignature": [detail]})


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


# Statements of the append path, built once: building one and computing its cache key
# costs about as much CPU as sending it, and every submission runs these.
_READ_NODES = (select(LogNode.level, LogNode.index, LogNode.hash)
               .where(tuple_(LogNode.level, LogNode.index)
                      .in_(bindparam("ids", expanding=True))))
_CLAIM_INDEXES = (update(LogState.__table__).where(LogState.id == 1)
                  .values(tree_size=LogState.tree_size + bindparam("count"))
                  .returning(LogState.tree_size, LogState.active_kid))
_INSERT_LEAVES = insert(LogLeaf.__table__)
_INSERT_NODES = insert(LogNode.__table__)


def node_reader(session: Session) -> merkle.NodeReader:
    """One batched query per call, as the Merkle functions expect."""

    def read(ids: list[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
        if not ids:
            return {}
        rows = session.connection().execute(_READ_NODES, {"ids": ids})
        return {(level, index): bytes(digest) for level, index, digest in rows}

    return read


def _state(session: Session, *, lock: bool) -> LogState:
    query = select(LogState).where(LogState.id == 1)
    if lock:
        # Serialises appends on PostgreSQL; on SQLite the write lock taken at BEGIN does.
        query = query.with_for_update()
    state = session.scalar(query)
    if state is None:  # the migration inserts it; this guards a hand-made database
        raise LedgerUnavailable("the log has not been initialised (run vrs init)")
    return state


def tree_size(session: Session) -> int:
    return _state(session, lock=False).tree_size


@dataclass(frozen=True)
class Recorded:
    receipt: dict[str, Any]
    entry: bytes
    index: int


class Ledger:
    """Signs and logs; holds the keyring and the log's origin name."""

    def __init__(self, keyring: Keyring, origin: str, head_interval: float = 0) -> None:
        self.keyring = keyring
        self.origin = origin
        # Seconds between signed tree heads (VRS_TREE_HEAD_INTERVAL); 0 signs each size.
        self.head_interval = head_interval

    def _key_for(self, kid: str | None) -> SigningKey:
        if kid is None:
            raise LedgerUnavailable("no signing key is active: run `vrs keys generate`")
        try:
            return self.keyring.get(kid)
        except KeyUnavailable as exc:
            raise LedgerUnavailable(str(exc)) from exc

    def record(self, session: Session, fields: dict[str, Any]) -> Recorded:
        """Sign a receipt and append it, in the caller's transaction (see record_many)."""
        return self.record_many(session, [fields])[0]

    def record_many(self, session: Session, entries: Sequence[dict[str, Any]]) -> list[Recorded]:
        """Sign receipts and append them at consecutive indexes, in the caller's transaction.

        Each receipt gets ``log_index`` and ``key_id``; its leaf is SHA-256(0x00 ‖ the
        canonical signed receipt). Commit or roll back together with the caller's rows:
        no report without receipt, no receipt without leaf.
        """
        count = len(entries)
        if not count:
            return []
        # One statement both takes the row lock (held to commit, so appends queue) and
        # claims the indexes: the database, not the process, hands them out.
        connection = session.connection()
        claimed = connection.execute(_CLAIM_INDEXES, {"count": count}).one_or_none()
        if claimed is None:
            raise LedgerUnavailable("the log has not been initialised (run vrs init)")
        first = claimed.tree_size - count
        key = self._key_for(claimed.active_kid)
        stored = node_reader(session)
        made: dict[merkle.NodeId, bytes] = {}  # earlier appends of this call are not stored yet

        def read(ids: list[merkle.NodeId]) -> dict[merkle.NodeId, bytes]:
            found = {node: made[node] for node in ids if node in made}
            missing = [node for node in ids if node not in made]
            return {**found, **stored(missing)} if missing else found

        now = utcnow()
        recorded: list[Recorded] = []
        leaves: list[dict[str, Any]] = []
        nodes: list[dict[str, Any]] = []
        for index, fields in enumerate(entries, start=first):
            receipt, entry = sign_document({**fields, "log_index": index}, key)
            leaf = merkle.leaf_hash(entry)
            for level, position, digest in merkle.nodes_for_append(index, leaf, read):
                made[(level, position)] = digest
                nodes.append({"level": level, "index": position, "hash": digest})
            leaves.append({"index": index, "entry": entry, "leaf_hash": leaf, "created_at": now})
            recorded.append(Recorded(receipt, entry, index))
        # Core inserts, not ORM objects: these run inside the lock every submission
        # queues on, and the unit of work's bookkeeping buys nothing for append-only rows.
        connection.execute(_INSERT_LEAVES, leaves)
        connection.execute(_INSERT_NODES, nodes)
        return recorded

    def active_key(self, session: Session) -> SigningKey:
        """The key new signatures use, for documents signed but not logged (summaries,
        signed with ``signing.sign_document`` as receipts are); LedgerUnavailable if none."""
        return self._key_for(_state(session, lock=False).active_kid)

    # ---- keys ------------------------------------------------------------------------

    def activate(self, session: Session, key: SigningKey) -> None:
        """Make ``key`` the one new signatures use; its public key joins the JWKS."""
        if session.get(SigningKeyRecord, key.kid) is None:
            session.add(SigningKeyRecord(kid=key.kid, public_key=key.public_bytes))
        _state(session, lock=True).active_kid = key.kid
        session.flush()

    # ---- tree heads and checkpoints ----------------------------------------------------

    def tree_head(self, session: Session) -> TreeHead:
        """The latest signed tree head: a new one for the current size at most once per
        ``head_interval`` seconds, the latest one in between; each is kept.

        A head older than the newest leaf is still a true statement about a prefix of
        the log: proofs are asked for at its size, and later entries are covered by the
        next head. Signing per read of a new size would let anyone make the service sign
        (and store) a head per submission by polling.
        """
        state = _state(session, lock=False)
        size = state.tree_size
        head = session.get(TreeHead, size)
        if head is not None:
            return head
        now = utcnow()
        if self.head_interval > 0:
            latest = session.scalar(select(TreeHead).order_by(TreeHead.tree_size.desc())
                                    .limit(1))
            if latest is not None and \
                    now - latest.created_at < timedelta(seconds=self.head_interval):
                return latest
        key = self._key_for(state.active_kid)
        root = merkle.root_hash(size, node_reader(session))
        document, raw = sign_document({"tree_size": size, "root_hash": root.hex(),
                                       "timestamp": rfc3339(now)}, key)
        head = TreeHead(tree_size=size, root_hash=root.hex(), document=raw,
                        checkpoint=self.signed_note(size, root, key), created_at=now)
        try:
            with session.begin_nested():
                session.add(head)
        except IntegrityError:
            # Another worker signed this size first; serve its head so all agree.
            head = session.get(TreeHead, size)
            assert head is not None  # noqa: S101
        return head

    def checkpoint_body(self, size: int, root: bytes) -> str:
        """The C2SP tlog-checkpoint note body: origin, size, base64 root."""
        return f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"

    def signed_note(self, size: int, root: bytes, key: SigningKey) -> str:
        """The checkpoint as a C2SP signed note, signed by the log's key (type 0x01)."""
        body = self.checkpoint_body(size, root)
        key_hash = note_key_id(self.origin, 0x01, key.public_bytes)
        signature = base64.b64encode(key_hash + key.sign(body.encode())).decode()
        return f"{body}\n\u2014 {self.origin} {signature}\n"

    def verifying_keys(self, session: Session) -> dict[str, bytes]:
        return {r.kid: bytes(r.public_key) for r in session.scalars(select(SigningKeyRecord))}

    def jwks(self, session: Session) -> dict[str, list[dict[str, str]]]:
        records = session.scalars(select(SigningKeyRecord)
                                  .order_by(SigningKeyRecord.created_at)).all()
        return {"keys": [jwk(bytes(r.public_key)) for r in records]}

    # ---- cosignatures ------------------------------------------------------------------

    def add_cosignature(self, session: Session, size: int, line: str,
                        witness_keys: Mapping[str, Sequence[bytes]]) -> Cosignature:
        """Keep a witness's cosignature line if it verifies over our checkpoint of ``size``.

        ``witness_keys``: the cosigning state's keys by the witness name each was
        registered under; the line must be signed by a key registered under its name.
        One line is kept per witness and size, the newest (C2SP witnesses only move
        forward): an older one raises StaleCosignature. Raises CosignatureInvalid saying
        what does not match, CheckpointNotFound for a size never published.
        """
        head = session.get(TreeHead, size)
        if head is None:
            raise CheckpointNotFound(f"no checkpoint of size {size} has been published")
        try:
            name, timestamp = parse_cosignature(line)
            keys = witness_keys.get(name)
            if not keys:
                raise ValueError(
                    f"no key of this state is registered under the witness name {name}")
            verify_cosignature(line, self.checkpoint_body(size, bytes.fromhex(head.root_hash)),
                               list(keys))
        except ValueError as exc:
            raise CosignatureInvalid(str(exc)) from None
        existing = session.get(Cosignature, (size, name))
        if existing is not None:
            if timestamp < parse_cosignature(existing.line)[1]:
                raise StaleCosignature(
                    f"a newer cosignature of {name} for size {size} is kept already")
            existing.line, existing.created_at = line, utcnow()
            session.flush()
            return existing
        cosignature = Cosignature(tree_size=size, witness=name, line=line)
        session.add(cosignature)
        session.flush()
        return cosignature

    def cosignatures(self, session: Session, size: int) -> list[str]:
        return [c.line for c in session.scalars(
            select(Cosignature).where(Cosignature.tree_size == size)
            .order_by(Cosignature.witness))]

    # ---- proofs and entries --------------------------------------------------------------

    def inclusion(self, session: Session, index: int, size: int) -> tuple[bytes, list[bytes]]:
        """The leaf hash and audit path of ``index`` in the tree of ``size``."""
        self._check_size(session, size)
        read = node_reader(session)
        try:
            path = merkle.inclusion_proof(index, size, read)
        except merkle.ProofError as exc:
            raise ProofRequestInvalid(str(exc)) from None
        return read([(0, index)])[(0, index)], path

    def consistency(self, session: Session, first: int, second: int) -> list[bytes]:
        self._check_size(session, second)
        try:
            return merkle.consistency_proof(first, second, node_reader(session))
        except merkle.ProofError as exc:
            raise ProofRequestInvalid(str(exc)) from None

    def root(self, session: Session, size: int) -> bytes:
        self._check_size(session, size)
        return merkle.root_hash(size, node_reader(session))

    def entries(self, session: Session, start: int, end: int) -> list[LogLeaf]:
        return list(session.scalars(select(LogLeaf).where(LogLeaf.index >= start,
                                                          LogLeaf.index < end)
                                    .order_by(LogLeaf.index)))

    @staticmethod
    def _check_size(session: Session, size: int) -> None:
        if size > tree_size(session):
            raise ProofRequestInvalid(f"the log has fewer than {size} entries")


def note_key_id(name: str, signature_type: int, public_key: bytes) -> bytes:
    """C2SP signed-note key ID: SHA-256(name ‖ "\\n" ‖ type ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type])
                          + public_key).digest()[:4]


def cosignature_message(body: str, timestamp: int) -> bytes:
    """What a C2SP cosignature/v1 signs: header, time line, the checkpoint body."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


def make_cosignature(name: str, body: str, private_key: Any, timestamp: int) -> str:
    """A cosignature line, as a witness makes it (used by tests and `vrs`-side tools)."""
    public = private_key.public_key().public_bytes_raw()
    signature = private_key.sign(cosignature_message(body, timestamp))
    blob = note_key_id(name, 0x04, public) + struct.pack(">Q", timestamp) + signature
    return f"\u2014 {name} {base64.b64encode(blob).decode()}"


def _split_cosignature(line: str) -> tuple[str, bytes]:
    line = line.strip()
    if not line.startswith("\u2014 "):
        raise ValueError("a signature line starts with an em dash and a space")
    try:
        name, encoded = line[2:].rsplit(" ", 1)
        blob = base64.b64decode(encoded, validate=True)
    except ValueError:
        raise ValueError("a signature line is '— <name> <base64>'") from None
    if not name or len(blob) != 4 + 8 + 64:
        raise ValueError("not an Ed25519 cosignature/v1 (key ID, timestamp, signature)")
    return name, blob


def parse_cosignature(line: str) -> tuple[str, int]:
    """The witness name and timestamp a cosignature line claims (not yet verified)."""
    name, blob = _split_cosignature(line)
    return name, struct.unpack(">Q", blob[4:12])[0]


def verify_cosignature(line: str, body: str, public_keys: list[bytes]) -> str:
    """The witness name of a valid cosignature/v1 line over ``body``; ValueError if not."""
    name, blob = _split_cosignature(line)
    key_hash, timestamp, signature = blob[:4], struct.unpack(">Q", blob[4:12])[0], blob[12:]
    if timestamp > int(utcnow().timestamp()) + 300:
        raise ValueError("the cosignature's timestamp is in the future")
    for public in public_keys:
        if note_key_id(name, 0x04, public) != key_hash:
            continue
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(
                signature, cosignature_message(body, timestamp))
        except InvalidSignature:
            raise ValueError("the cosignature does not verify over this checkpoint") from None
        return name
    raise ValueError("no registered key of this state matches the line's name and key ID")
