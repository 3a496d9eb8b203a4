"""Tests for reporting.ledger.merkle against an independent RFC 9162 §2.1 reference.

The reference below works on the full leaf list, straight from the RFC's recursive
definitions, and the verifiers below follow RFC 9162 §2.1.3.2 / §2.1.4.2 step by
step; neither imports anything from the module under test, so an error shared by
both would have to be made twice, independently.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reporting.ledger import merkle
from reporting.ledger.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    nodes_for_append,
    root_hash,
    verify_consistency,
    verify_inclusion,
)

# ---------------------------------------------------------------------------------------
# Independent reference: RFC 9162 §2.1.1 (MTH), §2.1.3.1 (PATH), §2.1.4.1 (PROOF)
# ---------------------------------------------------------------------------------------


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """The largest power of two smaller than n (n > 1), per RFC 9162 §2.1.1."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class RefTree:
    """D[n] as a plain list of entries; ranges are (lo, hi) into it, MTH memoised.

    Memoising MTH(D[lo:hi]) changes nothing about the definitions; it only stops the
    exhaustive tests from rehashing the same subtrees hundreds of thousands of times.
    """

    def __init__(self, entries: list[bytes]) -> None:
        self.d = entries
        self._mth: dict[tuple[int, int], bytes] = {}

    def mth(self, lo: int, hi: int) -> bytes:
        key = (lo, hi)
        if key not in self._mth:
            n = hi - lo
            if n == 0:
                value = _sha256(b"")
            elif n == 1:
                value = _sha256(b"\x00" + self.d[lo])
            else:
                k = _k(n)
                value = _sha256(b"\x01" + self.mth(lo, lo + k) + self.mth(lo + k, hi))
            self._mth[key] = value
        return self._mth[key]

    def path(self, m: int, lo: int, hi: int) -> list[bytes]:
        """PATH(m, D[lo:hi]) with m relative to lo."""
        n = hi - lo
        if n == 1:
            return []
        k = _k(n)
        if m < k:
            return self.path(m, lo, lo + k) + [self.mth(lo + k, hi)]
        return self.path(m - k, lo + k, hi) + [self.mth(lo, lo + k)]

    def subproof(self, m: int, lo: int, hi: int, b: bool) -> list[bytes]:
        """SUBPROOF(m, D[lo:hi], b)."""
        n = hi - lo
        if m == n:
            return [] if b else [self.mth(lo, hi)]
        k = _k(n)
        if m <= k:
            return self.subproof(m, lo, lo + k, b) + [self.mth(lo + k, hi)]
        return self.subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]

    def proof(self, m: int, n: int) -> list[bytes]:
        """PROOF(m, D[n]) = SUBPROOF(m, D[n], true)."""
        return self.subproof(m, 0, n, True)


def ref_path_len(m: int, n: int) -> int:
    """len(PATH(m, D[n])), which depends on the sizes only."""
    if n == 1:
        return 0
    k = _k(n)
    return 1 + (ref_path_len(m, k) if m < k else ref_path_len(m - k, n - k))


def ref_proof_len(m: int, n: int, b: bool = True) -> int:
    """len(SUBPROOF(m, D[n], b)), which depends on the sizes only."""
    if m == n:
        return 0 if b else 1
    k = _k(n)
    return 1 + (ref_proof_len(m, k, b) if m <= k else ref_proof_len(m - k, n - k, False))


# ---------------------------------------------------------------------------------------
# Independent verifiers: RFC 9162 §2.1.3.2 and §2.1.4.2, step by step
# ---------------------------------------------------------------------------------------


def _lsb(x: int) -> bool:
    return bool(x & 1)


def _hash_children(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right)


def rfc_verify_inclusion(
    hash_: bytes, leaf_index: int, tree_size: int, inclusion_path: list[bytes], root: bytes
) -> bool:
    # 1. Compare leaf_index from the inclusion_proof_v2 structure against tree_size.
    if leaf_index >= tree_size:
        return False
    # 2. Set fn to leaf_index and sn to tree_size - 1.
    fn, sn = leaf_index, tree_size - 1
    # 3. Set r to hash.
    r = hash_
    # 4. For each value p in the inclusion_path array:
    for p in inclusion_path:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if _lsb(fn) or fn == sn:
            # i. Set r to HASH(0x01 || p || r).
            r = _hash_children(p, r)
            # ii. If LSB(fn) is not set, then right-shift both fn and sn equally until
            #     either LSB(fn) is set or fn is 0.
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        # Otherwise: i. Set r to HASH(0x01 || r || p).
        else:
            r = _hash_children(r, p)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 5. Compare sn to 0. Compare r against the root_hash.
    return sn == 0 and r == root


def rfc_verify_consistency(
    first: int, second: int, first_hash: bytes, second_hash: bytes, consistency_path: list[bytes]
) -> bool:
    # 1. If consistency_path is an empty array, stop and fail the proof verification.
    if not consistency_path:
        return False
    path = list(consistency_path)
    # 2. If first is an exact power of 2, then prepend first_hash to the array.
    if first & (first - 1) == 0:
        path = [first_hash, *path]
    # 3. Set fn to first - 1 and sn to second - 1.
    fn, sn = first - 1, second - 1
    # 4. If LSB(fn) is set, then right-shift both fn and sn equally until LSB(fn) is
    #    not set.
    if _lsb(fn):
        while _lsb(fn):
            fn >>= 1
            sn >>= 1
    # 5. Set both fr and sr to the first value in the consistency_path array.
    fr = sr = path[0]
    # 6. For each subsequent value c in the consistency_path array:
    for c in path[1:]:
        # a. If sn is 0, then stop the iteration and fail the proof verification.
        if sn == 0:
            return False
        # b. If LSB(fn) is set, or if fn is equal to sn, then:
        if _lsb(fn) or fn == sn:
            # i. Set fr to HASH(0x01 || c || fr).  ii. Set sr to HASH(0x01 || c || sr).
            fr = _hash_children(c, fr)
            sr = _hash_children(c, sr)
            # iii. If LSB(fn) is not set, then right-shift both fn and sn equally until
            #      either LSB(fn) is set or fn is 0.
            if not _lsb(fn):
                while not (_lsb(fn) or fn == 0):
                    fn >>= 1
                    sn >>= 1
        # Otherwise: i. Set sr to HASH(0x01 || sr || c).
        else:
            sr = _hash_children(sr, c)
        # c. Finally, right-shift both fn and sn one time.
        fn >>= 1
        sn >>= 1
    # 7. fr == first_hash, sr == second_hash and sn == 0.
    return fr == first_hash and sr == second_hash and sn == 0


# ---------------------------------------------------------------------------------------
# In-memory node store, filled only through nodes_for_append
# ---------------------------------------------------------------------------------------

Lookup = Callable[[int, int], bytes | None]


class CountingReader:
    """A NodeReader over a lookup function that counts calls and node reads.

    ``limit`` is the number of leaves the caller may rely on: asking for any node that
    is not complete within the first ``limit`` leaves is a bug in the module (it would
    make the answer depend on leaves beyond the tree being proved), so it fails loudly.
    """

    def __init__(self, lookup: Lookup, limit: int) -> None:
        self.lookup = lookup
        self.limit = limit
        self.calls = 0
        self.reads = 0

    def __call__(self, ids: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        self.calls += 1
        self.reads += len(ids)
        assert len(set(ids)) == len(ids), f"duplicate ids in one read: {ids}"
        out = {}
        for level, index in ids:
            assert level >= 0, (level, index)
            assert index >= 0, (level, index)
            assert (index + 1) << level <= self.limit, (
                f"node {(level, index)} is not complete in a tree of {self.limit} leaves"
            )
            value = self.lookup(level, index)
            if value is not None:
                out[(level, index)] = value
        return out


class MemoryStore:
    """What the database layer does: store every node nodes_for_append returns."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.size = 0

    def _lookup(self, level: int, index: int) -> bytes | None:
        return self.nodes.get((level, index))

    def reader(self, limit: int | None = None) -> CountingReader:
        return CountingReader(self._lookup, self.size if limit is None else limit)

    def append(self, entry: bytes) -> tuple[CountingReader, list[tuple[int, int, bytes]]]:
        read = self.reader()
        new = nodes_for_append(self.size, leaf_hash(entry), read)
        for level, index, value in new:
            assert (level, index) not in self.nodes, "a complete node was produced twice"
            self.nodes[(level, index)] = value
        self.size += 1
        return read, new


def _entry(i: int) -> bytes:
    return f"receipt-{i}".encode()


SMALL_N = 300


@cache
def small() -> tuple[MemoryStore, RefTree]:
    entries = [_entry(i) for i in range(SMALL_N + 1)]
    store = MemoryStore()
    for e in entries:
        store.append(e)
    return store, RefTree(entries)


@cache
def medium() -> tuple[MemoryStore, RefTree]:
    entries = [_entry(i) for i in range(3000)]
    store = MemoryStore()
    for e in entries:
        store.append(e)
    return store, RefTree(entries)


def _flip(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    out = bytearray(value)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _ceil_log2(n: int) -> int:
    return (n - 1).bit_length()


# ---------------------------------------------------------------------------------------
# Primitives and known-answer vectors
# ---------------------------------------------------------------------------------------

# RFC 6962 / certificate-transparency reference inputs (merkle_tree_test.cc, and the
# same vectors in certificate-transparency-go and transparency-dev/merkle).
CT_INPUTS = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]
CT_ROOTS = {
    0: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}
# (leaf index, tree size, audit path), 0-based leaf index.
CT_INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (first, second, proof)
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]


@cache
def ct_tree() -> tuple[MemoryStore, RefTree]:
    store = MemoryStore()
    for e in CT_INPUTS:
        store.append(e)
    return store, RefTree(CT_INPUTS)


def test_primitives_use_rfc_9162_domain_separation() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = b"\x11" * 32, b"\x22" * 32
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert node_hash(left, right) != node_hash(right, left)
    # A leaf whose bytes are two hashes must not collide with the node over them.
    assert leaf_hash(left + right) != node_hash(left, right)


@pytest.mark.parametrize(("size", "expected"), sorted(CT_ROOTS.items()))
def test_known_answer_roots(size: int, expected: str) -> None:
    store, ref = ct_tree()
    assert ref.mth(0, size).hex() == expected, "the reference itself disagrees with CT"
    assert root_hash(size, store.reader(limit=size)).hex() == expected


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_known_answer_inclusion_paths(index: int, size: int, expected: list[str]) -> None:
    store, ref = ct_tree()
    assert [h.hex() for h in ref.path(index, 0, size)] == expected
    proof = inclusion_proof(index, size, store.reader(limit=size))
    assert [h.hex() for h in proof] == expected
    root = bytes.fromhex(CT_ROOTS[size])
    assert verify_inclusion(leaf_hash(CT_INPUTS[index]), index, size, proof, root)
    assert rfc_verify_inclusion(leaf_hash(CT_INPUTS[index]), index, size, proof, root)


@pytest.mark.parametrize(("first", "second", "expected"), CT_CONSISTENCY)
def test_known_answer_consistency_proofs(first: int, second: int, expected: list[str]) -> None:
    store, ref = ct_tree()
    assert [h.hex() for h in ref.proof(first, second)] == expected
    proof = consistency_proof(first, second, store.reader(limit=second))
    assert [h.hex() for h in proof] == expected
    old, new = bytes.fromhex(CT_ROOTS[first]), bytes.fromhex(CT_ROOTS[second])
    assert verify_consistency(first, second, old, new, proof)
    if first != second:
        assert rfc_verify_consistency(first, second, old, new, proof)


# ---------------------------------------------------------------------------------------
# Store maintenance
# ---------------------------------------------------------------------------------------


def test_appends_store_exactly_the_complete_aligned_subtrees() -> None:
    store, ref = small()
    n = store.size
    expected = {}
    level = 0
    while (1 << level) <= n:
        for index in range(n >> level):
            expected[(level, index)] = ref.mth(index << level, (index + 1) << level)
        level += 1
    assert store.nodes.keys() == expected.keys()
    assert len(store.nodes) == 2 * n - bin(n).count("1")
    for key, value in expected.items():
        assert store.nodes[key] == value, key


def test_append_reads_only_the_left_siblings_in_one_call() -> None:
    store = MemoryStore()
    for i in range(257):
        read, new = store.append(_entry(i))
        trailing_ones = (i ^ (i + 1)).bit_length() - 1
        assert read.reads == trailing_ones, i
        assert read.calls == (1 if trailing_ones else 0), i
        assert [(lv, ix) for lv, ix, _ in new] == [
            (lv, ((i + 1) >> lv) - 1) for lv in range(trailing_ones + 1)
        ]
        assert new[0] == (0, i, leaf_hash(_entry(i)))


def test_append_rejects_bad_arguments_and_missing_siblings() -> None:
    store = MemoryStore()
    read = store.reader(limit=10**9)
    with pytest.raises(ProofError):
        nodes_for_append(-1, leaf_hash(b"x"), read)
    with pytest.raises(ProofError):
        nodes_for_append(0, b"short", read)
    with pytest.raises(ProofError):
        # index 1 needs its sibling (0, 0), which an empty store does not have.
        nodes_for_append(1, leaf_hash(b"x"), read)
    with pytest.raises(TypeError):
        nodes_for_append(True, leaf_hash(b"x"), read)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Exhaustive comparison with the reference
# ---------------------------------------------------------------------------------------


def test_root_hash_matches_reference_for_every_size() -> None:
    store, ref = small()
    read = store.reader(limit=0)
    assert root_hash(0, read) == EMPTY_ROOT
    assert read.calls == 0
    for n in range(1, SMALL_N + 1):
        read = store.reader(limit=n)
        assert root_hash(n, read) == ref.mth(0, n), n
        assert read.calls == 1
        assert read.reads == bin(n).count("1")


def test_inclusion_proofs_match_reference_for_every_index_and_size() -> None:
    store, ref = small()
    for n in range(1, SMALL_N + 1):
        root = root_hash(n, store.reader(limit=n))
        assert root == ref.mth(0, n)
        for i in range(n):
            read = store.reader(limit=n)
            proof = inclusion_proof(i, n, read)
            assert proof == ref.path(i, 0, n), (i, n)
            leaf = ref.mth(i, i + 1)
            assert rfc_verify_inclusion(leaf, i, n, proof, root), (i, n)
            assert verify_inclusion(leaf, i, n, proof, root), (i, n)
            assert read.calls == (0 if n == 1 else 1)
            assert read.reads <= 2 * _ceil_log2(n), (i, n, read.reads)


def test_consistency_proofs_match_reference_for_every_pair_up_to_64() -> None:
    store, ref = small()
    for n in range(1, 65):
        new_root = ref.mth(0, n)
        for m in range(1, n + 1):
            old_root = ref.mth(0, m)
            read = store.reader(limit=n)
            proof = consistency_proof(m, n, read)
            assert proof == ref.proof(m, n), (m, n)
            assert verify_consistency(m, n, old_root, new_root, proof), (m, n)
            if m == n:
                assert proof == []
                assert read.calls == 0
                continue
            assert rfc_verify_consistency(m, n, old_root, new_root, proof), (m, n)
            assert read.calls == 1
            assert read.reads <= 2 * _ceil_log2(n), (m, n, read.reads)


@settings(max_examples=300, deadline=None, database=None)
@given(st.data())
def test_random_proofs_in_a_3000_leaf_log_match_reference(data: st.DataObject) -> None:
    store, ref = medium()
    n = data.draw(st.integers(1, store.size), label="n")
    i = data.draw(st.integers(0, n - 1), label="i")
    m = data.draw(st.integers(1, n), label="m")
    assert root_hash(n, store.reader(limit=n)) == ref.mth(0, n)
    assert inclusion_proof(i, n, store.reader(limit=n)) == ref.path(i, 0, n)
    assert consistency_proof(m, n, store.reader(limit=n)) == ref.proof(m, n)


# ---------------------------------------------------------------------------------------
# The module's verifiers reject every kind of tampering
# ---------------------------------------------------------------------------------------

ZERO = b"\x00" * 32


def test_verify_inclusion_rejects_tampering() -> None:
    store, ref = small()
    definite_size_rejections = 0
    for n in range(1, SMALL_N + 1):
        root = ref.mth(0, n)
        # Every index up to 100 leaves; beyond, a stride plus the edges and the split,
        # to stay fast (the acceptance side is exhaustive in the test above).
        k = _k(n) if n > 1 else 0
        indices = range(n) if n <= 100 else sorted({0, k - 1, k, n - 1, *range(0, n, 17)})
        for i in indices:
            leaf = ref.mth(i, i + 1)
            proof = ref.path(i, 0, n)
            assert verify_inclusion(leaf, i, n, proof, root)
            # Tampered leaf.
            assert not verify_inclusion(_flip(leaf, i), i, n, proof, root)
            if n > 1:
                other = ref.mth((i + 1) % n, (i + 1) % n + 1)
                assert not verify_inclusion(other, i, n, proof, root)
            # A flipped bit in each proof element.
            for j in range(len(proof)):
                bad = [*proof]
                bad[j] = _flip(bad[j], 7 * j + i)
                assert not verify_inclusion(leaf, i, n, bad, root), (i, n, j)
            # Truncated and extended proofs.
            if proof:
                assert not verify_inclusion(leaf, i, n, proof[:-1], root)
                assert not verify_inclusion(leaf, i, n, proof[1:], root)
            assert not verify_inclusion(leaf, i, n, [*proof, ZERO], root)
            assert not verify_inclusion(leaf, i, n, [*proof, root], root)
            assert not verify_inclusion(leaf, i, n, [ZERO, *proof], root)
            # Wrong index: neighbours, out of range.
            for wrong in (i - 1, i + 1, n, -1):
                assert not verify_inclusion(leaf, wrong, n, proof, root), (i, wrong, n)
            # Wrong tree size with this root. A proof of the same length can rebuild
            # the same hash under another size (e.g. PATH(0, D[3]) read as a 4-leaf
            # tree), since a size is only meaningful paired with its root in a signed
            # tree head; so demand rejection whenever the shape differs and agreement
            # with the RFC verifier otherwise.
            for wrong in (n - 1, n + 1, 2 * n, 0, k):
                got = verify_inclusion(leaf, i, wrong, proof, root)
                if wrong <= i or ref_path_len(i, wrong) != len(proof):
                    assert not got, (i, n, wrong)
                    definite_size_rejections += 1
                else:
                    assert got == rfc_verify_inclusion(leaf, i, wrong, proof, root)
            # The same path re-read as a proof inside the right subtree D[k:n]: its
            # last element is surplus there, and RFC 9162 §2.1.3.2 step 4a must refuse
            # it, since folding it in would rebuild exactly this root.
            if n > 1 and i >= k:
                assert not verify_inclusion(leaf, i - k, n - k, proof, root), (i, n)
            # Wrong root.
            assert not verify_inclusion(leaf, i, n, proof, _flip(root, i))
            assert not verify_inclusion(leaf, i, n, proof, ref.mth(0, n + 1))
    assert definite_size_rejections > 5_000


def test_verify_consistency_rejects_tampering() -> None:
    _, ref = small()
    definite_size_rejections = 0
    for n in range(2, 65):
        new = ref.mth(0, n)
        for m in range(1, n):
            old = ref.mth(0, m)
            proof = ref.proof(m, n)
            assert verify_consistency(m, n, old, new, proof)
            # Tampered roots.
            assert not verify_consistency(m, n, _flip(old, m), new, proof)
            assert not verify_consistency(m, n, old, _flip(new, n), proof)
            assert not verify_consistency(m, n, new, old, proof)
            # A flipped bit in each proof element.
            for j in range(len(proof)):
                bad = [*proof]
                bad[j] = _flip(bad[j], 11 * j + m)
                assert not verify_consistency(m, n, old, new, bad), (m, n, j)
            # Truncated and extended proofs.
            assert not verify_consistency(m, n, old, new, proof[:-1])
            assert not verify_consistency(m, n, old, new, proof[1:])
            assert not verify_consistency(m, n, old, new, [*proof, ZERO])
            assert not verify_consistency(m, n, old, new, [ZERO, *proof])
            assert not verify_consistency(m, n, old, new, [])
            # Wrong sizes (see the inclusion test for why equal shapes are special).
            for wm, wn in ((m - 1, n), (m + 1, n), (m, n + 1), (m, n - 1), (m, 2 * n)):
                got = verify_consistency(wm, wn, old, new, proof)
                if not 0 < wm < wn or ref_proof_len(wm, wn) != len(proof):
                    assert not got, (m, n, wm, wn)
                    definite_size_rejections += 1
                else:
                    assert got == rfc_verify_consistency(wm, wn, old, new, proof)
    assert definite_size_rejections > 1_000


def test_verifiers_handle_the_edges_without_raising() -> None:
    _, ref = small()
    r1, r2 = ref.mth(0, 1), ref.mth(0, 2)
    # m == n: only the empty proof and equal roots.
    assert verify_consistency(5, 5, r1, r1, [])
    assert not verify_consistency(5, 5, r1, r2, [])
    assert not verify_consistency(5, 5, r1, r1, [r1])
    # first == 0 and first > second have no proof (consistency_proof raises for them).
    assert not verify_consistency(0, 2, EMPTY_ROOT, r2, [])
    assert not verify_consistency(0, 2, EMPTY_ROOT, r2, [r2])
    assert not verify_consistency(2, 1, r2, r1, ref.proof(1, 2))
    # The RFC 9162 §2.1.4.2 steps alone accept this forged "size 3 is a prefix of
    # size 2" proof, so first <= second has to be checked before running them.
    c0, c1 = _flip(r1, 1), _flip(r2, 2)
    forged = (3, 2, c0, _hash_children(c0, c1), [c0, c1])
    assert rfc_verify_consistency(*forged)
    assert not verify_consistency(*forged)
    # Malformed hashes and non-int sizes are rejected, not raised.
    proof = ref.proof(1, 2)
    assert verify_consistency(1, 2, r1, r2, proof)
    assert not verify_consistency(1, 2, r1, r2, [proof[0][:31]])
    assert not verify_consistency(1, 2, r1[:31], r2, proof)
    assert not verify_consistency(True, 2, r1, r2, proof)  # type: ignore[arg-type]
    leaf = ref.mth(0, 1)
    path = ref.path(0, 0, 2)
    assert verify_inclusion(leaf, 0, 2, path, r2)
    assert not verify_inclusion(leaf, 0, 2, [path[0] + b"\x00"], r2)
    assert not verify_inclusion(leaf.hex(), 0, 2, path, r2)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, False, 2, path, r2)  # type: ignore[arg-type]
    assert not verify_inclusion(leaf, 0, 0, [], EMPTY_ROOT)
    assert verify_inclusion(leaf, 0, 1, [], r1)


# ---------------------------------------------------------------------------------------
# Impossible arguments
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda r: inclusion_proof(5, 5, r),
        lambda r: inclusion_proof(-1, 5, r),
        lambda r: inclusion_proof(0, 0, r),
        lambda r: inclusion_proof(0, -3, r),
        lambda r: consistency_proof(0, 5, r),
        lambda r: consistency_proof(0, 0, r),
        lambda r: consistency_proof(6, 5, r),
        lambda r: consistency_proof(-1, 5, r),
        lambda r: root_hash(-1, r),
        # Sizes beyond the stored log: the store lacks a node the proof needs.
        lambda r: root_hash(SMALL_N + 2, r),
        lambda r: inclusion_proof(0, SMALL_N + 2, r),
        lambda r: consistency_proof(3, SMALL_N + 2, r),
    ],
)
def test_impossible_arguments_raise_proof_error(call: Callable[[CountingReader], object]) -> None:
    store, _ = small()
    read = store.reader(limit=10**9)
    with pytest.raises(ProofError):
        call(read)


def test_a_corrupt_store_is_reported() -> None:
    store, _ = small()
    n = 37

    def short_hashes(ids: list[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        return {node: store.nodes[node][:16] for node in ids}

    with pytest.raises(ProofError):
        root_hash(n, short_hashes)
    with pytest.raises(ProofError):
        inclusion_proof(3, n, short_hashes)
    assert issubclass(ProofError, ValueError)


def test_non_int_sizes_are_type_errors() -> None:
    store, _ = small()
    with pytest.raises(TypeError):
        root_hash(3.0, store.reader())  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        inclusion_proof(0, True, store.reader())  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# Read cost at a million leaves
# ---------------------------------------------------------------------------------------

BIG_K = 1 << 20
BIG_N = BIG_K + 12345


def _big_entry(i: int) -> bytes:
    return i.to_bytes(8, "big")


class BigTree:
    """Complete aligned nodes of a BIG_N-leaf log, one bytes blob per level.

    Built bottom-up directly (pairing adjacent nodes is exactly MTH for aligned
    power-of-two ranges), not through nodes_for_append, to keep it to a second or two
    and ~70 MB.
    """

    def __init__(self) -> None:
        blob = b"".join(_sha256(b"\x00" + _big_entry(i)) for i in range(BIG_N))
        self.levels = [blob]
        while len(blob) >= 64:
            blob = b"".join(
                _sha256(b"\x01" + blob[j : j + 64]) for j in range(0, len(blob) - 63, 64)
            )
            self.levels.append(blob)

    def node(self, level: int, index: int) -> bytes | None:
        if level >= len(self.levels):
            return None
        value = self.levels[level][32 * index : 32 * index + 32]
        return value or None

    def reader(self, limit: int = BIG_N) -> CountingReader:
        return CountingReader(self.node, limit)


@pytest.fixture(scope="module")
def big() -> BigTree:
    return BigTree()


@pytest.fixture(scope="module")
def big_tail() -> RefTree:
    """The reference over the 12345 leaves right of the 2^20 split, D[2^20:BIG_N]."""
    return RefTree([_big_entry(i) for i in range(BIG_K, BIG_N)])


def test_big_root_matches_rfc_split(big: BigTree, big_tail: RefTree) -> None:
    # RFC 9162 §2.1.1: MTH(D[n]) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k = 2^20.
    left = big.node(20, 0)
    assert left is not None
    expected = _hash_children(left, big_tail.mth(0, BIG_N - BIG_K))
    read = big.reader()
    assert root_hash(BIG_N, read) == expected
    assert read.calls == 1
    assert read.reads == bin(BIG_N).count("1")


@pytest.mark.parametrize("index", [0, 1, 777_777, BIG_K - 1, BIG_K, BIG_K + 5000, BIG_N - 1])
def test_big_inclusion_proof_is_cheap_and_correct(
    big: BigTree, big_tail: RefTree, index: int
) -> None:
    root = root_hash(BIG_N, big.reader())
    read = big.reader()
    proof = inclusion_proof(index, BIG_N, read)
    assert read.calls == 1
    assert read.reads <= 2 * _ceil_log2(BIG_N), read.reads
    # RFC 9162 §2.1.3.1 at the top split k = 2^20.
    if index < BIG_K:
        # Inside the complete left subtree every sibling is one stored node.
        expected = [big.node(lv, (index >> lv) ^ 1) for lv in range(20)]
        expected.append(big_tail.mth(0, BIG_N - BIG_K))
    else:
        expected = [*big_tail.path(index - BIG_K, 0, BIG_N - BIG_K), big.node(20, 0)]
    assert proof == expected
    leaf = big.node(0, index)
    assert leaf is not None
    assert rfc_verify_inclusion(leaf, index, BIG_N, proof, root)
    assert verify_inclusion(leaf, index, BIG_N, proof, root)
    assert not verify_inclusion(leaf, index, BIG_N, [*proof[:-1], _flip(proof[-1], 3)], root)


@pytest.mark.parametrize("first", [1, 2, 12345, 999_999, BIG_K, BIG_K + 1, BIG_K + 777, BIG_N - 1])
def test_big_consistency_proof_is_cheap_and_correct(
    big: BigTree, big_tail: RefTree, first: int
) -> None:
    read = big.reader()
    proof = consistency_proof(first, BIG_N, read)
    assert read.calls == 1
    assert read.reads <= 2 * _ceil_log2(BIG_N), read.reads
    # RFC 9162 §2.1.4.1 at the top split k = 2^20.
    if first > BIG_K:
        top = big.node(20, 0)
        assert proof == [*big_tail.subproof(first - BIG_K, 0, BIG_N - BIG_K, False), top]
    else:
        assert proof[-1] == big_tail.mth(0, BIG_N - BIG_K)
    old = root_hash(first, big.reader(limit=first))
    new = root_hash(BIG_N, big.reader())
    assert rfc_verify_consistency(first, BIG_N, old, new, proof)
    assert verify_consistency(first, BIG_N, old, new, proof)
    assert not verify_consistency(first, BIG_N, _flip(old, 1), new, proof)


def test_big_append_completing_2_to_the_20(big: BigTree) -> None:
    index = BIG_K - 1
    read = big.reader(limit=index)
    new = nodes_for_append(index, leaf_hash(_big_entry(index)), read)
    assert read.calls == 1
    assert read.reads == 20
    assert new == [(lv, (BIG_K >> lv) - 1, big.node(lv, (BIG_K >> lv) - 1)) for lv in range(21)]


def test_module_exports_the_documented_interface() -> None:
    for name in (
        "EMPTY_ROOT",
        "NodeReader",
        "ProofError",
        "consistency_proof",
        "inclusion_proof",
        "leaf_hash",
        "node_hash",
        "nodes_for_append",
        "root_hash",
        "verify_consistency",
        "verify_inclusion",
    ):
        assert hasattr(merkle, name), name
        assert name in merkle.__all__, name
    assert len(EMPTY_ROOT) == merkle.HASH_SIZE == 32
