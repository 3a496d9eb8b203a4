"""HTTP handlers for the transparency log (SPEC §3), all public.

Cosigning is a member state's act and lives with the states (``directory/api.py``); the
entries, whose receipts only some callers may read, are served with the reports
(``reports/api.py``, ``log_blp``).
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from reporting.db import request_session
from reporting.ledger import schemas
from reporting.openapi import problems
from reporting.unit_of_work import current_ledger, request_unit, transactional

blp = Blueprint("log", __name__, url_prefix="/api/v1",
                description="Public keys, signed tree heads, checkpoints, proofs and entries.")

PUBLIC = {"security": []}


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
    @transactional
    def get(self) -> dict[str, Any]:
        """The latest signed tree head (signed once per size, then kept)."""
        return json.loads(current_ledger().tree_head(request_unit().session).document)


@blp.route("/log/checkpoint")
class LogCheckpoint(MethodView):
    @blp.doc(**PUBLIC, responses={"200": {
        "description": "C2SP tlog-checkpoint signed note with member-state cosignatures",
        "content": {"text/plain": {"schema": {"type": "string"}}}}})
    @problems(blp, 503)
    @transactional
    def get(self) -> Response:
        """The latest checkpoint as a C2SP signed note, with collected cosignatures."""
        session = request_unit().session
        ledger = current_ledger()
        head = ledger.tree_head(session)
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
        leaf, path = current_ledger().inclusion(request_session(), index, tree_size)
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
        proof = current_ledger().consistency(request_session(), first, second)
        return {"first": first, "second": second, "proof": [node.hex() for node in proof]}
