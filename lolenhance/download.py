"""Fetch LOL for real users: download, verify the checksum, extract into a cache.

LOL-v1 (Wei et al., BMVC 2018) is published by its authors as ``LOLdataset.zip`` (about 330 MB,
``our485/`` and ``eval15/`` inside) on the project page
https://daooshee.github.io/BMVC2018website/ , which links a Google Drive file
(id ``157bjO1_cFuSd0HWDUuAmcHRJDVyWpOxB``); Kaggle's "lol-dataset" mirror wraps the same folders
in ``lol_dataset/``. Both extract to a root that :func:`lolenhance.data.list_pairs` accepts.

No checksum of the archive is published by the authors, and this project could not download it
to record one (its machines have no general internet access). So the default URL comes with
``LOL_V1_SHA256 = None``, and :func:`download_lol` refuses to run unverified unless the caller
says so (``allow_unverified=True``). Every call prints the SHA-256 of the archive it holds, so
that an archive checked once can be pinned from then on (``known_hash="sha256:..."``,
``lolenhance data download --sha256 ...``). Downloading and hashing is done by
`pooch <https://www.fatiando.org/pooch/>`_: the file is written to a temporary name and moved
into place only after a complete, verified transfer, so a failure never leaves a partial or
corrupt archive behind, and a second call finds the verified archive and does not download
again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from lolenhance.data import DatasetError, detect_layout

__all__ = ["LOL_V1_URL", "LOL_V1_SHA256", "download_lol"]

#: Direct-download form of the authors' Google Drive link to ``LOLdataset.zip``.
LOL_V1_URL = "https://drive.google.com/uc?export=download&id=157bjO1_cFuSd0HWDUuAmcHRJDVyWpOxB"
#: SHA-256 of that archive; unknown to this project (see the module docstring).
LOL_V1_SHA256: str | None = None


def _find_root(folder: Path) -> Path:
    """The folder under ``folder`` that holds ``our485/`` or ``lol_dataset/`` (first match)."""
    candidates = [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]
    for candidate in candidates:
        try:
            detect_layout(candidate)
        except DatasetError:
            continue
        return candidate
    raise DatasetError(folder, ["the downloaded archive holds no LOL layout (our485/eval15 or Train/Test)"])


def download_lol(
    dest: str | os.PathLike | None = None,
    *,
    url: str | None = None,
    known_hash: str | None = None,
    allow_unverified: bool = False,
    progress: bool = True,
) -> Path:
    """Download LOL, verify it, extract it, and return a data root for :mod:`lolenhance.data`.

    Parameters
    ----------
    dest : str, path-like or None
        Cache folder (default: the user cache, ``pooch.os_cache("lolenhance")``). The archive and
        its extracted folder live there; an existing verified archive is reused.
    url : str, optional
        Archive URL (default :data:`LOL_V1_URL`). Any zip or tar(.gz) holding a LOL layout works.
    known_hash : str, optional
        ``"sha256:<hex>"`` (or ``"md5:<hex>"``) of the archive. Default :data:`LOL_V1_SHA256`.
    allow_unverified : bool
        Accept a download whose hash is not known in advance (check the printed SHA-256 against a
        trusted source before relying on the data).
    progress : bool
        Show a progress bar (tqdm) while downloading.

    Returns
    -------
    Path
        A root that :func:`lolenhance.data.list_pairs` accepts (pass it as ``root`` or set
        ``LOL_ROOT`` to it). One line is printed with the archive's path and SHA-256, and
        whether it was verified.

    Raises
    ------
    ValueError
        No hash is known and ``allow_unverified`` is False; or the downloaded file's hash differs
        from ``known_hash`` (the message gives the expected and the actual hash; the bad file is
        deleted).
    ConnectionError
        The download failed (HTTP error, connection closed early); nothing partial is kept, so
        calling again starts cleanly.
    lolenhance.data.DatasetError
        The archive does not contain a LOL layout.

    Examples
    --------
    >>> root = download_lol(known_hash="sha256:...")  # doctest: +SKIP
    >>> from lolenhance.data import list_pairs
    >>> len(list_pairs(root, "train"))  # doctest: +SKIP
    485
    """
    import pooch

    url = url or LOL_V1_URL
    known_hash = known_hash if known_hash is not None else LOL_V1_SHA256
    if known_hash is None and not allow_unverified:
        raise ValueError(
            f"{url}: no checksum is known for this archive, so it cannot be verified; pass "
            "known_hash='sha256:<hex>' or allow_unverified=True (the computed SHA-256 is then printed)"
        )
    cache = Path(dest) if dest is not None else Path(pooch.os_cache("lolenhance"))
    cache.mkdir(parents=True, exist_ok=True)
    name = Path(url.split("?")[0]).name or "lol_archive"
    if not name.endswith((".zip", ".tar", ".tar.gz", ".tgz")):
        name = "LOLdataset.zip"
    processor_type = pooch.Unzip if name.endswith(".zip") else pooch.Untar
    extract_dir = f"{name}.extracted"
    try:
        pooch.retrieve(
            url,
            known_hash=known_hash,
            fname=name,
            path=cache,
            progressbar=progress,
            processor=processor_type(extract_dir=extract_dir),
        )
    except ValueError as error:  # pooch's hash mismatch ("expected X but got Y"); it removed the bad file
        raise ValueError(f"{url}: checksum verification failed, nothing was kept ({error})") from error
    except Exception as error:  # requests' HTTPError/ConnectionError/ChunkedEncodingError and OSErrors
        shutil.rmtree(cache / extract_dir, ignore_errors=True)
        raise ConnectionError(
            f"{url}: download failed ({type(error).__name__}: {error}); nothing partial was kept, "
            "calling download_lol again starts over"
        ) from error
    digest = pooch.file_hash(str(cache / name), alg="sha256")
    if known_hash is None:
        print(f"{cache / name}: SHA-256 {digest}, NOT verified (no checksum was given); once you trust it, "
              f"pin it with known_hash='sha256:{digest}' (lolenhance data download --sha256 {digest})")
    else:
        print(f"{cache / name}: SHA-256 {digest} (verified against the checksum given)")
    return _find_root(cache / extract_dir)
