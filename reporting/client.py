"""A Python client for the OpenVRS API: submit, amend, read, withdraw, and check receipts.

For a national system that pushes reports, and for ``vrs sign`` / ``vrs submit``. It
needs only the standard library (``urllib``) and the package's plain ledger modules
(RFC 8785 canonical JSON, Ed25519, the RFC 9162 Merkle tree): importing it loads no
Flask and no database code (``tests/test_client.py`` checks, in a fresh interpreter).

::

    from reporting.client import Client, load_private_key

    client = Client("http://127.0.0.1:8000", token)
    answer = client.submit(report, idempotency_key="case-2025-0918",
                           sign_key=load_private_key("state-key.pem"))
    assert client.verify_receipt(answer["receipt"])
    assert client.verify_inclusion(answer["receipt"])

Every refusal raises :class:`ClientError` with the RFC 9457 problem document; a server
that cannot be reached raises ``urllib.error.URLError`` (an ``OSError``).
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from reporting.ledger import merkle
from reporting.ledger.canonical import canonical_bytes
from reporting.ledger.signing import b64url, b64url_decode, key_id, verify_document
from reporting.ledger.verify import public_keys_from_jwks

__all__ = ["Answer", "Client", "ClientError", "content_key", "load_private_key",
           "state_signature"]

API_PREFIX = "/api/v1"
KeySource = Ed25519PrivateKey | str | os.PathLike[str]


class ClientError(Exception):
    """The server refused a request: its RFC 9457 problem document, and the parts of it."""

    def __init__(self, status: int, problem: Mapping[str, Any]) -> None:
        self.status = status
        self.problem: dict[str, Any] = dict(problem)
        self.type: str = str(self.problem.get("type", "about:blank"))
        self.title: str = str(self.problem.get("title", f"HTTP {status}"))
        self.detail: str | None = self.problem.get("detail")
        self.errors: dict[str, list[str]] = dict(self.problem.get("errors") or {})
        super().__init__(f"{status} {self.title}" + (f": {self.detail}" if self.detail else ""))

    def lines(self) -> list[str]:
        """The problem for a person: status and title, the detail, each field path."""
        lines = [f"{self.status} {self.title}"]
        if self.detail:
            lines.append(self.detail)
        for path, messages in self.errors.items():
            text = " ".join(messages) if isinstance(messages, list) else str(messages)
            lines.append(f"{path}: {text}")
        return lines


class Answer(dict[str, Any]):
    """A response body (a JSON object) with the HTTP status it came with."""

    def __init__(self, body: Mapping[str, Any], status: int) -> None:
        super().__init__(body)
        self.status = status

    @property
    def replayed(self) -> bool:
        """A submission answered 200: the same Idempotency-Key and body were stored before."""
        return self.status == 200


# ---- state signatures ------------------------------------------------------------------

def load_private_key(path: str | os.PathLike[str]) -> Ed25519PrivateKey:
    """A state's Ed25519 private key from a file: PEM PKCS #8 (unencrypted), or the
    32-byte seed in base64url (padding and surrounding whitespace allowed)."""
    data = Path(path).read_bytes()
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: not an unencrypted PEM private key ({exc})") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path}: the PEM key is not an Ed25519 key")
        return key
    try:
        seed = b64url_decode(data.decode("ascii").strip().rstrip("="))
    except (UnicodeDecodeError, ValueError):
        seed = b""
    if len(seed) != 32:
        raise ValueError(f"{path}: neither a PEM PKCS #8 Ed25519 key nor a base64url "
                         "32-byte seed")
    return Ed25519PrivateKey.from_private_bytes(seed)


def _private_key(key: KeySource) -> Ed25519PrivateKey:
    return key if isinstance(key, Ed25519PrivateKey) else load_private_key(key)


def public_key_id(private_key: Ed25519PrivateKey) -> str:
    """The id the service gives the key's public half (first 16 hex of SHA-256)."""
    return key_id(private_key.public_key().public_bytes_raw())


def state_signature(report: Any, private_key: KeySource) -> str:
    """The ``State-Signature`` header value for ``report``: ``<key id>:<signature>``.

    The signature is Ed25519, base64url without padding, over the RFC 8785 canonical form
    of the body exactly as it is sent (defaults the server fills in are not covered).
    """
    key = _private_key(private_key)
    return f"{public_key_id(key)}:{b64url(key.sign(canonical_bytes(report)))}"


def content_key(report: Any) -> str:
    """An Idempotency-Key derived from the body's content (SHA-256 of its canonical form):
    sending the same report again replays the first answer instead of storing a copy."""
    return "sha256-" + hashlib.sha256(canonical_bytes(report)).hexdigest()


# ---- the client -------------------------------------------------------------------------

class Client:
    """The OpenVRS API for one bearer token.

    ``base_url`` is the server with or without the ``/api/v1`` prefix
    (``http://127.0.0.1:8000`` or ``http://127.0.0.1:8000/api/v1``).
    """

    def __init__(self, base_url: str, token: str | None, *, timeout: float = 30) -> None:
        base = base_url.rstrip("/")
        if not base.startswith(("http://", "https://")):
            raise ValueError("the server URL must start with http:// or https://")
        self.base = base if base.endswith(API_PREFIX) else base + API_PREFIX
        self.token = token
        self.timeout = timeout
        self._keys: dict[str, bytes] = {}

    def __repr__(self) -> str:  # never let a token reach a log line
        return f"Client({self.base!r})"

    # -- transport

    def request(self, method: str, path: str, body: Any = None, *,
                query: Mapping[str, Any] | None = None,
                headers: Mapping[str, str] | None = None) -> Answer:
        """One request under the API prefix; the JSON answer, or :class:`ClientError`."""
        url = self.base + path
        if query:
            url += "?" + urllib.parse.urlencode(
                {k: v for k, v in query.items() if v is not None})
        sent = {"Accept": "application/json, application/problem+json", **(headers or {})}
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        data = None
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            sent["Content-Type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method,  # noqa: S310
                                         headers=sent)  # the scheme is checked above
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return Answer(_json_object(response.read()), response.status)
        except urllib.error.HTTPError as error:
            try:
                problem = _json_object(error.read())
            finally:
                error.close()
            if not problem:
                problem = {"title": error.reason or f"HTTP {error.code}", "status": error.code}
            raise ClientError(error.code, problem) from None

    # -- reports

    def submit(self, report: Mapping[str, Any], *, idempotency_key: str | None = None,
               sign_key: KeySource | None = None) -> Answer:
        """Submit a new report: ``{id, version, status, receipt}``; ``.status`` is 201, or
        200 when the Idempotency-Key and body were stored before (a replay)."""
        return self.request("POST", "/reports", report,
                            headers=_write_headers(report, idempotency_key, sign_key))

    def amend(self, report_id: str, report: Mapping[str, Any], *,
              idempotency_key: str | None = None, sign_key: KeySource | None = None) -> Answer:
        """Amend a report: the full body of its new version."""
        return self.request("POST", f"/reports/{_id(report_id)}/versions", report,
                            headers=_write_headers(report, idempotency_key, sign_key))

    def submit_batch(self, reports: list[Mapping[str, Any]], *,
                     idempotency_key: str | None = None) -> Answer:
        """Up to 1,000 reports: ``{accepted, rejected, results}``, one result per report."""
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
        return self.request("POST", "/reports/batch", {"reports": reports}, headers=headers)

    def withdraw(self, report_id: str, reason: str | None = None) -> Answer:
        """Withdraw a report (it stops counting; its versions stay readable)."""
        body = {"reason": reason} if reason is not None else None
        return self.request("POST", f"/reports/{_id(report_id)}/withdraw", body)

    def approve(self, report_id: str) -> Answer:
        """Approve the newest version (a state admin's token)."""
        return self.request("POST", f"/reports/{_id(report_id)}/approve")

    def return_report(self, report_id: str, reason: str) -> Answer:
        """Return the newest version to its reporter with a reason (a state admin's token)."""
        return self.request("POST", f"/reports/{_id(report_id)}/return", {"reason": reason})

    def get(self, report_id: str) -> Answer:
        """The newest version of a report, with its status and sharing."""
        return self.request("GET", f"/reports/{_id(report_id)}")

    def versions(self, report_id: str) -> Answer:
        """Every version of a report, oldest first, each with its receipt."""
        return self.request("GET", f"/reports/{_id(report_id)}/versions")

    def list(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Every report the token may read, newest first, following ``next_cursor``.

        ``filters`` are the query parameters of ``GET /reports`` (``state``, ``period``,
        ``status``, ``mode``, …, and ``limit``, the page size).
        """
        query = dict(filters)
        while True:
            page = self.request("GET", "/reports", query=query)
            yield from page["items"]
            if not page.get("next_cursor"):
                return
            query["cursor"] = page["next_cursor"]

    # -- the log

    def keys(self) -> dict[str, Any]:
        """The service's public keys (JWKS, public)."""
        return dict(self.request("GET", "/keys"))

    def tree_head(self) -> dict[str, Any]:
        """The latest signed tree head (public)."""
        return dict(self.request("GET", "/log/tree-head"))

    def _public_keys(self, kid: str | None) -> dict[str, bytes]:
        # Fetched once, and again for a key id not seen yet (the service rotated).
        if not self._keys or (kid is not None and kid not in self._keys):
            self._keys = public_keys_from_jwks(self.keys())
        return self._keys

    def verify_receipt(self, receipt: Mapping[str, Any]) -> bool:
        """Whether the receipt's signature verifies with the published key it names."""
        document = dict(receipt)
        return verify_document(document, self._public_keys(document.get("key_id")))

    def verify_inclusion(self, receipt: Mapping[str, Any]) -> bool:
        """Whether the receipt is in the log: a signed tree head that verifies, and the
        server's audit path from the receipt's leaf (RFC 9162: SHA-256(0x00 ‖ canonical
        receipt)) to that head's root. False too for a receipt newer than the latest
        head: the service signs a head at most once per interval (VRS_TREE_HEAD_INTERVAL,
        10 s by default), so retry after it."""
        document = dict(receipt)
        head = self.tree_head()
        index, size = document.get("log_index"), head.get("tree_size")
        if not isinstance(index, int) or not isinstance(size, int) or not 0 <= index < size:
            return False
        if not verify_document(head, self._public_keys(head.get("key_id"))):
            return False
        proof = self.request("GET", "/log/proof/inclusion",
                             query={"index": index, "tree_size": size})
        leaf = merkle.leaf_hash(canonical_bytes(document))
        try:
            path = [bytes.fromhex(node) for node in proof["audit_path"]]
            root = bytes.fromhex(head["root_hash"])
            return proof["leaf_hash"] == leaf.hex() and merkle.verify_inclusion(
                leaf, index, size, path, root)
        except (KeyError, TypeError, ValueError):
            return False


def _write_headers(report: Any, idempotency_key: str | None,
                   sign_key: KeySource | None) -> dict[str, str]:
    headers = {}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    if sign_key is not None:
        headers["State-Signature"] = state_signature(report, sign_key)
    return headers


def _id(report_id: str) -> str:
    return urllib.parse.quote(str(report_id), safe="")


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {"value": value}
