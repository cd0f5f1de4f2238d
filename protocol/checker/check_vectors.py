#!/usr/bin/env python3
"""Independent checker for the FedTwin wire protocol test vectors.

Written from protocol/PROTOCOL.md alone (not from the Swift sources), so that a pass
shows the spec is sufficient to decode the frames. Dependencies: `cryptography`,
`numpy`, and the standard library (`zlib`, `hashlib`, `json`, `struct`).

Usage: python3 protocol/checker/check_vectors.py [--vectors DIR]

Prints one line per check (`ok   NAME` / `FAIL NAME: reason`) and finally
`N passed, M failed`; exits non-zero if anything failed or no vector was found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import struct
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

# --------------------------------------------------------------------------------------
# Constants (§2, §4, §5)
# --------------------------------------------------------------------------------------

MAGIC = b"FTWF"
VERSION = 1
PREFIX_LEN = 16
SIG_LEN = 64
DOMAIN_TAG = b"FedTwin frame v1\x00"
assert DOMAIN_TAG == bytes.fromhex("4665645477696e206672616d6520763100")

FLAG_ZLIB = 0x0001
KNOWN_FLAGS = FLAG_ZLIB

# code -> (kind, carries payload)
KINDS: dict[int, tuple[str, bool]] = {
    1: ("hello", False),
    2: ("welcome", False),
    3: ("task", True),
    4: ("update", True),
    5: ("evaluate", True),
    6: ("evaluation", False),
    7: ("ack", False),
    8: ("reject", False),
    9: ("heartbeat", False),
    10: ("bye", False),
}

DTYPES = {"f32", "f64"}
ENCODINGS = {"f32", "f64", "f16", "q8"}

MIB = 1 << 20


@dataclass(frozen=True)
class Limits:
    """Default limits of §2 ("all configurable")."""

    max_header: int = 1 * MIB
    max_body: int = 256 * MIB
    max_inflated: int = 512 * MIB
    max_tensors: int = 4096
    max_rank: int = 8
    max_elements: int = 1 << 27
    max_name_bytes: int = 256
    min_block: int = 1
    max_block: int = 65536


DEFAULT_LIMITS = Limits()

# --------------------------------------------------------------------------------------
# Error categories: one exception class per category
# --------------------------------------------------------------------------------------


class FrameError(Exception):
    """A refusal. `category` is the name used in the vectors' `error` field."""

    category = "frame-error"

    def __init__(self, detail: str):
        super().__init__(f"{self.category}: {detail}")
        self.detail = detail


class Truncated(FrameError):
    category = "truncated"


class BadMagic(FrameError):
    category = "bad-magic"


class UnsupportedVersion(FrameError):
    category = "unsupported-version"


class LimitExceeded(FrameError):
    category = "limit-exceeded"


class BadSignature(FrameError):
    category = "bad-signature"


class UnknownKey(FrameError):
    category = "unknown-key"


class InflateExceedsDeclared(FrameError):
    category = "inflate-exceeds-declared"


class NonFinite(FrameError):
    category = "non-finite"


class DuplicateKey(FrameError):
    """A JSON object of the header repeats a key (§3): refused, never resolved."""

    category = "duplicate-key"


class DuplicateKeyInJSON(ValueError):
    pass


class MalformedFrame(FrameError):
    """Layout, JSON, message or manifest could not be parsed / is inconsistent.

    Covers refusals the vector categories do not name: unknown type, unknown flag bit,
    trailing bytes, bad JSON, missing/mistyped fields, manifest arithmetic, corrupt or
    short zlib streams (reason code `malformed-frame`, §7).
    """

    category = "malformed-frame"


# --------------------------------------------------------------------------------------
# Small JSON helpers
# --------------------------------------------------------------------------------------

HEX_RE = re.compile(r"[0-9a-f]+")
FINGERPRINT_RE = re.compile(r"[0-9a-f]{64}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON (RFC 8259)")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise DuplicateKeyInJSON(f"duplicate key {k!r}")
        out[k] = v
    return out


def parse_json_strict(raw: bytes) -> Any:
    """RFC 8259 JSON in UTF-8: no NaN/Infinity, no duplicate keys, no BOM."""
    text = raw.decode("utf-8")  # strict: raises UnicodeDecodeError on bad UTF-8
    return json.loads(text, parse_constant=_reject_constant, object_pairs_hook=_no_duplicates)


def is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def is_number(v: Any) -> bool:
    return (is_int(v) or isinstance(v, float)) and not isinstance(v, bool)


def is_hex(v: Any) -> bool:
    return isinstance(v, str) and HEX_RE.fullmatch(v) is not None


def json_difference(a: Any, b: Any, path: str = "$") -> str | None:
    """First place where two JSON values differ (numbers by value, bool is not a
    number), or None if they are equal."""
    if isinstance(a, bool) or isinstance(b, bool):
        same = type(a) is type(b) and a == b
    elif is_number(a) and is_number(b):
        same = a == b
    elif isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path}: keys {sorted(a)} != {sorted(b)}"
        return next((d for k in a if (d := json_difference(a[k], b[k], f"{path}.{k}"))), None)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b))
                     if (d := json_difference(x, y, f"{path}[{i}]"))), None)
    else:
        same = type(a) is type(b) and a == b
    return None if same else f"{path}: {a!r} != {b!r}"


# --------------------------------------------------------------------------------------
# Layer 1: prefix (§2 checks 1-3)
# --------------------------------------------------------------------------------------


@dataclass
class Prefix:
    version: int
    type: int
    kind: str
    carries_payload: bool
    flags: int
    header_len: int
    body_len: int

    @property
    def frame_len(self) -> int:
        return PREFIX_LEN + self.header_len + self.body_len + SIG_LEN


def parse_prefix(frame: bytes, limits: Limits = DEFAULT_LIMITS) -> Prefix:
    """§2 checks 1 and 2: everything decidable from the 16-byte prefix alone."""
    if len(frame) < PREFIX_LEN:
        raise Truncated(f"{len(frame)} bytes, the prefix needs {PREFIX_LEN}")
    magic, version, ftype, flags, header_len, body_len = struct.unpack_from("<4sBBHII", frame, 0)
    if magic != MAGIC:
        raise BadMagic(f"magic {magic.hex()} != {MAGIC.hex()}")
    if version != VERSION:
        raise UnsupportedVersion(f"version {version}")
    if ftype not in KINDS:
        raise MalformedFrame(f"unknown message type {ftype}")
    if flags & ~KNOWN_FLAGS:
        raise MalformedFrame(f"unknown flag bits 0x{flags & ~KNOWN_FLAGS:04x}")
    if header_len > limits.max_header:
        raise LimitExceeded(f"header_len {header_len} > {limits.max_header}")
    if body_len > limits.max_body:
        raise LimitExceeded(f"body_len {body_len} > {limits.max_body}")
    kind, carries = KINDS[ftype]
    return Prefix(version, ftype, kind, carries, flags, header_len, body_len)


def split_frame(frame: bytes, prefix: Prefix) -> tuple[bytes, bytes, bytes, bytes]:
    """§2 check 3: exact length. Returns (header, body, signature, signed_bytes)."""
    want = prefix.frame_len
    if len(frame) < want:
        raise Truncated(f"{len(frame)} bytes, the prefix declares {want}")
    if len(frame) > want:
        raise MalformedFrame(f"{len(frame) - want} trailing bytes after the signature")
    h_end = PREFIX_LEN + prefix.header_len
    b_end = h_end + prefix.body_len
    return frame[PREFIX_LEN:h_end], frame[h_end:b_end], frame[b_end:], frame[:b_end]


# --------------------------------------------------------------------------------------
# Layer 2: envelope and signature (§2 checks 4-5, §3)
# --------------------------------------------------------------------------------------


def signed_digest(signed_bytes: bytes) -> bytes:
    """D = SHA-256(domain tag || bytes[0 .. 16+H+B))."""
    return hashlib.sha256(DOMAIN_TAG + signed_bytes).digest()


def parse_envelope(header_bytes: bytes) -> dict[str, Any]:
    """§2 check 4 (first half): header is a JSON object with the envelope fields."""
    try:
        header = parse_json_strict(header_bytes)
    except DuplicateKeyInJSON as e:
        raise DuplicateKey(f"header repeats a key: {e}") from None
    except (UnicodeDecodeError, ValueError) as e:
        raise MalformedFrame(f"header is not valid JSON: {e}") from None
    if not isinstance(header, dict):
        raise MalformedFrame("header is not a JSON object")
    sender = header.get("sender")
    if not isinstance(sender, str) or not FINGERPRINT_RE.fullmatch(sender):
        raise MalformedFrame(f"sender {sender!r} is not 64 lower-case hex digits")
    for name in ("session", "challenge"):
        if not isinstance(header.get(name), str):
            raise MalformedFrame(f"envelope field {name!r} missing or not a string")
    for name in ("round", "seq"):
        v = header.get(name)
        if not is_int(v) or v < 0:
            raise MalformedFrame(f"envelope field {name!r} missing or not an integer >= 0")
    if not isinstance(header.get("message"), dict):
        raise MalformedFrame("envelope field 'message' missing or not an object")
    if "recipients" in header:
        check_recipients(header)
    return header


def check_recipients(header: dict[str, Any]) -> None:
    """§3: `recipients` is an array of {session: string, seq: integer >= 0}. Whether a frame
    is addressed to a given session (and with which seq) is a session check (§6 point 4),
    not a frame check."""
    recipients = header["recipients"]
    if not isinstance(recipients, list):
        raise MalformedFrame("envelope field 'recipients' is not an array")
    for i, r in enumerate(recipients):
        if not isinstance(r, dict) or not isinstance(r.get("session"), str) or not is_int(r.get("seq")) or r["seq"] < 0:
            raise MalformedFrame(f"recipients[{i}] is not {{session: string, seq: integer >= 0}}")


def verify_signature(
    signed_bytes: bytes, signature: bytes, sender: str, keyring: dict[str, bytes]
) -> bytes:
    """§2 checks 4 (key lookup) and 5. Returns D."""
    pub = keyring.get(sender)
    if pub is None:
        raise UnknownKey(f"sender {sender} is not enrolled")
    digest = signed_digest(signed_bytes)
    try:
        Ed25519PublicKey.from_public_bytes(pub).verify(signature, digest)
    except InvalidSignature:
        raise BadSignature(f"Ed25519 signature does not verify with {sender[:16]}") from None
    return digest


# --------------------------------------------------------------------------------------
# Layer 3: message fields (§2 check 6, §5)
# --------------------------------------------------------------------------------------

# field type checkers
T_STR: Callable[[Any], bool] = lambda v: isinstance(v, str)
T_INT: Callable[[Any], bool] = is_int
T_NUM: Callable[[Any], bool] = is_number
T_HEX: Callable[[Any], bool] = is_hex
T_INT_LIST: Callable[[Any], bool] = lambda v: isinstance(v, list) and all(is_int(x) for x in v)
T_STR_LIST: Callable[[Any], bool] = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)
T_METRICS: Callable[[Any], bool] = lambda v: isinstance(v, dict) and all(
    is_number(x) and math.isfinite(x) for x in v.values()
)
T_TRAINING: Callable[[Any], bool] = lambda v: (
    isinstance(v, dict)
    and is_int(v.get("epochs"))
    and is_number(v.get("learningRate"))
    and is_int(v.get("batchSize"))
    and is_number(v.get("proximalMu"))
    and is_int(v.get("seed"))
)
T_STATE: Callable[[Any], bool] = lambda v: v in ("idle", "training", "evaluating")

# kind -> {field: (checker, required)}
MESSAGE_SCHEMAS: dict[str, dict[str, tuple[Callable[[Any], bool], bool]]] = {
    "hello": {
        "site": (T_STR, True),
        "software": (T_STR, True),
        "protocolVersions": (T_INT_LIST, True),
        "encodings": (T_STR_LIST, True),
        "compression": (T_STR_LIST, True),
    },
    "welcome": {
        "component": (T_STR, True),
        "currentVersion": (T_INT, True),
        "currentVersionID": (T_HEX, False),
        "heartbeatSeconds": (T_NUM, True),
        "software": (T_STR, True),
        "componentSpecHash": (T_HEX, False),
    },
    "task": {
        "baseVersion": (T_INT, True),
        "baseVersionID": (T_HEX, True),
        "parametersID": (T_HEX, True),
        "component": (T_STR, True),
        "training": (T_TRAINING, True),
        "deadlineSeconds": (T_NUM, True),
        "updateEncoding": (T_STR, True),
        "updateBlockSize": (T_INT, True),
        "updateCompressionLevel": (T_INT, False),
    },
    "update": {
        "baseVersionID": (T_HEX, True),
        "samples": (T_INT, True),
        "metrics": (T_METRICS, True),
    },
    "evaluate": {
        "version": (T_INT, True),
        "versionID": (T_HEX, True),
        "parametersID": (T_HEX, True),
    },
    "evaluation": {
        "versionID": (T_HEX, True),
        "samples": (T_INT, True),
        "metrics": (T_METRICS, True),  # JSON cannot carry non-finite numbers anyway
    },
    "ack": {"ackSeq": (T_INT, True), "storedID": (T_HEX, False)},
    "reject": {"code": (T_STR, True), "reason": (T_STR, True), "refSeq": (T_INT, False)},
    "heartbeat": {"state": (T_STATE, True)},
    "bye": {"reason": (T_STR, True)},
}


METRIC_NAME_RE = re.compile(r"[A-Za-z0-9_.:/-]{1,64}")
# §3 "Bounds": (kind, field) -> most UTF-8 bytes; lists -> most entries.
TEXT_BOUNDS = {
    ("hello", "site"): 256, ("hello", "software"): 256, ("welcome", "software"): 256, ("welcome", "component"): 256,
    ("task", "component"): 256, ("task", "updateEncoding"): 256, ("heartbeat", "state"): 256, ("reject", "code"): 256,
    ("reject", "reason"): 4096, ("bye", "reason"): 4096,
    ("welcome", "currentVersionID"): 128, ("welcome", "coordinatorKey"): 128, ("welcome", "componentSpecHash"): 128, ("task", "baseVersionID"): 128,
    ("task", "parametersID"): 128, ("update", "baseVersionID"): 128, ("evaluate", "versionID"): 128,
    ("evaluate", "parametersID"): 128, ("evaluation", "versionID"): 128, ("ack", "storedID"): 128,
}


def check_bounds(kind: str, header: dict[str, Any]) -> None:
    """§3 "Bounds" (§2 check 6): free-form strings, lists and metrics."""
    message = header["message"]
    for (k, name), limit in TEXT_BOUNDS.items():
        value = message.get(name)
        if k == kind and isinstance(value, str) and len(value.encode("utf-8")) > limit:
            raise LimitExceeded(f"{kind}.{name} is {len(value.encode('utf-8'))} bytes, limit {limit}")
    for name in ("session", "challenge"):
        if len(header[name].encode("utf-8")) > 128:
            raise LimitExceeded(f"{name} longer than 128 bytes")
    if len(header.get("recipients") or []) > 65536:
        raise LimitExceeded("more than 65536 recipients")
    if kind == "hello":
        for name in ("protocolVersions", "encodings", "compression"):
            entries = message.get(name) or []
            if len(entries) > 16:
                raise LimitExceeded(f"hello.{name} has {len(entries)} entries, limit 16")
            for e in entries:
                if isinstance(e, str) and len(e.encode("utf-8")) > 256:
                    raise LimitExceeded(f"hello.{name} entry longer than 256 bytes")
    if kind == "task":
        t = message["training"]
        if not 1 <= t["epochs"] <= 100_000 or not 1 <= t["batchSize"] <= 1 << 24:
            raise LimitExceeded(f"task epochs {t['epochs']} or batchSize {t['batchSize']} out of range")
        if not 1 <= message["updateBlockSize"] <= 65536 or not 0 <= message.get("updateCompressionLevel", 0) <= 9:
            raise LimitExceeded("task updateBlockSize or updateCompressionLevel out of range")
        if not (t["learningRate"] > 0 and t["proximalMu"] >= 0 and message["deadlineSeconds"] > 0):
            raise MalformedFrame("task learningRate, deadlineSeconds must be > 0 and proximalMu >= 0")
    if kind == "welcome" and not 0.01 <= message["heartbeatSeconds"] <= 3600:
        raise MalformedFrame(f"welcome heartbeatSeconds {message['heartbeatSeconds']} outside 0.01..3600")
    if kind in ("update", "evaluation"):
        metrics = message["metrics"]
        if len(metrics) > 64:
            raise LimitExceeded(f"{kind}.metrics has {len(metrics)} entries, limit 64")
        for name in metrics:
            if len(name.encode("utf-8")) > 64:
                raise LimitExceeded(f"{kind}.metrics name of {len(name.encode('utf-8'))} bytes, limit 64")
            if not METRIC_NAME_RE.fullmatch(name):
                raise MalformedFrame(f"{kind}.metrics name {name!r} outside A-Z a-z 0-9 _ . - : /")


def parse_message(prefix: Prefix, header: dict[str, Any]) -> None:
    """§2 check 6: message fields parse and are within bounds; payload present iff the kind carries one."""
    schema = MESSAGE_SCHEMAS[prefix.kind]
    message = header["message"]
    for name, (check, required) in schema.items():
        if name not in message:
            if required:
                raise MalformedFrame(f"{prefix.kind}: missing message field {name!r}")
            continue
        if not check(message[name]):
            raise MalformedFrame(f"{prefix.kind}: bad message field {name!r}: {message[name]!r}")
    check_bounds(prefix.kind, header)
    has_payload = "payload" in header
    if prefix.carries_payload:
        if not has_payload:
            raise MalformedFrame(f"{prefix.kind} must carry a payload field")
    else:
        if has_payload:
            raise MalformedFrame(f"{prefix.kind} must not carry a payload field")
        if prefix.body_len != 0:
            raise MalformedFrame(f"{prefix.kind} must have body_len 0, got {prefix.body_len}")
        if prefix.flags != 0:
            raise MalformedFrame(f"{prefix.kind} must have flags 0, got {prefix.flags}")


# --------------------------------------------------------------------------------------
# Layer 4: manifest (§4.2)
# --------------------------------------------------------------------------------------


@dataclass
class TensorEntry:
    name: str
    dtype: str
    shape: list[int]
    encoding: str
    block_size: int | None
    offset: int
    length: int
    max_abs_error: float
    rms_error: float
    count: int


@dataclass
class Manifest:
    raw_length: int
    delta: str | None
    tensors: list[TensorEntry] = field(default_factory=list)


def encoded_length(encoding: str, count: int, block_size: int | None) -> int:
    """Byte length an encoding needs for `count` elements (§4.3)."""
    if encoding == "f32":
        return 4 * count
    if encoding == "f64":
        return 8 * count
    if encoding == "f16":
        return 2 * count
    if encoding == "q8":
        assert block_size is not None
        blocks = -(-count // block_size)
        return 8 * blocks + count
    raise AssertionError(encoding)


def parse_manifest(payload: Any, prefix: Prefix, limits: Limits = DEFAULT_LIMITS) -> Manifest:
    """§2 check 7 (first half): limits and the manifest's own arithmetic."""
    if not isinstance(payload, dict):
        raise MalformedFrame("payload is not an object")
    raw_length = payload.get("rawLength")
    if not is_int(raw_length) or raw_length < 0:
        raise MalformedFrame(f"rawLength {raw_length!r} is not an integer >= 0")
    if raw_length > limits.max_inflated:
        raise LimitExceeded(f"rawLength {raw_length} > {limits.max_inflated}")
    if not (prefix.flags & FLAG_ZLIB) and raw_length != prefix.body_len:
        raise MalformedFrame(f"uncompressed body: rawLength {raw_length} != body_len {prefix.body_len}")
    delta = payload.get("delta")
    if delta is not None and not isinstance(delta, str):
        raise MalformedFrame("delta is not a string")
    entries = payload.get("tensors")
    if not isinstance(entries, list):
        raise MalformedFrame("tensors is not an array")
    if len(entries) > limits.max_tensors:
        raise LimitExceeded(f"{len(entries)} tensors > {limits.max_tensors}")

    manifest = Manifest(raw_length, delta)
    names: set[str] = set()
    expected_offset = 0
    for i, e in enumerate(entries):
        where = f"tensor #{i}"
        if not isinstance(e, dict):
            raise MalformedFrame(f"{where} is not an object")
        name = e.get("name")
        if not isinstance(name, str):
            raise MalformedFrame(f"{where}: name is not a string")
        where = f"tensor {name!r}"
        if len(name.encode("utf-8")) > limits.max_name_bytes:
            raise LimitExceeded(f"{where}: name longer than {limits.max_name_bytes} bytes")
        if name in names:
            raise MalformedFrame(f"{where}: duplicate name")
        names.add(name)

        dtype, encoding = e.get("dtype"), e.get("encoding")
        if dtype not in DTYPES:
            raise MalformedFrame(f"{where}: unknown dtype {dtype!r}")
        if encoding not in ENCODINGS:
            raise MalformedFrame(f"{where}: unknown encoding {encoding!r}")
        if dtype == "f32" and encoding == "f64":
            raise MalformedFrame(f"{where}: f64 storage is not allowed for an f32 tensor")

        shape = e.get("shape")
        if not isinstance(shape, list) or not all(is_int(d) and d >= 0 for d in shape):
            raise MalformedFrame(f"{where}: shape {shape!r} is not a list of integers >= 0")
        if len(shape) > limits.max_rank:
            raise LimitExceeded(f"{where}: rank {len(shape)} > {limits.max_rank}")
        count = math.prod(shape)
        if count > limits.max_elements:
            raise LimitExceeded(f"{where}: {count} elements > {limits.max_elements}")

        block_size = None
        if encoding == "q8":
            block_size = e.get("blockSize")
            if not is_int(block_size):
                raise MalformedFrame(f"{where}: q8 needs an integer blockSize")
            if not limits.min_block <= block_size <= limits.max_block:
                raise LimitExceeded(f"{where}: blockSize {block_size} outside {limits.min_block}…{limits.max_block}")

        offset, length = e.get("offset"), e.get("length")
        if not is_int(offset) or not is_int(length) or length < 0:
            raise MalformedFrame(f"{where}: offset/length not integers")
        if offset != expected_offset:
            raise MalformedFrame(f"{where}: offset {offset}, expected {expected_offset}")
        need = encoded_length(encoding, count, block_size)
        if length != need:
            raise MalformedFrame(f"{where}: length {length}, {encoding} of {count} elements needs {need}")
        expected_offset = offset + length
        if expected_offset > raw_length:
            raise MalformedFrame(f"{where}: ends at {expected_offset} > rawLength {raw_length}")

        mae, rms = e.get("maxAbsError"), e.get("rmsError")
        for label, v in (("maxAbsError", mae), ("rmsError", rms)):
            if not is_number(v) or not math.isfinite(v) or v < 0:
                raise MalformedFrame(f"{where}: {label} {v!r} is not a finite number >= 0")

        manifest.tensors.append(
            TensorEntry(name, dtype, list(shape), encoding, block_size, offset, length,
                        float(mae), float(rms), count)
        )
    if expected_offset != raw_length:
        raise MalformedFrame(f"tensors cover {expected_offset} bytes, rawLength is {raw_length}")
    return manifest


# --------------------------------------------------------------------------------------
# Layer 5: capped inflate (§4.4)
# --------------------------------------------------------------------------------------


def inflate_capped(body: bytes, raw_length: int) -> bytes:
    """Inflate one zlib stream to exactly raw_length bytes, never producing more than
    raw_length + 1 bytes of output (so a zip bomb costs at most that)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(body, raw_length + 1)
    except zlib.error as e:
        raise MalformedFrame(f"corrupt zlib stream: {e}") from None
    if len(out) > raw_length:
        raise InflateExceedsDeclared(f"body inflates past the declared rawLength {raw_length}")
    # Fewer than raw_length + 1 bytes were produced, so all input has been consumed.
    assert not d.unconsumed_tail
    if not d.eof:
        raise MalformedFrame(f"zlib stream incomplete after {len(out)} of {raw_length} bytes")
    if len(out) < raw_length:
        raise MalformedFrame(f"zlib stream ends after {len(out)} of {raw_length} bytes")
    if d.unused_data:
        raise MalformedFrame(f"{len(d.unused_data)} bytes after the end of the zlib stream")
    return out


# --------------------------------------------------------------------------------------
# Layer 6: tensor decoding (§4.3)
# --------------------------------------------------------------------------------------

NP_DTYPE = {"f32": np.dtype("<f4"), "f64": np.dtype("<f8")}


def decode_tensor(entry: TensorEntry, raw: bytes) -> np.ndarray:
    """Decode one tensor's bytes to a flat array of its logical dtype."""
    data = raw[entry.offset: entry.offset + entry.length]
    n = entry.count
    target = NP_DTYPE[entry.dtype]
    if entry.encoding == "f32":
        values = np.frombuffer(data, dtype="<f4", count=n).astype(target)  # exact widening
    elif entry.encoding == "f64":
        values = np.frombuffer(data, dtype="<f8", count=n).astype(target)
    elif entry.encoding == "f16":
        values = np.frombuffer(data, dtype="<f2", count=n).astype(target)  # exact
    elif entry.encoding == "q8":
        b = entry.block_size
        assert b is not None
        m = -(-n // b)
        headers = np.frombuffer(data, dtype="<f4", count=2 * m).reshape(m, 2)
        scale = headers[:, 0].astype(np.float64)
        offset = headers[:, 1].astype(np.float64)
        if not (np.all(np.isfinite(scale)) and np.all(np.isfinite(offset))):
            raise NonFinite(f"tensor {entry.name!r}: non-finite q8 scale/offset")
        codes = np.frombuffer(data, dtype=np.uint8, count=n, offset=8 * m).astype(np.float64)
        block_of = np.arange(n) // b
        # Two separately rounded binary64 operations (numpy never fuses them).
        product = np.multiply(scale[block_of], codes)
        wide = np.add(offset[block_of], product)
        with np.errstate(over="ignore"):
            values = wide.astype(target)  # round to nearest-even binary32 for f32
    else:
        raise AssertionError(entry.encoding)
    if not np.all(np.isfinite(values)):
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise NonFinite(f"tensor {entry.name!r}: element {bad} is {values[bad]}")
    return values


# --------------------------------------------------------------------------------------
# Whole-frame decoder
# --------------------------------------------------------------------------------------


@dataclass
class DecodedFrame:
    prefix: Prefix
    header: dict[str, Any]
    digest: bytes
    frame_id: str
    manifest: Manifest | None
    tensors: dict[str, np.ndarray]


def decode_frame(frame: bytes, keyring: dict[str, bytes], limits: Limits = DEFAULT_LIMITS) -> DecodedFrame:
    """Apply §2's checks in order; raise the first failing one's FrameError."""
    prefix = parse_prefix(frame, limits)                                 # checks 1-2
    header_bytes, body, signature, signed = split_frame(frame, prefix)   # check 3
    header = parse_envelope(header_bytes)                                # check 4
    digest = verify_signature(signed, signature, header["sender"], keyring)  # checks 4-5
    parse_message(prefix, header)                                        # check 6
    manifest = None
    tensors: dict[str, np.ndarray] = {}
    if prefix.carries_payload:                                           # check 7
        manifest = parse_manifest(header["payload"], prefix, limits)
        raw = inflate_capped(body, manifest.raw_length) if prefix.flags & FLAG_ZLIB else body
        for entry in manifest.tensors:
            tensors[entry.name] = decode_tensor(entry, raw)
    frame_id = hashlib.sha256(frame).hexdigest()
    return DecodedFrame(prefix, header, digest, frame_id, manifest, tensors)


# --------------------------------------------------------------------------------------
# Vector checks
# --------------------------------------------------------------------------------------


class CheckFailed(Exception):
    pass


def expect(cond: bool, msg: str) -> None:
    if not cond:
        raise CheckFailed(msg)


def load_keys(path: Path) -> tuple[dict[str, bytes], dict[str, Ed25519PrivateKey]]:
    """keys.json -> (fingerprint -> raw public key, role -> private key), checked."""
    data = json.loads(path.read_text())
    keyring: dict[str, bytes] = {}
    private: dict[str, Ed25519PrivateKey] = {}
    for role, k in sorted(data.items()):
        sk = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(k["seed"]))
        pub = sk.public_key().public_bytes_raw()
        expect(pub.hex() == k["publicKey"], f"{role}: seed gives public key {pub.hex()}, file says {k['publicKey']}")
        fp = hashlib.sha256(pub).hexdigest()
        expect(fp == k["fingerprint"], f"{role}: fingerprint {fp}, file says {k['fingerprint']}")
        keyring[fp] = pub
        private[role] = sk
    return keyring, private


def is_f32_exact(x: float) -> bool:
    return float(np.float32(x)) == x or math.isnan(x)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def check_tensors(decoded: DecodedFrame, expected: list[dict[str, Any]]) -> None:
    manifest = decoded.manifest
    assert manifest is not None
    expect([t.name for t in manifest.tensors] == [t["name"] for t in expected],
           f"tensor names {[t.name for t in manifest.tensors]} != {[t['name'] for t in expected]}")
    for entry, exp in zip(manifest.tensors, expected):
        where = f"tensor {entry.name!r}"
        expect(entry.dtype == exp["dtype"], f"{where}: dtype {entry.dtype} != {exp['dtype']}")
        expect(entry.shape == exp["shape"], f"{where}: shape {entry.shape} != {exp['shape']}")
        got = decoded.tensors[entry.name]
        want_dec = np.array([float(v) for v in exp["decoded"]], dtype=np.float64)
        original = np.array([float(v) for v in exp["original"]], dtype=np.float64)
        expect(got.size == entry.count == want_dec.size == original.size,
               f"{where}: sizes decoded {got.size}, manifest {entry.count}, "
               f"expected {want_dec.size}, original {original.size}")
        if entry.dtype == "f32":
            expect(all(is_f32_exact(v) for v in want_dec), f"{where}: expected decoded values are not binary32")
            expect(all(is_f32_exact(v) for v in original), f"{where}: original values are not binary32")
        got64 = got.astype(np.float64)
        mismatch = np.flatnonzero(got64.view(np.uint64) != want_dec.view(np.uint64))
        if mismatch.size:
            i = int(mismatch[0])
            raise CheckFailed(f"{where}: element {i} decoded {got64[i]!r} "
                              f"(0x{got64.view(np.uint64)[i]:016x}), expected {want_dec[i]!r} "
                              f"(0x{want_dec.view(np.uint64)[i]:016x}); {mismatch.size} mismatches")
        expect(bool(np.all(np.isfinite(original))), f"{where}: non-finite original")
        diff = np.abs(original - got64)  # binary64
        max_abs = float(diff.max()) if diff.size else 0.0
        rms = float(np.sqrt(np.mean(diff * diff))) if diff.size else 0.0
        expect(math.isfinite(max_abs) and math.isfinite(rms), f"{where}: non-finite error")
        expect(close(max_abs, entry.max_abs_error),
               f"{where}: max|x-x̂| = {max_abs!r}, manifest maxAbsError = {entry.max_abs_error!r}")
        expect(close(rms, entry.rms_error),
               f"{where}: rms = {rms!r}, manifest rmsError = {entry.rms_error!r}")


def parameters_content_id(manifest: Manifest, tensors: dict[str, np.ndarray]) -> str:
    """§8: SHA-256 of the canonical safetensors encoding of the decoded tensors."""
    parts, data, offset = [], b"", 0
    for entry in manifest.tensors:
        values = tensors[entry.name].astype("<f4" if entry.dtype == "f32" else "<f8")
        raw = values.tobytes()
        shape = ",".join(str(d) for d in entry.shape)
        parts.append(f'{json.dumps(entry.name)}:{{"dtype":"{entry.dtype.upper()}","shape":[{shape}],'
                     f'"data_offsets":[{offset},{offset + len(raw)}]}}')
        data += raw
        offset += len(raw)
    header = ("{" + ",".join(parts) + "}").encode("utf-8")
    header += b" " * (-len(header) % 8)
    return hashlib.sha256(len(header).to_bytes(8, "little") + header + data).hexdigest()


def check_valid(frame: bytes, exp: dict[str, Any], keyring: dict[str, bytes]) -> None:
    try:
        decoded = decode_frame(frame, keyring)
    except FrameError as e:
        raise CheckFailed(f"valid frame refused: {e}") from None
    p = decoded.prefix
    expect(frame[:4] == MAGIC and p.version == VERSION, "magic/version")
    expect(p.type == exp["type"], f"type {p.type} != {exp['type']}")
    expect(p.kind == exp["kind"], f"kind {p.kind} != {exp['kind']}")
    expect(p.flags == exp["flags"], f"flags {p.flags} != {exp['flags']}")
    expect(len(frame) == p.frame_len, "length")
    expect(decoded.digest.hex() == exp["signedDigest"],
           f"signed digest {decoded.digest.hex()} != {exp['signedDigest']}")
    expect(decoded.header["sender"] == exp["signer"], f"sender {decoded.header['sender']} != signer {exp['signer']}")
    expect(decoded.frame_id == exp["frameID"], f"frameID {decoded.frame_id} != {exp['frameID']}")
    diff = json_difference(decoded.header, exp["header"])
    expect(diff is None, f"parsed header differs from the expected header at {diff}")
    if p.carries_payload:
        expect("tensors" in exp, "payload kind but the expectation lists no tensors")
        check_tensors(decoded, exp["tensors"])
        # A site refuses a task or evaluate whose parameters do not hash to parametersID (§6).
        if p.kind in ("task", "evaluate"):
            declared = decoded.header["message"].get("parametersID")
            actual = parameters_content_id(decoded.manifest, decoded.tensors)
            expect(declared == actual, f"parametersID {declared} is not the content id {actual} of the parameters (§8)")
    else:
        expect(not exp.get("tensors"), "kind without payload but the expectation lists tensors")


def check_invalid(frame: bytes, exp: dict[str, Any], keyring: dict[str, bytes]) -> None:
    want = exp["error"]
    try:
        decode_frame(frame, keyring)
    except FrameError as e:
        expect(e.category == want, f"refused as {e.category} ({e.detail}), expected {want}")
        return
    raise CheckFailed(f"accepted, expected refusal with {want}")


def check_vector(path: Path, keyring: dict[str, bytes]) -> None:
    exp = json.loads(path.read_text(encoding="utf-8"))
    frame_path = path.with_name(exp.get("file", path.stem + ".frame"))
    expect(frame_path.name == path.stem + ".frame", f"file {frame_path.name} does not match {path.stem}")
    frame = frame_path.read_bytes()
    if exp.get("valid", True) is False:
        check_invalid(frame, exp, keyring)
    else:
        check_valid(frame, exp, keyring)


# --------------------------------------------------------------------------------------
# Self-test: in-memory mutations must be refused
# --------------------------------------------------------------------------------------


def flip_bit(frame: bytes, index: int, bit: int = 0) -> bytes:
    b = bytearray(frame)
    b[index] ^= 1 << bit
    return bytes(b)


def resign(frame: bytes, sk: Ed25519PrivateKey, header: bytes | None = None,
           body: bytes | None = None, flags: int | None = None) -> bytes:
    """Rebuild a frame with a replaced header/body/flags and a fresh valid signature."""
    _, ver, ftype, fl, hl, bl = struct.unpack_from("<4sBBHII", frame, 0)
    old_h = frame[PREFIX_LEN:PREFIX_LEN + hl]
    old_b = frame[PREFIX_LEN + hl:PREFIX_LEN + hl + bl]
    h = old_h if header is None else header
    bd = old_b if body is None else body
    f = fl if flags is None else flags
    signed = struct.pack("<4sBBHII", MAGIC, ver, ftype, f, len(h), len(bd)) + h + bd
    return signed + sk.sign(signed_digest(signed))


def self_tests(vectors: Path, keyring: dict[str, bytes],
               private: dict[str, Ed25519PrivateKey]) -> list[tuple[str, Callable[[], None]]]:
    """Mutations of the first valid compressed payload vector: (name, check) pairs."""
    base_json = next((p for p in sorted(vectors.glob("*.json"))
                      if p.name != "keys.json" and (d := json.loads(p.read_text())).get("valid", True)
                      and d.get("flags") == 1 and d.get("tensors")), None)
    if base_json is None:
        return [("self-test", lambda: (_ for _ in ()).throw(CheckFailed("no compressed payload vector")))]
    frame = base_json.with_suffix(".frame").read_bytes()
    p = parse_prefix(frame)
    h_start, b_start = PREFIX_LEN, PREFIX_LEN + p.header_len
    s_start = b_start + p.body_len
    header = frame[h_start:b_start]
    sender = json.loads(header)["sender"]
    sk = next(k for k in private.values() if hashlib.sha256(k.public_key().public_bytes_raw()).hexdigest() == sender)
    manifest_json = json.loads(header)
    raw = zlib.decompress(frame[b_start:s_start])

    # a header bit inside the session value keeps the JSON valid, so the signature must catch it
    sess = h_start + header.index(b'"session":"') + len(b'"session":"')

    def refused(mutated: bytes, category: str) -> Callable[[], None]:
        def run() -> None:
            try:
                decode_frame(mutated, keyring)
            except FrameError as e:
                expect(e.category == category, f"refused as {e.category} ({e.detail}), expected {category}")
                return
            raise CheckFailed(f"mutated frame accepted, expected {category}")
        return run

    def accepted(mutated: bytes) -> Callable[[], None]:
        def run() -> None:
            try:
                decode_frame(mutated, keyring)
            except FrameError as e:
                raise CheckFailed(f"re-signed unmodified frame refused: {e}") from None
        return run

    def with_payload(mutate: Callable[[dict[str, Any]], None]) -> bytes:
        h = json.loads(header)
        mutate(h["payload"])
        return resign(frame, sk, header=json.dumps(h, sort_keys=True, separators=(",", ":")).encode())

    def zap(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
        return lambda pl: pl["tensors"][1].__setitem__(key, value)

    tag = base_json.stem
    tests: list[tuple[str, Callable[[], None]]] = [
        (f"self-test {tag}: header bit flip", refused(flip_bit(frame, sess), "bad-signature")),
        (f"self-test {tag}: body bit flip", refused(flip_bit(frame, b_start + p.body_len // 2, 3), "bad-signature")),
        (f"self-test {tag}: signature bit flip", refused(flip_bit(frame, s_start + 40, 7), "bad-signature")),
        (f"self-test {tag}: prefix length bit flip", refused(flip_bit(frame, 8, 0), "truncated")),
        (f"self-test {tag}: trailing byte", refused(frame + b"\x00", "malformed-frame")),
        (f"self-test {tag}: unknown flag bit", refused(flip_bit(frame, 6, 1), "malformed-frame")),
        (f"self-test {tag}: unknown type", refused(frame[:5] + b"\x63" + frame[6:], "malformed-frame")),
        (f"self-test {tag}: re-signed as-is", accepted(resign(frame, sk))),
        (f"self-test {tag}: re-signed offset gap", refused(with_payload(zap("offset", 999)), "malformed-frame")),
        (f"self-test {tag}: re-signed rank 9", refused(with_payload(zap("shape", [1] * 9)), "limit-exceeded")),
        (f"self-test {tag}: re-signed trailing zlib data",
         refused(resign(frame, sk, body=frame[b_start:s_start] + b"\x00"), "malformed-frame")),
        (f"self-test {tag}: re-signed zlib stream short",
         refused(resign(frame, sk, body=zlib.compress(raw[:-1])), "malformed-frame")),
        (f"self-test {tag}: re-signed zlib stream longer",
         refused(resign(frame, sk, body=zlib.compress(raw + b"\x00")), "inflate-exceeds-declared")),
        (f"self-test {tag}: re-signed payload removed",
         refused(resign(frame, sk, header=json.dumps(
             {k: v for k, v in manifest_json.items() if k != "payload"},
             sort_keys=True, separators=(",", ":")).encode()), "malformed-frame")),
    ]
    return tests


# --------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------


def recipient_self_tests(vectors: Path, keyring: dict[str, bytes]) -> list[tuple[str, Callable[[], None]]]:
    """A multi-addressed frame binds each recipient's session and seq by the signature
    (§6 point 4): changing one recipient's seq keeps the JSON valid and must fail it."""
    base = next((p for p in sorted(vectors.glob("*.json")) if p.name != "keys.json"
                 and "recipients" in json.loads(p.read_text()).get("header", {})), None)
    if base is None:
        return [("self-test recipients", lambda: (_ for _ in ()).throw(CheckFailed("no vector with recipients")))]
    frame = base.with_suffix(".frame").read_bytes()
    header = frame[PREFIX_LEN:PREFIX_LEN + parse_prefix(frame).header_len]
    first = json.loads(header)["recipients"][0]
    needle = b'"seq":%d,"session":"%s"' % (first["seq"], first["session"].encode())
    at = PREFIX_LEN + header.index(needle) + len(b'"seq":')
    digit = frame[at]
    mutated = frame[:at] + bytes([ord("0") + (digit - ord("0") + 1) % 10]) + frame[at + 1:]

    def run() -> None:
        try:
            decode_frame(mutated, keyring)
        except FrameError as e:
            expect(e.category == "bad-signature", f"refused as {e.category} ({e.detail}), expected bad-signature")
            return
        raise CheckFailed("frame with an edited recipient seq accepted")
    return [(f"self-test {base.stem}: recipient seq edited", run)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--vectors", type=Path, default=Path(__file__).resolve().parent.parent / "vectors",
                    help="directory with keys.json and NN-name.{json,frame} (default: %(default)s)")
    args = ap.parse_args(argv)
    vectors: Path = args.vectors

    passed = failed = 0

    def report(name: str, run: Callable[[], None]) -> None:
        nonlocal passed, failed
        try:
            run()
        except CheckFailed as e:
            failed += 1
            print(f"FAIL {name}: {e}")
        except Exception as e:  # a checker bug or a malformed expectation file
            failed += 1
            print(f"FAIL {name}: {type(e).__name__}: {e}")
        else:
            passed += 1
            print(f"ok   {name}")

    keyring: dict[str, bytes] = {}
    private: dict[str, Ed25519PrivateKey] = {}

    def keys() -> None:
        nonlocal keyring, private
        keyring, private = load_keys(vectors / "keys.json")

    report("keys.json", keys)

    vector_files = [p for p in sorted(vectors.glob("*.json")) if p.name != "keys.json"]
    for path in vector_files:
        report(path.stem, lambda path=path: check_vector(path, keyring))

    if vector_files and private:
        for name, run in self_tests(vectors, keyring, private):
            report(name, run)
        for name, run in recipient_self_tests(vectors, keyring):
            report(name, run)

    print(f"{passed} passed, {failed} failed")
    if not vector_files:
        print(f"no vectors found in {vectors}", file=sys.stderr)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
