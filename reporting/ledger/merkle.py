"""Append-only Merkle tree for the receipt log, exactly as RFC 9162 §2.1 (CT v2).

Hashing (RFC 9162 §2.1.1), with SHA-256 as HASH:

* ``leaf_hash(d) = SHA-256(0x00 || d)``
* ``node_hash(l, r) = SHA-256(0x01 || l || r)``
* ``MTH({}) = SHA-256("")``; for ``n > 1`` the tree splits at the largest power of
  two ``k < n``: ``MTH(D[n]) = node_hash(MTH(D[0:k]), MTH(D[k:n]))``.

Storage model
-------------
The log lives in a database and may hold millions of leaves, so nothing here ever
reads the leaf list. The store instead keeps the hash of every *complete, aligned*
subtree: node ``(level, index)`` is ``MTH`` of leaves
``[index * 2**level, (index + 1) * 2**level)``; level 0 holds the leaf hashes.
Such a node never changes once its last leaf exists, which is what makes it safe to
store (the tree is append-only).

Every range the RFC recursion visits starts at a multiple of the smallest power of
two that is >= its size (each split point ``k`` is a power of two and the right part
is never larger than ``k``). Such a range therefore decomposes, following the binary
digits of its size from the top, into at most ``log2(size) + 1`` stored nodes, and
its ``MTH`` is the right fold ``node_hash(N1, node_hash(N2, ... Nj))`` of them:
this is the RFC's split at the largest power of two, applied repeatedly.

Proof functions first work out *every* node id they need from the sizes alone, then
fetch them all with a single call to the caller's :data:`NodeReader` (one database
round trip), then assemble. Read costs are stated per function.

Appends must be serialised by the caller: ``nodes_for_append(index, ...)`` assumes
the store holds exactly ``index`` leaves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "NodeId",
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
]

HASH_SIZE = 32
"""Length in bytes of every hash handled here (SHA-256)."""

EMPTY_ROOT: bytes = hashlib.sha256(b"").digest()
"""``MTH({})``: the root of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1)."""

NodeId = tuple[int, int]
"""``(level, index)``: the complete aligned subtree over leaves
``[index * 2**level, (index + 1) * 2**level)``."""

NodeReader = Callable[[list[NodeId]], dict[NodeId, bytes]]
"""Fetches stored node hashes: given a list of distinct node ids, returns ``{id: hash}``.

Each call is meant to be one batched database query. Ids that are not stored may
simply be left out of the result; the caller of the reader raises :class:`ProofError`.
"""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


class ProofError(ValueError):
    """Raised for impossible arguments or a store that lacks a node it must hold.

    Examples: ``index >= tree_size``, ``first > second``, ``first == 0`` for a
    consistency proof, a negative size, a leaf hash that is not 32 bytes, or a
    ``tree_size`` larger than the number of leaves actually stored (the reader then
    cannot return a node the proof needs).
    """


def leaf_hash(data: bytes) -> bytes:
    """Return ``SHA-256(0x00 || data)``, the RFC 9162 §2.1.1 hash of one log entry.

    The 0x00 prefix (vs 0x01 for interior nodes) is the RFC's domain separation: it
    stops an interior node from being passed off as a leaf (second-preimage attack).
    """
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Return ``SHA-256(0x01 || left || right)``, an interior node (RFC 9162 §2.1.1).

    ``left`` and ``right`` are expected to be 32-byte hashes; they are not checked
    here because this is the inner loop of every computation.
    """
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()


# ---------------------------------------------------------------------------------------
# Internal helpers
# ---------------------------------------------------------------------------------------


def _require_int(name: str, value: object) -> int:
    # bool is an int subclass; a True/False size is always a caller bug.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_SIZE


def _split(size: int) -> int:
    """Largest power of two strictly below ``size`` (``size >= 2``): RFC 9162's ``k``."""
    return 1 << ((size - 1).bit_length() - 1)


def _range_nodes(start: int, size: int) -> list[NodeId]:
    """Stored nodes covering leaves ``[start, start + size)``, largest (leftmost) first.

    Only valid for ranges the RFC recursion produces, i.e. ``start`` is a multiple of
    the smallest power of two >= ``size``; each chunk taken is then aligned.
    """
    nodes: list[NodeId] = []
    pos = start
    for level in range(size.bit_length() - 1, -1, -1):
        if size >> level & 1:
            nodes.append((level, pos >> level))
            pos += 1 << level
    return nodes


def _fold(hashes: list[bytes]) -> bytes:
    """Right fold of a range's nodes: RFC 9162 §2.1.1's split at k, applied repeatedly."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def _fetch(read: NodeReader, ids: list[NodeId]) -> dict[NodeId, bytes]:
    """One call to ``read`` for the distinct ``ids`` (no call if there are none)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    got = read(wanted)
    for node in wanted:
        h = got.get(node)
        if h is None:
            raise ProofError(f"node {node} is not in the store (tree_size beyond the stored log?)")
        if not _is_hash(h):
            raise ProofError(f"node {node} from the store is not a {HASH_SIZE}-byte hash")
    return got


def _ranges_mth(ranges: list[tuple[int, int]], read: NodeReader) -> list[bytes]:
    """MTH of each ``(start, size)`` range, all nodes fetched in one ``read`` call."""
    per_range = [_range_nodes(start, size) for start, size in ranges]
    got = _fetch(read, [node for nodes in per_range for node in nodes])
    return [_fold([got[node] for node in nodes]) for nodes in per_range]


def _inclusion_ranges(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The ``(start, size)`` ranges whose MTHs form PATH(index, D[tree_size]), in order.

    Iterative form of RFC 9162 §2.1.3.1: at each split the sibling range on the other
    side of ``k`` contributes its MTH. The recursion appends the sibling *after* the
    sub-path, so the topmost sibling comes last; we walk top-down and reverse.
    """
    ranges: list[tuple[int, int]] = []
    start, size, m = 0, tree_size, index
    while size > 1:
        k = _split(size)
        if m < k:
            ranges.append((start + k, size - k))
            size = k
        else:
            ranges.append((start, k))
            start, size, m = start + k, size - k, m - k
    ranges.reverse()
    return ranges


def _consistency_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form PROOF(first, D[second]) (RFC 9162 §2.1.4.1), in order.

    Mirrors SUBPROOF(m, D[n], b). ``b`` stays true while the walk only goes left:
    the subtree it ends on is then the whole old tree, whose hash the verifier
    already holds, so it is left out. Once the walk goes right of a split the final
    subtree is only the tail of the old tree, and its hash has to be sent.
    """
    ranges: list[tuple[int, int]] = []
    start, size, m, whole_old_tree = 0, second, first, True
    while m != size:
        k = _split(size)
        if m <= k:
            ranges.append((start + k, size - k))
            size = k
        else:
            ranges.append((start, k))
            start, size, m, whole_old_tree = start + k, size - k, m - k, False
    if not whole_old_tree:
        # SUBPROOF(m, D[m], false) = {MTH(D[m])}: the innermost element, emitted first.
        ranges.append((start, size))
    ranges.reverse()
    return ranges


# ---------------------------------------------------------------------------------------
# Store maintenance and proof generation
# ---------------------------------------------------------------------------------------


def nodes_for_append(index: int, leaf: bytes, read: NodeReader) -> list[tuple[int, int, bytes]]:
    """Nodes completed by appending the leaf at position ``index``.

    ``leaf`` is the *leaf hash* (see :func:`leaf_hash`) of the new entry, and the store
    must currently hold exactly ``index`` leaves. Returns every ``(level, node_index,
    hash)`` that becomes complete, level 0 first: ``(0, index, leaf)`` and, for each
    level ``L >= 1`` with ``(index + 1) % 2**L == 0``, ``(L, (index + 1) // 2**L - 1)``.
    The caller stores all of them (in the same transaction as the leaf).

    Reads: only the left siblings of the new nodes, i.e. ``t`` nodes where ``t`` is the
    number of trailing one bits of ``index`` (at most ``log2(index + 1)``; 1 on
    average), in one call to ``read``, or no call at all when ``index`` is even.

    Raises :class:`ProofError` for a negative index, a leaf hash that is not 32 bytes,
    or a sibling missing from the store.
    """
    index = _require_int("index", index)
    if index < 0:
        raise ProofError(f"index must be >= 0, got {index}")
    if not _is_hash(leaf):
        raise ProofError(f"leaf must be a {HASH_SIZE}-byte leaf hash")
    after = index + 1
    # Levels completed = trailing zero bits of index + 1 (= trailing ones of index).
    completed = (after & -after).bit_length() - 1
    # The right child at level L-1 is node (L-1, (after >> (L-1)) - 1); its left
    # sibling, already stored because it lies wholly before `index`, is one to the left.
    siblings = [(level - 1, (after >> (level - 1)) - 2) for level in range(1, completed + 1)]
    got = _fetch(read, siblings)
    out = [(0, index, leaf)]
    acc = leaf
    for level, sibling in zip(range(1, completed + 1), siblings, strict=True):
        acc = node_hash(got[sibling], acc)
        out.append((level, (after >> level) - 1, acc))
    return out


def root_hash(tree_size: int, read: NodeReader) -> bytes:
    """MTH of the first ``tree_size`` leaves (RFC 9162 §2.1.1).

    ``root_hash(0)`` is :data:`EMPTY_ROOT`. Reads: ``popcount(tree_size)`` nodes (at
    most ``log2(tree_size) + 1``) in one call; no call for size 0.

    Raises :class:`ProofError` for a negative size or one beyond the stored log.
    """
    tree_size = _require_int("tree_size", tree_size)
    if tree_size < 0:
        raise ProofError(f"tree_size must be >= 0, got {tree_size}")
    if tree_size == 0:
        return EMPTY_ROOT
    return _ranges_mth([(0, tree_size)], read)[0]


def inclusion_proof(index: int, tree_size: int, read: NodeReader) -> list[bytes]:
    """PATH(index, D[tree_size]) of RFC 9162 §2.1.3.1, the audit path, leaf side first.

    Requires ``0 <= index < tree_size``; a tree of one leaf has the empty path.

    Reads: at most ``2 * ceil(log2(tree_size))`` distinct nodes, all in exactly one
    call to ``read`` (no call when ``tree_size == 1``). Every path element is a whole
    stored node except the single one covering the tree's ragged right edge, which
    costs ``popcount`` of its size.

    Raises :class:`ProofError` for an out-of-range index or size, or a size beyond
    the stored log.
    """
    index = _require_int("index", index)
    tree_size = _require_int("tree_size", tree_size)
    if tree_size <= 0:
        raise ProofError(f"tree_size must be >= 1, got {tree_size}")
    if not 0 <= index < tree_size:
        raise ProofError(f"index {index} is not in a tree of size {tree_size}")
    return _ranges_mth(_inclusion_ranges(index, tree_size), read)


def consistency_proof(first: int, second: int, read: NodeReader) -> list[bytes]:
    """PROOF(first, D[second]) of RFC 9162 §2.1.4.1: the tree of size ``first`` is a
    prefix of the tree of size ``second``.

    Requires ``0 < first <= second``. ``first == second`` gives ``[]``
    (SUBPROOF(m, D[m], true) = {}). ``first == 0`` raises: the RFC defines no proof
    from the empty tree, which is trivially a prefix of everything.

    Reads: at most ``2 * ceil(log2(second))`` distinct nodes in exactly one call (no
    call when ``first == second``): every element is a whole stored node except at
    most one covering the new tree's ragged right edge.

    Raises :class:`ProofError` for impossible sizes or a size beyond the stored log.
    """
    first = _require_int("first", first)
    second = _require_int("second", second)
    if first <= 0:
        raise ProofError(f"first must be >= 1, got {first}")
    if first > second:
        raise ProofError(f"first ({first}) must not exceed second ({second})")
    if first == second:
        return []
    return _ranges_mth(_consistency_ranges(first, second), read)


# ---------------------------------------------------------------------------------------
# Verification (pure: no store access)
# ---------------------------------------------------------------------------------------


def verify_inclusion(
    leaf_hash: bytes, index: int, tree_size: int, proof: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 §2.1.3.2: does ``proof`` show ``leaf_hash`` at ``index`` under ``root``?

    Never raises on bad data: any malformed input (index outside ``[0, tree_size)``,
    non-32-byte hashes, wrong proof length) yields ``False``, because a verifier's
    inputs come from an untrusted party. ``root`` and ``tree_size`` must come from
    the same signed tree head; the proof binds the leaf to that pair, not to a size
    on its own.
    """
    if isinstance(index, bool) or isinstance(tree_size, bool):
        return False
    if not (isinstance(index, int) and isinstance(tree_size, int)):
        return False
    # Step 1: an index outside the tree can have no path.
    if not 0 <= index < tree_size:
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and all(_is_hash(p) for p in proof)):
        return False
    # Steps 2-3: fn walks the leaf's position up the tree, sn the last leaf's.
    fn, sn = index, tree_size - 1
    r = leaf_hash
    for p in proof:
        # Step 4a: reaching the root before the path is used up means surplus
        # elements. Not redundant with step 5: without it, the path of a leaf in the
        # right subtree D[k:n] plus MTH(D[0:k]) would "prove" it in D[k:n] alone.
        if sn == 0:
            return False
        # Step 4b: we are a right child, or the last node of a ragged level whose
        # right sibling does not exist (fn == sn), so p goes on the left.
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # Levels where the node has no right sibling are skipped: the RFC tree
            # promotes such a node unchanged, so no path element exists for them.
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        # Step 4c.
        fn >>= 1
        sn >>= 1
    # Step 5: sn == 0 rejects a truncated path.
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """RFC 9162 §2.1.4.2: does ``proof`` show the size-``first`` tree is a prefix of
    the size-``second`` tree?

    Mirrors :func:`consistency_proof`: ``first == second`` is accepted only with an
    empty proof and equal roots; ``first == 0``, ``first > second`` and negative sizes
    are rejected (``False``), as is any non-32-byte hash. Never raises on bad data.
    """
    if isinstance(first, bool) or isinstance(second, bool):
        return False
    if not (isinstance(first, int) and isinstance(second, int)):
        return False
    # The RFC 9162 §2.1.4.2 steps presuppose 0 < first <= second: run on first >
    # second they accept forgeries (e.g. first=3, second=2, proof [a, b] with
    # first_root=a, second_root=node_hash(a, b)), so the sizes are checked up front.
    if not 0 < first <= second:
        return False
    if not (_is_hash(first_root) and _is_hash(second_root) and all(_is_hash(p) for p in proof)):
        return False
    if first == second:
        return len(proof) == 0 and first_root == second_root
    # Step 1.
    if len(proof) == 0:
        return False
    path = list(proof)
    # Step 2: when first is a power of two the old tree is a single node of the new
    # one, so the proof omits it and the verifier supplies it.
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    # Step 3.
    fn, sn = first - 1, second - 1
    # Step 4: skip the levels where the old tree's last node is a right child
    # entirely inside the old tree; the first path element already covers them.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # Step 5: fr rebuilds the old root, sr the new one, from the same start node.
    fr = sr = path[0]
    for c in path[1:]:
        # Step 6a: extra elements.
        if sn == 0:
            return False
        # Step 6b: either fn is a right child, so c is its left sibling and lies in
        # both trees, or fn == sn, the node is on both trees' right edge and c can
        # again only sit on its left.
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            # c lies wholly to the right of the old tree, so only the new root sees it.
            sr = node_hash(sr, c)
        # Step 6c.
        fn >>= 1
        sn >>= 1
    # Step 7.
    return fr == first_root and sr == second_root and sn == 0
