"""Tests for reporting.ledger.signing, reporting.ledger.canonical and the C2SP notes in log.py.

Every expected value comes from outside the code under test: the RFC 8032 §7.1 Ed25519
vectors, the RFC 8785 examples (§3.2.2, §3.2.3, Appendix B), the C2SP signed-note and Go
``sumdb/note`` vectors, or a construction made here straight from the specifications with
hashlib, base64, struct and ``cryptography`` alone.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import re
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.ledger import log
from reporting.ledger.canonical import canonical_bytes, sha256_hex
from reporting.ledger.log import (
    Ledger,
    cosignature_message,
    make_cosignature,
    note_key_id,
    verify_cosignature,
)
from reporting.ledger.signing import (
    SigningKey,
    b64url,
    b64url_decode,
    jwk,
    key_id,
    sign_document,
    verify_document,
)

EM_DASH = "\u2014"


def _private(seed_hex: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed_hex))


def _raw(private: Ed25519PrivateKey) -> bytes:
    return private.public_key().public_bytes_raw()


def _ed25519_verifies(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except InvalidSignature:
        return False
    return True


# ---------------------------------------------------------------------------------------
# 1. RFC 8032 §7.1 Ed25519 test vectors
# ---------------------------------------------------------------------------------------

MESSAGE_1024 = bytes.fromhex(
    "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f5"
    "4e9f77b1e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37"
    "c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efc"
    "b8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b"
    "3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573c"
    "b116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204"
    "ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958"
    "d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
    "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c6"
    "5adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2"
    "cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128bab27af87a"
    "71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969b"
    "e3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9"
    "b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb"
    "038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f672451"
    "7b65e614ad6808d6f6ee34dff7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
    "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e"
    "2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d"
    "5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e6aed3fb0"
    "f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041"
    "e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa9"
    "33a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380db2eaaa707b4c4185"
    "c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c"
    "15fc910840b94c00a0b9d0"
)

RFC8032_VECTORS = [
    pytest.param(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        b"",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bac"
        "c61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        id="TEST-1",
    ),
    pytest.param(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        bytes.fromhex("72"),
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e"
        "458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        id="TEST-2",
    ),
    pytest.param(
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        bytes.fromhex("af82"),
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290"
        "ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
        id="TEST-3",
    ),
    pytest.param(
        "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        MESSAGE_1024,
        "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f45"
        "28ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03",
        id="TEST-1024",
    ),
    pytest.param(
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        hashlib.sha512(b"abc").digest(),
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ec"
        "fdfbc7c66431e0303dca179c138ac17ad9bef1177331a704",
        id="TEST-SHA(abc)",
    ),
]


def test_rfc8032_message_1024_is_the_rfcs() -> None:
    assert len(MESSAGE_1024) == 1023
    assert MESSAGE_1024[:4] == bytes.fromhex("08b8b2b7")
    assert MESSAGE_1024[-4:] == bytes.fromhex("00a0b9d0")


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC8032_VECTORS)
def test_rfc8032_vectors(secret: str, public: str, message: bytes, signature: str) -> None:
    key = SigningKey.from_private(_private(secret))
    assert key.public_bytes == bytes.fromhex(public)
    assert key.kid == hashlib.sha256(bytes.fromhex(public)).hexdigest()[:16]
    assert key.sign(message) == bytes.fromhex(signature)


def test_signing_key_repr_does_not_show_the_private_key() -> None:
    secret = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
    key = SigningKey.from_private(_private(secret))
    text = repr(key)
    assert key.kid in text
    assert secret not in text
    assert base64.b64encode(bytes.fromhex(secret)).decode().rstrip("=") not in text
    assert b64url(bytes.fromhex(secret)) not in text


def test_generated_keys_are_distinct_and_consistent() -> None:
    first, second = SigningKey.generate(), SigningKey.generate()
    assert first.public_bytes != second.public_bytes
    for key in (first, second):
        assert len(key.public_bytes) == 32
        assert key.kid == hashlib.sha256(key.public_bytes).hexdigest()[:16]
        assert _ed25519_verifies(key.public_bytes, key.sign(b"m"), b"m")


# ---------------------------------------------------------------------------------------
# 2. RFC 8785 canonical JSON
# ---------------------------------------------------------------------------------------


def _assert_canonical(value: Any, expected: bytes) -> None:
    assert canonical_bytes(value) == expected
    assert rfc8785.dumps(value) == expected


def test_rfc8785_3_2_3_sorting_by_utf16_code_units() -> None:
    value = {
        "\u20ac": "Euro Sign",
        "\r": "Carriage Return",
        "\ufb33": "Hebrew Letter Dalet With Dagesh",
        "1": "One",
        "\U0001f600": "Emoji: Grinning Face",
        "\u0080": "Control",
        "\u00f6": "Latin Small Letter O With Diaeresis",
    }
    # RFC 8785 §3.2.3: U+1F600 (surrogates D83D DE00) sorts before U+FB33, unlike code points.
    expected = (
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",'
        '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",'
        '"\U0001f600":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}'
    ).encode()
    _assert_canonical(value, expected)


def test_rfc8785_3_2_2_sample() -> None:
    source = r"""{
  "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}"""
    expected = (
        r"""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"""
        r""""string":"€$\u000f\nA'B\"\\\\\"/"}"""
    ).encode()
    _assert_canonical(json.loads(source), expected)


def _ieee(hex64: str) -> float:
    return struct.unpack(">d", bytes.fromhex(hex64))[0]


NUMBERS = [
    pytest.param(1e30, b"1e+30", id="1e30"),
    pytest.param(4.50, b"4.5", id="4.50"),
    pytest.param(2e-3, b"0.002", id="2e-3"),
    pytest.param(0.000001, b"0.000001", id="1e-6-decimal"),
    pytest.param(1e-7, b"1e-7", id="1e-7-exponent"),
    pytest.param(-0.0, b"0", id="minus-zero"),
    pytest.param(100.0, b"100", id="integral-float"),
    pytest.param(1e20, b"100000000000000000000", id="1e20-decimal"),
    pytest.param(1e21, b"1e+21", id="1e21-exponent"),
    pytest.param(0.1 + 0.2, b"0.30000000000000004", id="shortest-round-trip"),
    pytest.param(-1.5e-10, b"-1.5e-10", id="negative-small"),
    pytest.param(9007199254740991, b"9007199254740991", id="int-2^53-1"),
    pytest.param(-9007199254740991, b"-9007199254740991", id="int-minus-2^53-1"),
    pytest.param(0, b"0", id="int-0"),
    pytest.param(True, b"true", id="true-not-1"),
    # RFC 8785 Appendix B, by IEEE 754 bit pattern
    pytest.param(_ieee("0000000000000001"), b"5e-324", id="B-min-subnormal"),
    pytest.param(_ieee("8000000000000001"), b"-5e-324", id="B-neg-min-subnormal"),
    pytest.param(_ieee("7fefffffffffffff"), b"1.7976931348623157e+308", id="B-max"),
    pytest.param(_ieee("ffefffffffffffff"), b"-1.7976931348623157e+308", id="B-neg-max"),
    pytest.param(_ieee("4340000000000000"), b"9007199254740992", id="B-2^53-float"),
    pytest.param(_ieee("c340000000000000"), b"-9007199254740992", id="B-neg-2^53-float"),
    pytest.param(_ieee("4430000000000000"), b"295147905179352830000", id="B-2^68"),
    pytest.param(_ieee("44b52d02c7e14af5"), b"9.999999999999997e+22", id="B-below-1e23"),
    pytest.param(_ieee("44b52d02c7e14af6"), b"1e+23", id="B-1e23"),
    pytest.param(_ieee("44b52d02c7e14af7"), b"1.0000000000000001e+23", id="B-above-1e23"),
    pytest.param(_ieee("444b1ae4d6e2ef4e"), b"999999999999999700000", id="B-below-1e21-a"),
    pytest.param(_ieee("444b1ae4d6e2ef4f"), b"999999999999999900000", id="B-below-1e21-b"),
    pytest.param(_ieee("444b1ae4d6e2ef50"), b"1e+21", id="B-1e21"),
    pytest.param(_ieee("3eb0c6f7a0b5ed8c"), b"9.999999999999997e-7", id="B-below-1e-6"),
    pytest.param(_ieee("3eb0c6f7a0b5ed8d"), b"0.000001", id="B-1e-6"),
    pytest.param(_ieee("41b3de4355555553"), b"333333333.3333332", id="B-third-a"),
    pytest.param(_ieee("41b3de4355555554"), b"333333333.33333325", id="B-third-b"),
    pytest.param(_ieee("41b3de4355555555"), b"333333333.3333333", id="B-third-c"),
    pytest.param(_ieee("41b3de4355555556"), b"333333333.3333334", id="B-third-d"),
    pytest.param(_ieee("41b3de4355555557"), b"333333333.33333343", id="B-third-e"),
    pytest.param(_ieee("becbf647612f3696"), b"-0.0000033333333333333333", id="B-neg-small"),
    pytest.param(_ieee("43143ff3c1cb0959"), b"1424953923781206.2", id="B-fraction"),
]


@pytest.mark.parametrize(("value", "expected"), NUMBERS)
def test_rfc8785_numbers(value: float, expected: bytes) -> None:
    _assert_canonical(value, expected)
    _assert_canonical([value], b"[" + expected + b"]")


STRINGS = [
    pytest.param("\x00", b'"\\u0000"', id="nul"),
    pytest.param("\x01\x1f", b'"\\u0001\\u001f"', id="controls-lower-hex"),
    pytest.param("\x0b\x0e", b'"\\u000b\\u000e"', id="vt-so-no-short-form"),
    pytest.param("\b\f\n\r\t", b'"\\b\\f\\n\\r\\t"', id="short-forms"),
    pytest.param('"\\', b'"\\"\\\\"', id="quote-backslash"),
    pytest.param("/", b'"/"', id="solidus-unescaped"),
    pytest.param("\x7f", b'"\x7f"', id="del-literal"),
    pytest.param("\u00e9\u20ac", "\"\u00e9\u20ac\"".encode(), id="non-ascii-utf8"),
    pytest.param("\U0001f600", b'"\xf0\x9f\x98\x80"', id="astral-utf8-not-surrogates"),
    pytest.param("\u2028\u2029", b'"\xe2\x80\xa8\xe2\x80\xa9"', id="line-separators-literal"),
    pytest.param("e\u0301", b'"e\xcc\x81"', id="no-normalisation"),
]


@pytest.mark.parametrize(("value", "expected"), STRINGS)
def test_rfc8785_strings(value: str, expected: bytes) -> None:
    _assert_canonical(value, expected)
    _assert_canonical({value: value}, b"{" + expected + b":" + expected + b"}")


def test_rfc8785_nested_structures() -> None:
    value = {
        "b": [3, {"z": None, "a": [], "m": {"y": False, "x": True}}, "s"],
        "a": {},
        "c": [[], [[1]], {}],
        "aa": 1,
    }
    expected = (
        b'{"a":{},"aa":1,"b":[3,{"a":[],"m":{"x":true,"y":false},"z":null},"s"],'
        b'"c":[[],[[1]],{}]}'
    )
    _assert_canonical(value, expected)


# The fast path of canonical_bytes must write exactly what the reference package writes,
# or fail exactly where it fails: generated JSON of every shape, with keys and strings
# from all of Unicode (astral characters and controls included), integers on both sides
# of ±2^53 and floats of every magnitude.
JSON_SCALARS = (st.none() | st.booleans() | st.text()
                | st.integers(min_value=-(2**60), max_value=2**60)
                | st.sampled_from([2**53 - 1, -(2**53) + 1, 2**53, -(2**53)])
                | st.floats() | st.floats(min_value=-1e4, max_value=1e4)
                | st.integers(-(2**54), 2**54).map(float))
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=4) | st.sampled_from(["a", "b", "aa", "\u20ac",
                                                             "\ufb33", "\U0001f600"]),
                      inner, max_size=5),
    max_leaves=30)


def _reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError as exc:
        return type(exc)


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(JSON_VALUES)
def test_canonical_bytes_is_byte_identical_to_rfc8785(value: Any) -> None:
    expected = _reference(value)
    if isinstance(expected, bytes):
        assert canonical_bytes(value) == expected
    else:
        with pytest.raises(expected):
            canonical_bytes(value)


@pytest.mark.parametrize("value", [
    pytest.param("\ud800", id="lone-surrogate"),
    pytest.param({"k": ["\udfff"]}, id="nested-lone-surrogate"),
    pytest.param({1: "int key"}, id="non-string-key"),
    pytest.param({"x": {1, 2}}, id="set"),
])
def test_canonical_bytes_rejects_what_rfc8785_rejects(value: Any) -> None:
    with pytest.raises(rfc8785.CanonicalizationError):
        rfc8785.dumps(value)
    with pytest.raises(rfc8785.CanonicalizationError):
        canonical_bytes(value)


def test_canonical_bytes_of_int_and_str_subclasses_follow_rfc8785() -> None:
    class Level(enum.IntEnum):
        HIGH = 3

    class Tag(enum.StrEnum):
        A = "a"

    value = {"level": Level.HIGH, "tag": Tag.A, "t": (1, 2.5), "big": 9007199254740994.0}
    assert canonical_bytes(value) == rfc8785.dumps(value) == (
        b'{"big":9007199254740994,"level":3,"t":[1,2.5],"tag":"a"}')


def test_canonical_bytes_of_synthetic_reports_match_rfc8785() -> None:
    # What the service canonicalises most: validated report bodies (fees are floats).
    from reporting.demo.synthetic import synthetic_reports
    from reporting.reports.schemas import REPORT_SCHEMA, normalise

    for _state, body in synthetic_reports(60, 7):
        value = normalise(REPORT_SCHEMA.load(body))
        assert canonical_bytes(value) == rfc8785.dumps(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(2**53, id="2^53"),
        pytest.param(-(2**53), id="minus-2^53"),
        pytest.param(2**64, id="2^64"),
        pytest.param({"nested": [2**63]}, id="nested-2^63"),
    ],
)
def test_rfc8785_rejects_integers_beyond_2_53(value: Any) -> None:
    with pytest.raises(rfc8785.IntegerDomainError):
        canonical_bytes(value)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(float("nan"), id="nan"),
        pytest.param(float("inf"), id="inf"),
        pytest.param(float("-inf"), id="-inf"),
    ],
)
def test_rfc8785_rejects_non_finite_floats(value: float) -> None:
    with pytest.raises(rfc8785.FloatDomainError):
        canonical_bytes(value)


def test_sha256_hex() -> None:
    assert sha256_hex(b"abc") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    assert sha256_hex(b"") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")


# ---------------------------------------------------------------------------------------
# 3. sign_document / verify_document
# ---------------------------------------------------------------------------------------

KEY = SigningKey.from_private(_private(
    "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
OTHER_KEY = SigningKey.from_private(_private(
    "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"))
KEYS = {KEY.kid: KEY.public_bytes, OTHER_KEY.kid: OTHER_KEY.public_bytes}

DOCUMENT: dict[str, Any] = {
    "report_id": "r-0001",
    "log_index": 7,
    "state": "DE",
    "received_at": "2026-01-01T00:00:00.000000Z",
    "flagged": True,
    "nested": {"b": [1, 2, {"c": None}], "a": "caf\u00e9", "z": 0.5},
}

B64URL_UNPADDED = re.compile(r"\A[A-Za-z0-9_-]*\Z")


def _signed() -> dict[str, Any]:
    return sign_document(DOCUMENT, KEY)[0]


def test_sign_document_round_trip() -> None:
    signed, raw = sign_document(DOCUMENT, KEY)
    assert verify_document(signed, KEYS)
    assert verify_document(signed, {KEY.kid: KEY.public_bytes})
    assert {k: v for k, v in signed.items() if k not in {"key_id", "signature"}} == DOCUMENT
    assert signed["key_id"] == KEY.kid == hashlib.sha256(KEY.public_bytes).hexdigest()[:16]
    assert raw == rfc8785.dumps(signed)
    assert json.loads(raw) == signed


def test_sign_document_leaves_its_input_alone() -> None:
    document = json.loads(json.dumps(DOCUMENT))
    sign_document(document, KEY)
    assert document == DOCUMENT
    assert "key_id" not in document
    assert "signature" not in document


def test_signature_is_unpadded_base64url_of_64_bytes() -> None:
    signature = _signed()["signature"]
    assert len(signature) == 86
    assert B64URL_UNPADDED.match(signature)
    assert "=" not in signature
    assert len(base64.urlsafe_b64decode(signature + "==")) == 64


def test_signature_covers_the_canonical_form_without_the_signature() -> None:
    signed = _signed()
    signature = base64.urlsafe_b64decode(signed["signature"] + "==")
    unsigned = {k: v for k, v in signed.items() if k != "signature"}
    assert "key_id" in unsigned
    assert _ed25519_verifies(KEY.public_bytes, signature, rfc8785.dumps(unsigned))
    # ... and over nothing else: not the input without key_id, not the whole signed form,
    # not a non-canonical serialisation.
    assert not _ed25519_verifies(KEY.public_bytes, signature, rfc8785.dumps(DOCUMENT))
    assert not _ed25519_verifies(KEY.public_bytes, signature, rfc8785.dumps(signed))
    assert not _ed25519_verifies(KEY.public_bytes, signature, json.dumps(unsigned).encode())
    # Ed25519 is deterministic: the signature is a function of key and canonical bytes.
    assert signature == KEY.private.sign(rfc8785.dumps(unsigned))


def test_existing_signature_and_key_id_are_replaced() -> None:
    stale = {**DOCUMENT, "key_id": "0000000000000000", "signature": "AAAA"}
    signed, _ = sign_document(stale, KEY)
    assert signed == _signed()


def test_key_order_does_not_matter() -> None:
    signed = _signed()
    reordered = {k: signed[k] for k in reversed(list(signed))}
    reordered["nested"] = {k: signed["nested"][k] for k in reversed(list(signed["nested"]))}
    assert list(reordered) != list(signed)
    assert verify_document(reordered, KEYS)
    assert sign_document({k: DOCUMENT[k] for k in reversed(list(DOCUMENT))}, KEY)[0][
        "signature"] == signed["signature"]


def _set(path: tuple[str, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        target = document
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value
    return mutate


def _drop(name: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        del document[name]
    return mutate


def _rename(old: str, new: str) -> Callable[[dict[str, Any]], None]:
    def mutate(document: dict[str, Any]) -> None:
        document[new] = document.pop(old)
    return mutate


def _nested_list(document: dict[str, Any]) -> None:
    document["nested"]["b"].reverse()


TAMPERING = [
    pytest.param(_set(("report_id",), "r-0002"), id="string-value"),
    pytest.param(_set(("report_id",), "r-0001 "), id="trailing-space"),
    pytest.param(_set(("log_index",), 8), id="int-value"),
    pytest.param(_set(("log_index",), "7"), id="int-to-string"),
    pytest.param(_set(("flagged",), False), id="bool-flip"),
    pytest.param(_set(("flagged",), 1), id="true-to-1"),
    pytest.param(_set(("nested", "a"), "cafe\u0301"), id="unicode-decomposed"),
    pytest.param(_set(("nested", "z"), 0.5000000000000001), id="float-next-ulp"),
    pytest.param(_set(("nested", "c"), None), id="nested-added"),
    pytest.param(_nested_list, id="array-order"),
    pytest.param(_set(("extra",), None), id="field-added"),
    pytest.param(_drop("state"), id="field-removed"),
    pytest.param(_rename("state", "State"), id="field-renamed"),
    pytest.param(_set(("key_id",), OTHER_KEY.kid), id="key-id-of-other-known-key"),
    pytest.param(_set(("key_id",), "0123456789abcdef"), id="unknown-kid"),
    pytest.param(_drop("key_id"), id="key-id-removed"),
    pytest.param(_drop("signature"), id="signature-removed"),
    pytest.param(_set(("signature",), ""), id="signature-empty"),
]


@pytest.mark.parametrize("mutate", TAMPERING)
def test_any_change_breaks_verification(mutate: Callable[[dict[str, Any]], None]) -> None:
    document = json.loads(json.dumps(_signed()))
    assert verify_document(document, KEYS)
    mutate(document)
    assert verify_document(document, KEYS) is False


@pytest.mark.parametrize("position", [0, 1, 31, 42, 43, 84, 85])
def test_flipping_one_signature_character_breaks_verification(position: int) -> None:
    signed = _signed()
    signature = signed["signature"]
    replacement = "A" if signature[position] != "A" else "B"
    tampered = signature[:position] + replacement + signature[position + 1:]
    assert tampered != signature
    assert verify_document({**signed, "signature": tampered}, KEYS) is False


def test_wrong_public_key_for_the_kid() -> None:
    signed = _signed()
    assert verify_document(signed, {KEY.kid: OTHER_KEY.public_bytes}) is False


def test_unknown_kid() -> None:
    assert verify_document(_signed(), {OTHER_KEY.kid: OTHER_KEY.public_bytes}) is False
    assert verify_document(_signed(), {}) is False


def test_malleated_signature_s_plus_l_is_rejected() -> None:
    order = 2**252 + 27742317777372353535851937790883648493  # RFC 8032 §5.1: L
    signed = _signed()
    raw = base64.urlsafe_b64decode(signed["signature"] + "==")
    s = int.from_bytes(raw[32:], "little")
    malleated = raw[:32] + (s + order).to_bytes(32, "little")
    encoded = base64.urlsafe_b64encode(malleated).rstrip(b"=").decode()
    assert verify_document({**signed, "signature": encoded}, KEYS) is False


def _padded(signature: str) -> str:
    return signature + "=="


def _standard_alphabet(signature: str) -> str:
    return signature.replace("-", "+").replace("_", "/")


def _standard_padded(signature: str) -> str:
    return _padded(_standard_alphabet(signature))


def _non_canonical_tail(signature: str) -> str:
    # 64 bytes leave 4 unused bits in the last of 86 characters; set one of them.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return signature[:-1] + alphabet[alphabet.index(signature[-1]) | 1]


def _with_newline(signature: str) -> str:
    return signature[:43] + "\n" + signature[43:]


def _with_space(signature: str) -> str:
    return signature + " "


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(_padded, id="padded"),
        pytest.param(_standard_alphabet, id="standard-alphabet"),
        pytest.param(_standard_padded, id="standard-padded"),
        pytest.param(_non_canonical_tail, id="non-canonical-tail"),
        pytest.param(_with_newline, id="embedded-newline"),
        pytest.param(_with_space, id="trailing-space"),
    ],
)
def test_signature_in_other_encodings_is_rejected(encode: Callable[[str], str]) -> None:
    signed = _signed()
    encoded = encode(signed["signature"])
    assert encoded != signed["signature"]
    # The same 64 bytes, leniently decoded: only the encoding is wrong.
    assert base64.b64decode(encoded.replace("-", "+").replace("_", "/") + "==") == (
        base64.urlsafe_b64decode(signed["signature"] + "=="))
    assert verify_document({**signed, "signature": encoded}, KEYS) is False


def test_fixture_signature_uses_url_safe_characters() -> None:
    # Guards the "standard-alphabet" case above against becoming vacuous.
    signature = _signed()["signature"]
    assert set(signature) & {"-", "_"}


GARBAGE = [
    pytest.param(lambda s: {**s, "log_index": float("nan")}, KEYS, id="nan-value"),
    pytest.param(lambda s: {**s, "log_index": 2**60}, KEYS, id="int-beyond-2^53"),
    pytest.param(lambda s: {**s, "signature": 5}, KEYS, id="signature-int"),
    pytest.param(lambda s: {**s, "signature": None}, KEYS, id="signature-null"),
    pytest.param(lambda s: {**s, "signature": b"bytes"}, KEYS, id="signature-bytes"),
    pytest.param(lambda s: {**s, "signature": "\u00e9" * 86}, KEYS, id="signature-non-ascii"),
    pytest.param(lambda s: {**s, "key_id": ["x"]}, KEYS, id="key-id-unhashable"),
    pytest.param(lambda s: {**s, "key_id": None}, KEYS, id="key-id-null"),
    pytest.param(lambda s: s, {KEY.kid: b"short"}, id="public-key-too-short"),
    pytest.param(lambda s: s, {KEY.kid: KEY.public_bytes.hex()}, id="public-key-as-str"),
    pytest.param(lambda s: [s], KEYS, id="document-list"),
    pytest.param(lambda s: None, KEYS, id="document-null"),
    pytest.param(lambda s: "document", KEYS, id="document-str"),
]


@pytest.mark.parametrize(("make", "keys"), GARBAGE)
def test_verify_document_returns_false_and_never_raises(
        make: Callable[[dict[str, Any]], Any], keys: dict[str, Any]) -> None:
    assert verify_document(make(_signed()), keys) is False


# ---------------------------------------------------------------------------------------
# 4. base64url
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"f", id="1-byte"),
        pytest.param(b"fo", id="2-bytes"),
        pytest.param(b"foo", id="3-bytes"),
        pytest.param(b"\xfb\xff", id="url-safe-chars"),
        pytest.param(b"\xfb\xef\xbe" * 11, id="33-bytes-all-dash-underscore"),
        pytest.param(bytes(range(256)), id="all-bytes"),
    ],
)
def test_b64url_round_trip(data: bytes) -> None:
    text = b64url(data)
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert B64URL_UNPADDED.match(text)
    assert b64url_decode(text) == data


def test_b64url_known_answers() -> None:
    # RFC 4648 §10 vectors, url-safe alphabet, padding dropped (RFC 7515 §2).
    assert [b64url(b"foobar"[:n]) for n in range(7)] == [
        "", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"]
    assert b64url(b"\xfb\xff") == "-_8"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Zg==", id="padding"),
        pytest.param("Zg=", id="short-padding"),
        pytest.param("Zm9v=", id="padding-on-full-block"),
        pytest.param("+_8", id="plus"),
        pytest.param("-/8", id="slash"),
        pytest.param("Zh", id="non-zero-unused-bits-1-byte"),
        pytest.param("Zm9", id="non-zero-unused-bits-2-bytes"),
        pytest.param("-_9", id="non-zero-unused-bits-url-safe"),
        pytest.param("Z", id="impossible-length"),
        pytest.param("Zm9vY", id="impossible-length-5"),
        pytest.param("Zm 9v", id="inner-space"),
        pytest.param("Zm9v\n", id="trailing-newline"),
        pytest.param("Zm9v.", id="dot"),
        pytest.param("Zm9v\u00e9", id="non-ascii"),
    ],
)
def test_b64url_decode_rejects(text: str) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - the documented contract is ValueError
        b64url_decode(text)


def test_b64url_decode_rejects_non_strings() -> None:
    with pytest.raises(ValueError):  # noqa: PT011
        b64url_decode(b"Zm9v")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# 5. JWK (RFC 8037)
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "public_hex",
    [pytest.param(vector.values[1], id=vector.id) for vector in RFC8032_VECTORS],
)
def test_jwk(public_hex: str) -> None:
    public = bytes.fromhex(public_hex)
    key = jwk(public)
    assert key["kty"] == "OKP"
    assert key["crv"] == "Ed25519"
    assert B64URL_UNPADDED.match(key["x"])
    assert base64.urlsafe_b64decode(key["x"] + "=" * (-len(key["x"]) % 4)) == public
    assert len(key["x"]) == 43
    assert key["kid"] == key_id(public) == hashlib.sha256(public).hexdigest()[:16]
    assert "d" not in key  # never the private part
    assert key.get("alg", "EdDSA") == "EdDSA"
    assert key.get("use", "sig") == "sig"
    assert all(isinstance(v, str) for v in key.values())


def test_jwk_rfc8037_appendix_a() -> None:
    # RFC 8037 A.1/A.2: the RFC 8032 TEST 1 public key as a JWK "x".
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    assert jwk(public)["x"] == "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"


def test_key_id() -> None:
    public = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    kid = key_id(public)
    assert kid == hashlib.sha256(public).hexdigest()[:16]
    assert re.fullmatch(r"[0-9a-f]{16}", kid)
    assert key_id(bytes(32)) != kid


# ---------------------------------------------------------------------------------------
# 6. C2SP signed note / tlog-checkpoint
# ---------------------------------------------------------------------------------------

ORIGIN = "example.com/log"


def _note_key_id(name: str, signature_type: int, public: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([signature_type]) + public).digest()[:4]


def _open_note(text: str) -> tuple[str, list[tuple[str, bytes]]]:
    """Split a signed note (c2sp.org/signed-note) into its body and (name, blob) pairs."""
    assert text.endswith("\n")
    cut = text.index("\n\n")
    body, signatures = text[:cut + 1], text[cut + 2:]
    lines = []
    for line in signatures.removesuffix("\n").split("\n"):
        assert line.startswith(EM_DASH + " ")
        name, encoded = line[2:].split(" ")
        lines.append((name, base64.b64decode(encoded, validate=True)))
    return body, lines


def _note_verifies(text: str, name: str, public: bytes) -> bool:
    body, signatures = _open_note(text)
    for line_name, blob in signatures:
        if line_name == name and blob[:4] == _note_key_id(name, 0x01, public):
            return len(blob) == 68 and _ed25519_verifies(public, blob[4:], body.encode())
    return False


# golang.org/x/mod/sumdb/note's example, and the example of c2sp.org/signed-note.
GO_VKEY = base64.b64decode("ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
GO_NOTE = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
    "\n"
    f"{EM_DASH} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
    "qdngotpRZb6KE6RyyBwJnAM=\n"
)
SPEC_VKEY = base64.b64decode("AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
SPEC_NOTE = (
    "This is an example message.\n"
    "\n"
    f"{EM_DASH} example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYN"
    "ZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n"
)


@pytest.mark.parametrize(
    ("name", "vkey", "key_hash", "note"),
    [
        pytest.param("PeterNeumann", GO_VKEY, "c74f20a3", GO_NOTE, id="go-sumdb-note"),
        pytest.param("example.com/foo", SPEC_VKEY, "530d903a", SPEC_NOTE, id="c2sp-spec"),
    ],
)
def test_note_key_id_and_reference_notes(name: str, vkey: bytes, key_hash: str,
                                         note: str) -> None:
    assert vkey[0] == 0x01
    assert note_key_id(name, 0x01, vkey[1:]).hex() == key_hash
    # The reference vectors also anchor this file's own note reader, used below.
    assert _note_verifies(note, name, vkey[1:])
    body, blank, signatures = note.partition("\n\n")
    assert not _note_verifies(body.replace(" is", " was", 1) + blank + signatures, name, vkey[1:])


ROOTS = [
    pytest.param(0, hashlib.sha256(b"").digest(), id="empty-tree"),
    pytest.param(1, bytes(32), id="size-1-zero-root"),
    pytest.param(20852163, b"\xfb\xff" * 16, id="root-with-plus-slash"),
    pytest.param(2**40 + 3, bytes(range(32)), id="large-size"),
]


@pytest.mark.parametrize(("size", "root"), ROOTS)
def test_checkpoint_body(size: int, root: bytes) -> None:
    body = Ledger(keyring=None, origin=ORIGIN).checkpoint_body(size, root)  # type: ignore[arg-type]
    assert body == f"{ORIGIN}\n{size}\n{base64.standard_b64encode(root).decode()}\n"


@pytest.mark.parametrize(("size", "root"), ROOTS)
def test_signed_note(size: int, root: bytes) -> None:
    ledger = Ledger(keyring=None, origin=ORIGIN)  # type: ignore[arg-type]
    text = ledger.signed_note(size, root, KEY)

    body, signatures = _open_note(text)
    origin, size_line, root_line, rest = body.split("\n")
    assert (origin, rest) == (ORIGIN, "")
    assert size_line == str(size)
    assert re.fullmatch(r"0|[1-9][0-9]*", size_line)
    assert base64.b64decode(root_line, validate=True) == root
    assert root_line == base64.standard_b64encode(root).decode()

    assert len(signatures) == 1
    name, blob = signatures[0]
    assert name == ORIGIN
    assert len(blob) == 4 + 64
    expected_key_id = hashlib.sha256(
        ORIGIN.encode() + b"\n" + b"\x01" + KEY.public_bytes).digest()[:4]
    assert blob[:4] == expected_key_id
    assert _ed25519_verifies(KEY.public_bytes, blob[4:], body.encode())
    assert not _ed25519_verifies(OTHER_KEY.public_bytes, blob[4:], body.encode())

    expected = (body + "\n" + f"{EM_DASH} {ORIGIN} "
                + base64.b64encode(expected_key_id + KEY.private.sign(body.encode())).decode()
                + "\n")
    assert text == expected


def test_signed_note_depends_on_origin() -> None:
    root = hashlib.sha256(b"leaf").digest()
    first = Ledger(keyring=None, origin="a.example/log").signed_note(  # type: ignore[arg-type]
        3, root, KEY)
    second = Ledger(keyring=None, origin="b.example/log").signed_note(  # type: ignore[arg-type]
        3, root, KEY)
    assert _note_verifies(first, "a.example/log", KEY.public_bytes)
    assert _note_verifies(second, "b.example/log", KEY.public_bytes)
    assert not _note_verifies(first, "b.example/log", KEY.public_bytes)


# ---------------------------------------------------------------------------------------
# 7. C2SP tlog-cosignature, cosignature/v1 (Ed25519, signature type 0x04)
# ---------------------------------------------------------------------------------------

WITNESS = "witness.example.com/w1"
WITNESS_KEY = _private("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7")
OTHER_WITNESS_KEY = _private("833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42")
NOW = datetime(2026, 1, 1, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())
TS = NOW_TS - 3600
ROOT = bytes.fromhex("0ac5186a91863e8e1d90c808014aa89bf5da8e3ee1d9f07630f0378f68f1ab62")
BODY = f"{ORIGIN}\n20852163\n{base64.b64encode(ROOT).decode()}\n"


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(log, "utcnow", lambda: NOW)


def _cosign(name: str, body: str, private: Ed25519PrivateKey, timestamp: int,
            key_hash: bytes | None = None) -> str:
    """A cosignature/v1 line made straight from the spec, without the code under test."""
    message = b"cosignature/v1\n" + b"time %d\n" % timestamp + body.encode()
    if key_hash is None:
        key_hash = _note_key_id(name, 0x04, _raw(private))
    blob = key_hash + timestamp.to_bytes(8, "big") + private.sign(message)
    return f"{EM_DASH} {name} {base64.b64encode(blob).decode()}"


def test_cosignature_message_spec_example() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    assert cosignature_message(body, 1679315147) == (
        b"cosignature/v1\n"
        b"time 1679315147\n"
        b"example.com/behind-the-sofa\n"
        b"20852163\n"
        b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n")
    assert cosignature_message(body, 0).startswith(b"cosignature/v1\ntime 0\n")


def test_spec_example_root_matches_fixture() -> None:
    assert base64.b64encode(ROOT).decode() == "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I="


@pytest.mark.parametrize(
    "timestamp",
    [
        pytest.param(0, id="epoch"),
        pytest.param(1679315147, id="spec-example-time"),
        pytest.param(2**32 + 5, id="beyond-32-bits"),
    ],
)
def test_make_cosignature_format(timestamp: int) -> None:
    line = make_cosignature(WITNESS, BODY, WITNESS_KEY, timestamp)
    assert "\n" not in line
    assert line.startswith(f"{EM_DASH} {WITNESS} ")
    encoded = line.removeprefix(f"{EM_DASH} {WITNESS} ")
    blob = base64.b64decode(encoded, validate=True)
    assert base64.b64encode(blob).decode() == encoded
    assert len(blob) == 4 + 8 + 64
    assert blob[:4] == hashlib.sha256(
        WITNESS.encode() + b"\n\x04" + _raw(WITNESS_KEY)).digest()[:4]
    assert blob[:4] != _note_key_id(WITNESS, 0x01, _raw(WITNESS_KEY))
    assert blob[4:12] == struct.pack(">Q", timestamp)
    message = f"cosignature/v1\ntime {timestamp}\n{BODY}".encode()
    assert _ed25519_verifies(_raw(WITNESS_KEY), blob[12:], message)
    assert line == _cosign(WITNESS, BODY, WITNESS_KEY, timestamp)


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize(
    ("line", "keys"),
    [
        pytest.param(make_cosignature(WITNESS, BODY, WITNESS_KEY, TS), [_raw(WITNESS_KEY)],
                     id="made-by-make_cosignature"),
        pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, TS), [_raw(WITNESS_KEY)],
                     id="made-from-the-spec"),
        pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, TS),
                     [_raw(OTHER_WITNESS_KEY), _raw(WITNESS_KEY)], id="second-key-in-list"),
        pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, TS) + "\n", [_raw(WITNESS_KEY)],
                     id="trailing-newline"),
        pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, 0), [_raw(WITNESS_KEY)],
                     id="timestamp-zero"),
        pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, NOW_TS + 300), [_raw(WITNESS_KEY)],
                     id="five-minutes-ahead"),
    ],
)
def test_verify_cosignature_accepts(line: str, keys: list[bytes]) -> None:
    assert verify_cosignature(line, BODY, keys) == WITNESS


def test_verify_cosignature_with_the_real_clock() -> None:
    now = int(datetime.now(UTC).timestamp())
    keys = [_raw(WITNESS_KEY)]
    assert verify_cosignature(make_cosignature(WITNESS, BODY, WITNESS_KEY, now), BODY,
                              keys) == WITNESS
    future = int((datetime.now(UTC) + timedelta(hours=1)).timestamp())
    with pytest.raises(ValueError, match="future"):
        verify_cosignature(make_cosignature(WITNESS, BODY, WITNESS_KEY, future), BODY, keys)


def _retime(line: str, timestamp: int) -> str:
    prefix, encoded = line.rsplit(" ", 1)
    blob = base64.b64decode(encoded)
    retimed = blob[:4] + struct.pack(">Q", timestamp) + blob[12:]
    return f"{prefix} {base64.b64encode(retimed).decode()}"


GOOD = _cosign(WITNESS, BODY, WITNESS_KEY, TS)
OTHER_ROOT_BODY = f"{ORIGIN}\n20852163\n{base64.b64encode(bytes(32)).decode()}\n"

REJECTED = [
    pytest.param(GOOD, f"{ORIGIN}\n20852164\n{base64.b64encode(ROOT).decode()}\n",
                 [_raw(WITNESS_KEY)], id="other-size"),
    pytest.param(GOOD, OTHER_ROOT_BODY, [_raw(WITNESS_KEY)], id="other-root"),
    pytest.param(GOOD, BODY.replace(ORIGIN, "example.org/log"), [_raw(WITNESS_KEY)],
                 id="other-origin"),
    pytest.param(GOOD, BODY + "extension line\n", [_raw(WITNESS_KEY)], id="extension-added"),
    pytest.param(_retime(GOOD, TS + 1), BODY, [_raw(WITNESS_KEY)], id="timestamp-tampered"),
    pytest.param(_retime(GOOD, TS - 1), BODY, [_raw(WITNESS_KEY)], id="timestamp-earlier"),
    pytest.param(GOOD, BODY, [_raw(OTHER_WITNESS_KEY)], id="key-not-in-list"),
    pytest.param(GOOD, BODY, [], id="no-keys"),
    pytest.param(GOOD.replace(WITNESS, "witness.example.com/w2"), BODY, [_raw(WITNESS_KEY)],
                 id="wrong-name"),
    pytest.param(_cosign(WITNESS, BODY, OTHER_WITNESS_KEY, TS,
                         key_hash=_note_key_id(WITNESS, 0x04, _raw(WITNESS_KEY))),
                 BODY, [_raw(WITNESS_KEY)], id="key-id-ok-signed-by-other-key"),
    pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, TS,
                         key_hash=_note_key_id(WITNESS, 0x01, _raw(WITNESS_KEY))),
                 BODY, [_raw(WITNESS_KEY)], id="key-id-of-type-0x01"),
    pytest.param(f"{EM_DASH} {WITNESS} !!!!not-base64!!!!", BODY, [_raw(WITNESS_KEY)],
                 id="garbage-base64"),
    pytest.param(f"{EM_DASH} {WITNESS} " + base64.b64encode(b"\0" * 68).decode(), BODY,
                 [_raw(WITNESS_KEY)], id="blob-too-short"),
    pytest.param(GOOD.removeprefix(f"{EM_DASH} "), BODY, [_raw(WITNESS_KEY)],
                 id="missing-em-dash"),
    pytest.param("-" + GOOD.removeprefix(EM_DASH), BODY, [_raw(WITNESS_KEY)],
                 id="hyphen-not-em-dash"),
    pytest.param(GOOD.replace(f"{EM_DASH} ", EM_DASH), BODY, [_raw(WITNESS_KEY)],
                 id="no-space-after-dash"),
    pytest.param(f"{EM_DASH} {WITNESS}", BODY, [_raw(WITNESS_KEY)], id="no-signature"),
    pytest.param(f"{EM_DASH}  " + GOOD.rsplit(" ", 1)[1], BODY, [_raw(WITNESS_KEY)],
                 id="empty-name"),
    pytest.param(_cosign("", BODY, WITNESS_KEY, TS), BODY, [_raw(WITNESS_KEY)],
                 id="empty-name-valid-signature"),
    pytest.param(GOOD[:-20] + "!" + GOOD[-20:], BODY, [_raw(WITNESS_KEY)],
                 id="non-base64-character-inside"),
    pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, NOW_TS + 301), BODY, [_raw(WITNESS_KEY)],
                 id="just-over-five-minutes-ahead"),
    pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, NOW_TS + 86400), BODY,
                 [_raw(WITNESS_KEY)], id="a-day-ahead"),
    pytest.param(_cosign(WITNESS, BODY, WITNESS_KEY, 2**64 - 1), BODY, [_raw(WITNESS_KEY)],
                 id="timestamp-u64-max"),
]


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize(("line", "body", "keys"), REJECTED)
def test_verify_cosignature_rejects(line: str, body: str, keys: list[bytes]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case fails for its own reason
        verify_cosignature(line, body, keys)


@pytest.mark.usefixtures("frozen_clock")
def test_rejected_fixture_is_otherwise_valid() -> None:
    # The rejection cases above are GOOD plus one change; GOOD itself must pass.
    assert verify_cosignature(GOOD, BODY, [_raw(WITNESS_KEY)]) == WITNESS
    assert verify_cosignature(_retime(GOOD, TS), BODY, [_raw(WITNESS_KEY)]) == WITNESS
