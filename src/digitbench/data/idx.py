"""A small, strict reader for the IDX format used by the original MNIST files.

The format (LeCun et al.) is a 4-byte magic number ``00 00 <type> <ndim>``,
then ``ndim`` big-endian uint32 dimension sizes, then the payload in C order.
Only the unsigned-byte type (0x08) is accepted: MNIST images and labels are
both uint8, so any other type means we were handed the wrong file.
"""

from __future__ import annotations

import gzip
import math
import os
import struct
import tarfile
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

__all__ = ["IdxFormatError", "parse_idx", "read_idx", "read_idx_members"]

GZIP_MAGIC = b"\x1f\x8b"
IDX_UINT8 = 0x08
# The largest MNIST file is ~47 MB; anything far bigger in an archive is not
# ours and could be a decompression bomb.
MAX_MEMBER_BYTES = 128 * 2**20

# Names for the other type codes of the IDX spec, so the error can say what
# the file actually holds instead of only "not 0x08".
_TYPE_NAMES = {
    0x08: "uint8",
    0x09: "int8",
    0x0B: "int16",
    0x0C: "int32",
    0x0D: "float32",
    0x0E: "float64",
}

_FIX = "re-download it or remove it so the next source is tried"


class IdxFormatError(ValueError):
    """Raised when a file is not a well-formed uint8 IDX file."""


def _fail(source: str, problem: str) -> IdxFormatError:
    return IdxFormatError(f"{source}: {problem}; {_FIX}")


def parse_idx(data: bytes, source: str = "<bytes>") -> np.ndarray:
    """Decodes an in-memory IDX file (plain or gzip-compressed).

    Args:
        data: The raw file content. Gzip is detected from the 1f 8b magic
            bytes, never from a file name.
        source: What to call the data in error messages (a path, or
            ``archive:member``).

    Returns:
        A writable, C-ordered uint8 array with the shape stored in the header.

    Raises:
        IdxFormatError: If the gzip stream is corrupt, the magic number or
            type code is wrong, or the payload length does not equal the
            product of the dimensions.
    """
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            # gzip raises BadGzipFile (an OSError), EOFError on truncation
            # and zlib.error on a damaged deflate stream.
            raise _fail(source, f"corrupt gzip stream ({exc})") from exc

    if len(data) < 4:
        raise _fail(source, f"only {len(data)} bytes, too short for an IDX header")
    zero0, zero1, type_code, ndim = data[0], data[1], data[2], data[3]
    if zero0 != 0 or zero1 != 0:
        raise _fail(
            source,
            f"bad magic number {data[:4].hex(' ')} (expected 00 00 08 <ndim>); "
            "this is not an IDX file",
        )
    if type_code != IDX_UINT8:
        name = _TYPE_NAMES.get(type_code, "unknown")
        raise _fail(
            source,
            f"IDX type code 0x{type_code:02x} ({name}) is not supported, "
            "only 0x08 (uint8) is",
        )
    if ndim == 0:
        raise _fail(source, "IDX header declares 0 dimensions")

    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise _fail(
            source,
            f"header declares {ndim} dimensions but the file ends after "
            f"{len(data)} bytes",
        )
    dims = struct.unpack(f">{ndim}I", data[4:header_len])
    expected = math.prod(dims)
    payload = len(data) - header_len
    if payload != expected:
        kind = "truncated" if payload < expected else "has trailing bytes"
        raise _fail(
            source,
            f"file {kind}: shape {dims} needs {expected} payload bytes, "
            f"found {payload}",
        )
    # frombuffer on bytes is read-only; copy so callers own a normal array.
    flat = np.frombuffer(data, dtype=np.uint8, count=expected, offset=header_len)
    return flat.reshape(dims).copy()


def read_idx(path: str | os.PathLike[str]) -> np.ndarray:
    """Reads a uint8 IDX file from disk, gzipped or not.

    Args:
        path: File to read.

    Returns:
        The decoded uint8 array.

    Raises:
        IdxFormatError: If the file is malformed (see :func:`parse_idx`).
        OSError: If the file cannot be opened.
    """
    path = Path(path)
    return parse_idx(path.read_bytes(), str(path))


def read_idx_members(
    archive: str | os.PathLike[str], members: Mapping[str, str], label: str | None = None
) -> dict[str, np.ndarray]:
    """Decodes named IDX members of a tar archive without extracting anything.

    Members are looked up by exact name and read into memory, so entries such
    as ``../evil``, links or devices in the archive can never touch the disk.

    Args:
        archive: A tar file, optionally gzip/bz2/xz compressed.
        members: Maps a result key to the member name inside the archive.
        label: What to call the archive in error messages (default: its path).

    Returns:
        The decoded arrays, keyed like ``members``.

    Raises:
        IdxFormatError: If the archive is unreadable, a member is missing, is
            not a regular file of plausible size, or is not valid uint8 IDX.
    """
    label = label or str(archive)
    arrays = {}
    try:
        with tarfile.open(archive, "r:*") as tar:
            for key, name in members.items():
                try:
                    member = tar.getmember(name)
                except KeyError:
                    raise _fail(label, f"archive has no member {name}") from None
                handle = tar.extractfile(member) if member.isfile() else None
                if handle is None or member.size > MAX_MEMBER_BYTES:
                    raise _fail(f"{label}:{name}", "not a regular file of plausible size")
                arrays[key] = parse_idx(handle.read(), f"{label}:{name}")
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise _fail(label, f"not a readable tar archive ({exc})") from exc
    return arrays
