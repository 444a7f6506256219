"""Unit tests for the strict IDX reader (synthetic files only, no network)."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest

from digitbench.data import IdxFormatError, parse_idx, read_idx, read_idx_members


def idx_bytes(arr: np.ndarray, type_code: int = 0x08) -> bytes:
    """Encodes an array as IDX by hand, independently of the reader under test."""
    header = bytes([0, 0, type_code, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + np.ascontiguousarray(arr).tobytes()


@pytest.fixture
def images() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, size=(5, 4, 3), dtype=np.uint8)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("shape", [(7,), (5, 4, 3), (2, 3, 4, 5)])
def test_round_trip(tmp_path: Path, compress: bool, shape: tuple[int, ...]) -> None:
    arr = np.random.default_rng(1).integers(0, 256, size=shape, dtype=np.uint8)
    data = idx_bytes(arr)
    path = tmp_path / "a.idx"
    path.write_bytes(gzip.compress(data) if compress else data)

    out = read_idx(path)

    assert out.dtype == np.uint8
    assert out.shape == shape
    np.testing.assert_array_equal(out, arr)
    assert out.flags.writeable and out.flags.c_contiguous


def test_gzip_is_detected_by_magic_not_name(tmp_path: Path, images: np.ndarray) -> None:
    gz_without_suffix = tmp_path / "train-images-idx3-ubyte"
    gz_without_suffix.write_bytes(gzip.compress(idx_bytes(images)))
    plain_with_suffix = tmp_path / "plain.gz"
    plain_with_suffix.write_bytes(idx_bytes(images))

    np.testing.assert_array_equal(read_idx(gz_without_suffix), images)
    np.testing.assert_array_equal(read_idx(plain_with_suffix), images)


def test_error_is_a_value_error_naming_file_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(b"\x01\x02\x03\x04\x00\x00\x00\x01\x00")

    with pytest.raises(ValueError) as info:
        read_idx(path)

    assert isinstance(info.value, IdxFormatError)
    message = str(info.value)
    assert str(path) in message
    assert "re-download it or remove it" in message


def test_bad_magic(tmp_path: Path, images: np.ndarray) -> None:
    path = tmp_path / "bad-magic"
    path.write_bytes(b"\x00\x01" + idx_bytes(images)[2:])
    with pytest.raises(IdxFormatError, match="bad magic number"):
        read_idx(path)


@pytest.mark.parametrize(("code", "name"), [(0x09, "int8"), (0x0D, "float32"), (0x42, "unknown")])
def test_wrong_type_byte(tmp_path: Path, images: np.ndarray, code: int, name: str) -> None:
    path = tmp_path / "wrong-type"
    path.write_bytes(idx_bytes(images, type_code=code))
    with pytest.raises(IdxFormatError, match=rf"0x{code:02x} \({name}\).*only 0x08"):
        read_idx(path)


def test_truncated_payload(tmp_path: Path, images: np.ndarray) -> None:
    path = tmp_path / "truncated"
    path.write_bytes(idx_bytes(images)[:-1])
    with pytest.raises(IdxFormatError, match=r"truncated.*needs 60 payload bytes, found 59"):
        read_idx(path)


def test_trailing_bytes(tmp_path: Path, images: np.ndarray) -> None:
    path = tmp_path / "trailing"
    path.write_bytes(idx_bytes(images) + b"\x00")
    with pytest.raises(IdxFormatError, match=r"trailing bytes.*found 61"):
        read_idx(path)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\x00", b"\x00\x00\x08\x03\x00\x00\x00\x05", b"\x00\x00\x08\x00"],
    ids=["empty", "short-magic", "short-dims", "zero-dims"],
)
def test_truncated_header(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "header"
    path.write_bytes(data)
    with pytest.raises(IdxFormatError, match="header|dimensions|too short"):
        read_idx(path)


def test_corrupt_gzip_stream(tmp_path: Path, images: np.ndarray) -> None:
    good = bytearray(gzip.compress(idx_bytes(images)))
    good[12:20] = b"\xff" * 8  # damage the deflate data, keep the 1f 8b magic
    path = tmp_path / "corrupt.gz"
    path.write_bytes(bytes(good))
    with pytest.raises(IdxFormatError, match="corrupt gzip stream") as info:
        read_idx(path)
    assert str(path) in str(info.value)


def test_truncated_gzip_stream(tmp_path: Path, images: np.ndarray) -> None:
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(idx_bytes(images))[:-10])
    with pytest.raises(IdxFormatError, match="corrupt gzip stream"):
        read_idx(path)


def test_gzip_wrapping_a_bad_idx_is_still_checked(tmp_path: Path, images: np.ndarray) -> None:
    path = tmp_path / "x.gz"
    path.write_bytes(gzip.compress(idx_bytes(images) + b"junk"))
    with pytest.raises(IdxFormatError, match="trailing bytes"):
        read_idx(path)


def test_parse_idx_uses_source_label(images: np.ndarray) -> None:
    with pytest.raises(IdxFormatError, match=r"^pkg@1:package/data/x: "):
        parse_idx(idx_bytes(images)[:-3], "pkg@1:package/data/x")


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    tar.addfile(info, io.BytesIO(data))


def test_read_idx_members_reads_only_named_members(
    tmp_path: Path, images: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)  # where a careless extractall would drop ../evil
    archive = tmp_path / "pkg.tgz"
    with tarfile.open(archive, "w:gz") as tar:
        _add(tar, "../evil", b"pwned")
        _add(tar, "package/data/img", idx_bytes(images))
        _add(tar, "package/data/lbl.gz", gzip.compress(idx_bytes(images[:, 0, 0])))

    out = read_idx_members(archive, {"x": "package/data/img", "y": "package/data/lbl.gz"})

    np.testing.assert_array_equal(out["x"], images)
    np.testing.assert_array_equal(out["y"], images[:, 0, 0])
    assert not any(p.name == "evil" for p in tmp_path.rglob("*"))


def test_read_idx_members_missing_member(tmp_path: Path, images: np.ndarray) -> None:
    archive = tmp_path / "pkg.tar"
    with tarfile.open(archive, "w") as tar:
        _add(tar, "package/data/img", idx_bytes(images))
    with pytest.raises(IdxFormatError, match="archive has no member package/data/lbl"):
        read_idx_members(archive, {"x": "package/data/img", "y": "package/data/lbl"}, "pkg@1")


def test_read_idx_members_refuses_links(tmp_path: Path) -> None:
    archive = tmp_path / "pkg.tar"
    with tarfile.open(archive, "w") as tar:
        link = tarfile.TarInfo("package/data/img")
        link.type = tarfile.SYMTYPE
        link.linkname = "/etc/passwd"
        tar.addfile(link)
    with pytest.raises(IdxFormatError, match="not a regular file"):
        read_idx_members(archive, {"x": "package/data/img"})


def test_read_idx_members_unreadable_archive(tmp_path: Path) -> None:
    archive = tmp_path / "pkg.tgz"
    archive.write_bytes(b"this is not a tarball at all" * 20)
    with pytest.raises(IdxFormatError, match="not a readable tar archive"):
        read_idx_members(archive, {"x": "package/data/img"})
