"""HTTP handlers for the transparency log (SPEC §3). All public but cosigning."""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from reporting.accounts.auth import current_principal, requires
from reporting.accounts.roles import ADMIN, STATE_ADMIN
from reporting.bodies import json_body, load
from reporting.db import request_session
from reporting.directory.service import witness_keys
from reporting.errors import ProblemError, ValidationProblem
from reporting.extensions import current_ledger
from reporting.ledger import merkle, schemas
from reporting.ledger.log import LedgerUnavailable, StaleCosignature, tree_size
from reporting.openapi import problems

blp = Blueprint("log", __name__, url_prefix="/api/v1",
                description="Public keys, signed tree heads, checkpoints, proofs and entries.")

PUBLIC = {"security": []}
# Entries and proofs for a fixed size never change; heads change with every append.
IMMUTABLE = "public, max-age=31536000, immutable"


def _ledger_call(operation: Any, *args: Any) -> Any:
    try:
        return operation(*args)
    except merkle.ProofError as exc:
        raise ValidationProblem({"query": [str(exc)]}, detail=str(exc)) from None
    except LedgerUnavailable as exc:
        raise ProblemError(503, str(exc), problem="ledger-unavailable") from None


@blp.route("/keys")
class Keys(MethodView):
    @blp.doc(**PUBLIC)
    @blp.response(200, schemas.JwksSchema)
    def get(self) -> dict[str, Any]:
        """The service's public signing keys as a JWKS (RFC 7517, OKP keys of RFC 8037)."""
        return current_ledger().jwks(request_session())


@blp.route("/log/tree-head")
class LogTreeHead(MethodView):
    @blp.doc(**PUBLIC)
    @blp.response(200, schemas.TreeHeadSchema)
    @problems(blp, 503)
    def get(self) -> dict[str, Any]:
        """The latest signed tree head."""
        session = request_session()
        head = _ledger_call(current_ledger().tree_head, session)
        session.commit()
        return json.loads(head.document)


@blp.route("/log/checkpoint")
class LogCheckpoint(MethodView):
    @blp.doc(**PUBLIC, responses={"200": {
        "description": "C2SP tlog-checkpoint signed note with member-state cosignatures",
        "content": {"text/plain": {"schema": {"type": "string"}}}}})
    @problems(blp, 503)
    def get(self) -> Response:
        """The latest checkpoint as a C2SP signed note, with collected cosignatures."""
        session = request_session()
        ledger = current_ledger()
        head = _ledger_call(ledger.tree_head, session)
        session.commit()
        lines = ledger.cosignatures(session, head.tree_size)
        note = head.checkpoint + "".join(line + "\n" for line in lines)
        return Response(note, mimetype="text/plain", headers={"Cache-Control": "no-cache"})


@blp.route("/log/proof/inclusion")
class InclusionProof(MethodView):
    @blp.doc(**PUBLIC)
    @blp.arguments(schemas.InclusionQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.response(200, schemas.InclusionProofSchema, headers=None)
    @problems(blp, 422)
    def get(self, index: int, tree_size: int) -> dict[str, Any]:
        """The audit path of leaf ``index`` in the tree of ``tree_size`` (RFC 9162 §2.1.3)."""
        leaf, path = _ledger_call(current_ledger().inclusion, request_session(), index,
                                  tree_size)
        return {"index": index, "tree_size": tree_size, "leaf_hash": leaf.hex(),
                "audit_path": [node.hex() for node in path]}


@blp.route("/log/proof/consistency")
class ConsistencyProof(MethodView):
    @blp.doc(**PUBLIC)
    @blp.arguments(schemas.ConsistencyQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.response(200, schemas.ConsistencyProofSchema)
    @problems(blp, 422)
    def get(self, first: int, second: int) -> dict[str, Any]:
        """Proof that the tree of ``first`` is a prefix of that of ``second`` (§2.1.4)."""
        proof = _ledger_call(current_ledger().consistency, request_session(), first, second)
        return {"first": first, "second": second, "proof": [node.hex() for node in proof]}


@blp.route("/log/entries")
class Entries(MethodView):
    @blp.doc(**PUBLIC)
    @blp.arguments(schemas.EntriesQuerySchema, location="query", as_kwargs=True,
                   unknown=RAISE)
    @blp.response(200, schemas.EntriesSchema)
    @problems(blp, 422)
    def get(self, start: int, end: int | None = None) -> tuple[dict[str, Any], int, dict]:
        """Signed receipts in index order, so anyone can rebuild the tree."""
        session = request_session()
        size = tree_size(session)
        end = min(end if end is not None else start + schemas.MAX_ENTRIES, size,
                  start + schemas.MAX_ENTRIES)
        if end < start:
            raise ValidationProblem({"end": ["end must not be before start."]})
        leaves = current_ledger().entries(session, start, end)
        complete = end - start == schemas.MAX_ENTRIES
        headers = {"Cache-Control": IMMUTABLE if complete else "no-cache"}
        return ({"tree_size": size, "entries": [
            {"index": leaf.index, "leaf_hash": bytes(leaf.leaf_hash).hex(),
             "entry": bytes(leaf.entry).decode()} for leaf in leaves]}, 200, headers)


@blp.route("/log/cosignatures")
class Cosignatures(MethodView):
    @blp.doc(requestBody={"required": True, "content": {
        "application/json": {"schema": schemas.CosignatureInSchema}}})
    @blp.response(201, schemas.CosignatureOutSchema)
    @problems(blp, 400, 401, 403, 404, 409, 413, 415, 422)
    @requires(ADMIN, frozenset({STATE_ADMIN}))
    def post(self) -> dict[str, Any]:
        """A member state's C2SP cosignature on a checkpoint it verified."""
        principal = current_principal()
        data = load(schemas.CosignatureInSchema(), json_body())
        session = request_session()
        keys = witness_keys(session, principal.state or "")
        try:
            cosignature = current_ledger().add_cosignature(
                session, data["tree_size"], data["cosignature"], keys)
        except LookupError as exc:
            raise ProblemError(404, str(exc)) from None
        except StaleCosignature as exc:
            raise ProblemError(409, str(exc), problem="cosignature-stale") from None
        except ValueError as exc:
            raise ValidationProblem({"cosignature": [str(exc)]},
                                    problem="cosignature-invalid",
                                    title="Cosignature does not verify") from None
        session.commit()
        return {"tree_size": cosignature.tree_size, "witness": cosignature.witness}


