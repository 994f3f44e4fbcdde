"""Pseudonymise the person id under a secret key kept in a key file.

The person id itself is kept only as a keyed pseudonym (HMAC-SHA256 under a secret key
stored in the file named by the config key ``data.pseudonym_key``), so outputs can be
linked across waves without carrying the raw id.

The key file (:func:`load_or_create_key`) is created once, atomically and readable by its
owner only; :func:`pseudonymise` replaces each id by ``p`` and 16 hex characters of its
HMAC-SHA256, so the same person gets the same pseudonym in every wave.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import os
import re
import secrets
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from wellby.errors import ConfigError
from wellby.prepare.codes import PYTHON_ASCII_SPACE, ascii_text

KEY_CONFIG = "data.pseudonym_key"
"""Config key naming the pseudonym key file, quoted in key-file errors."""

KEY_BYTES = 32
"""Length of a newly created pseudonym key (256 random bits)."""

PSEUDONYM_HEX = 16
"""Hex characters of the HMAC kept in a pseudonym (64 bits, after a leading ``p``)."""

_INTEGER_TEXT = re.compile(r"[+-]?\d+(?:\.0*)?")


def _key_error(path: Path, problem: str) -> ConfigError:
    return ConfigError(
        f"the pseudonym key file {path} {problem}; it must hold the {KEY_BYTES * 2} "
        "hexadecimal characters wellby wrote when it created the key. Restore the right "
        f"file, or set the config key {KEY_CONFIG} to another path (a new key is created "
        "there, and every pseudonym changes)"
    )


def _read_key(path: Path) -> bytes | None:
    """Return the key stored at ``path``, None when there is no file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise _key_error(path, f"cannot be read ({error.strerror or type(error).__name__})") \
            from None
    try:
        text = raw.decode("ascii").strip()
        key = bytes.fromhex(text)
    except (UnicodeDecodeError, ValueError):
        raise _key_error(path, "is not a valid key") from None
    if len(key) != KEY_BYTES or len(text) != 2 * KEY_BYTES:
        raise _key_error(path, "is not a valid key")
    return key


def _publish_key(path: Path, key: bytes) -> None:
    """Create the key file at ``path`` atomically, unless another process got there first.

    The key is written and synced to a private (0o600) temporary file beside ``path``,
    which is then hard-linked to ``path``: the link either creates a complete key file or
    fails because one already exists, so concurrent callers all end up reading the same
    key. Where hard links are unsupported, the file is created with ``O_CREAT | O_EXCL``.
    """
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    contents = (key.hex() + "\n").encode("ascii")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(contents)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process created the key first: everyone uses that one
        except OSError:
            _create_exclusive(path, contents)
    finally:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass


def _create_exclusive(path: Path, contents: bytes) -> None:
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(contents)
        handle.flush()
        os.fsync(handle.fileno())


def load_or_create_key(path: str | Path) -> bytes:
    """Return the study's pseudonym key, creating it on first use.

    Parameters
    ----------
    path : str or pathlib.Path
        The key file (config key ``data.pseudonym_key``).

    Returns
    -------
    bytes
        The 32-byte key. A new key comes from :mod:`secrets` and is stored as 64
        hexadecimal characters in a file readable by its owner only (mode 0o600), its
        parent directories created as needed. Creation is atomic: processes racing to
        create the key all return the same one.

    Raises
    ------
    wellby.errors.ConfigError
        The file exists but cannot be read or does not hold a valid key; the message names
        the file and the config key ``data.pseudonym_key`` (never the file's contents).
    """
    path = Path(path)
    key = _read_key(path)
    if key is not None:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _publish_key(path, secrets.token_bytes(KEY_BYTES))
    except OSError as error:
        raise _key_error(path, f"cannot be created ({error.strerror or type(error).__name__})") \
            from None
    key = _read_key(path)
    if key is None:
        raise _key_error(path, "disappeared while it was being created")
    return key


def _canonical_id(value: object) -> str | None:
    """Return an id's canonical text: integral numbers without decimals, no whitespace."""
    if isinstance(value, str):
        text = "".join(value.split())
    elif value is None or value is pd.NA or value is pd.NaT:
        return None
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_):
        return str(int(value))
    elif isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        return str(int(number)) if number.is_integer() else repr(number)
    else:
        text = "".join(str(value).split())
    if "." in text and _INTEGER_TEXT.fullmatch(text):
        text = text.split(".")[0]
    return text or None


def _canonical_ids(uniques: pd.Index) -> list[str | None]:
    """Return the canonical text of each distinct id (fast paths for numeric dtypes)."""
    values = uniques.to_numpy()
    if pd.api.types.is_integer_dtype(values.dtype):
        return list(map(str, values.tolist()))
    if pd.api.types.is_float_dtype(values.dtype):
        floats = values.astype(np.float64)
        if (np.isfinite(floats).all() and (floats == np.round(floats)).all()
                and (np.abs(floats) < 2.0**53).all()):
            return list(map(str, floats.astype(np.int64).tolist()))
    text = ascii_text(uniques)
    if text is not None:  # the same as _canonical_id on ASCII text, without a call per id
        spaceless = pc.replace_substring_regex(text, f"[{re.escape(PYTHON_ASCII_SPACE)}]", "")
        integral = pc.replace_substring_regex(spaceless, r"^([+-]?[0-9]+)\.0*$", r"\1")
        empty = pc.equal(pc.binary_length(integral), 0)
        return pc.if_else(empty, None, integral).to_pylist()
    return [_canonical_id(value) for value in values.tolist()]


def pseudonymise(ids: pd.Series, key: bytes) -> pd.Series:
    """Replace person ids with keyed pseudonyms.

    Parameters
    ----------
    ids : pandas.Series
        Person ids, any dtype. An id's canonical text is hashed: whitespace removed and
        integral numbers written without decimals, so ``"100003"``, ``" 100003 "``,
        ``100003``, ``100003.0`` and ``"100003.0"`` share a pseudonym (but ``"0100003"``
        does not: leading zeros of text ids are kept).
    key : bytes
        The secret key (:func:`load_or_create_key`), at least 16 bytes.

    Returns
    -------
    pandas.Series
        ``"p"`` followed by the first 16 hex characters of HMAC-SHA256(key, canonical
        text as UTF-8); same index and name as ``ids``; missing ids stay missing. Each
        distinct id is hashed once.

    Raises
    ------
    ValueError
        The key is not bytes or is shorter than 16 bytes.
    """
    if not isinstance(key, bytes | bytearray) or len(key) < 16:
        raise ValueError("the pseudonym key must be at least 16 bytes")
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    inner, outer = _hmac_states(bytes(key))
    new_inner, new_outer = inner.copy, outer.copy
    pseudonyms: list[str | None] = []
    for text in _canonical_ids(uniques):
        if text is None:
            pseudonyms.append(None)
            continue
        digest = new_inner()
        digest.update(text.encode("utf-8"))
        tag = new_outer()
        tag.update(digest.digest())
        pseudonyms.append("p" + tag.hexdigest()[:PSEUDONYM_HEX])
    # Missing ids have code -1, which take() fills with the missing value.
    per_row = pd.Series(pseudonyms).array.take(codes, allow_fill=True)
    return pd.Series(per_row, index=ids.index, name=ids.name)


def _hmac_states(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """Return SHA-256 states primed with the HMAC inner and outer padded keys (RFC 2104).

    Copying these two states per message computes HMAC-SHA256 about twice as fast as
    copying an :class:`hmac.HMAC` object; the result is identical to ``hmac.new``.
    """
    block = hashlib.sha256().block_size
    if len(key) > block:
        key = hashlib.sha256(key).digest()
    key = key.ljust(block, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
    return inner, outer
