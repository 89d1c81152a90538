"""Image files in and out, with the library convention at the edge.

Reading returns ``float32`` RGB in ``[0, 1]`` with shape ``(H, W, 3)`` whatever the file holds:

=================  ==================================================================
file holds         what :func:`read_image` returns
=================  ==================================================================
8-bit RGB          ``value / 255``
16-bit RGB PNG     ``value / 65535`` (full precision, decoded with OpenCV because
                   Pillow silently truncates 48-bit PNGs to 8 bits)
grayscale (1, 8,   the gray value repeated in R, G and B
16-bit), gray+A
RGBA               alpha is discarded: the stored colour is used as is (LOL and
                   camera images carry no meaningful transparency)
palette (``P``)    expanded through its palette to RGB (palette alpha discarded)
JPEG, BMP, TIFF    as above for their pixel type
=================  ==================================================================

Unreadable input raises :class:`ImageReadError` (a ``ValueError``) whose message names the file
and the problem (missing, empty, not an image, truncated/corrupt, unsupported layout).

Writing quantises to 8 bits (``round(255 * x)``) and is atomic: the image is encoded in memory,
written to a file that has no name yet (Linux ``O_TMPFILE``) and linked into place only when
complete, so even a process killed with ``SIGKILL`` leaves neither a partial output nor a
temporary file (the kernel frees the unnamed file). Where ``O_TMPFILE`` is unavailable a hidden
``.<name>.*.partial<suffix>`` temporary is written and renamed into place instead. An existing
file is never replaced unless ``overwrite=True``.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from lolenhance._checks import check_image

__all__ = ["ImageReadError", "read_image", "write_image", "to_float32", "to_uint8", "IMAGE_SUFFIXES"]

#: File suffixes treated as images by the dataset and CLI helpers (lower case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ImageReadError(ValueError):
    """An image file could not be read; ``path`` and ``reason`` say which and why."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


def to_float32(array: np.ndarray) -> np.ndarray:
    """Convert an integer or boolean image array to the library's float32 ``[0, 1]`` scale.

    Parameters
    ----------
    array : (H, W[, C]) ndarray of bool, uint8, uint16 or float
        ``uint8`` is divided by 255, ``uint16`` by 65535, ``bool`` maps to {0, 1}; floating
        arrays are cast to float32 unchanged (they are assumed to be in ``[0, 1]`` already).

    Returns
    -------
    ndarray of float32, same shape

    Examples
    --------
    >>> to_float32(np.array([[0, 255]], dtype=np.uint8))
    array([[0., 1.]], dtype=float32)
    """
    if array.dtype == np.bool_:
        return array.astype(np.float32)
    if np.issubdtype(array.dtype, np.floating):
        return array.astype(np.float32)
    if array.dtype in (np.uint8, np.uint16):
        return array.astype(np.float32) / np.float32(np.iinfo(array.dtype).max)
    raise TypeError(f"to_float32: expected bool, uint8, uint16 or float array, got dtype {array.dtype}")


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Quantise a float ``[0, 1]`` image to ``uint8`` with rounding (``round(255 * x)``).

    Parameters
    ----------
    image : (..., 3) ndarray of float in [0, 1]

    Returns
    -------
    ndarray of uint8, same shape
    """
    return np.rint(np.asarray(image, dtype=np.float32) * 255.0).astype(np.uint8)


def _png_header(path: Path) -> tuple[int, int] | None:
    """(bit depth, colour type) from a PNG's IHDR chunk, or None when the file is not a PNG."""
    with open(path, "rb") as handle:
        head = handle.read(26)
    if not head.startswith(_PNG_SIGNATURE) or len(head) < 26 or head[12:16] != b"IHDR":
        return None
    return head[24], head[25]


def _as_rgb(pixels: np.ndarray, path: Path) -> np.ndarray:
    """Bring a decoded array of any channel layout to (H, W, 3) float32 in [0, 1]."""
    if not (pixels.dtype in (np.bool_, np.uint8, np.uint16) or np.issubdtype(pixels.dtype, np.floating)):
        # e.g. a 32-bit integer TIFF: to_float32's TypeError would not name the file, and a
        # TypeError is not a read error, so it used to abort a whole batch (issue 8)
        raise ImageReadError(path, f"unsupported pixel type {pixels.dtype} (expected 1/8/16-bit integer or float)")
    image = to_float32(pixels)
    if np.issubdtype(pixels.dtype, np.floating) and not np.isfinite(image).all():
        # float TIFFs can hold NaN/Inf, which np.clip below would pass through (issue 8)
        raise ImageReadError(path, "pixel values contain NaN or Inf")
    if image.ndim == 2:
        image = image[:, :, None]
    if image.ndim != 3:
        raise ImageReadError(path, f"unsupported pixel layout with shape {pixels.shape} (expected a 2-D image)")
    channels = image.shape[2]
    if channels in (1, 2):  # gray, gray + alpha
        image = np.repeat(image[:, :, :1], 3, axis=2)
    elif channels in (3, 4):  # RGB, RGBA: alpha discarded
        image = image[:, :, :3]
    else:
        raise ImageReadError(path, f"unsupported number of channels: {channels}")
    return np.ascontiguousarray(np.clip(image, 0.0, 1.0), dtype=np.float32)


def read_image(path: str | os.PathLike) -> np.ndarray:
    """Read an image file as float32 RGB in ``[0, 1]``.

    Parameters
    ----------
    path : str or path-like
        PNG (1/8/16-bit; gray, gray+alpha, RGB, RGBA, palette), JPEG, BMP or TIFF.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
        See the module docstring for how each pixel type is converted.

    Raises
    ------
    FileNotFoundError
        The path does not exist (the message names it).
    ImageReadError
        The file is a directory, empty, not an image, truncated or corrupt.

    Examples
    --------
    >>> from lolenhance.embedded import embedded_root
    >>> image = read_image(embedded_root() / "lol_dataset" / "eval15" / "low" / "coffee.png")
    >>> image.dtype, image.shape
    (dtype('float32'), (400, 600, 3))
    """
    import imageio.v3 as iio

    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if path.is_dir():
        raise ImageReadError(path, "is a directory, not an image file")
    if path.stat().st_size == 0:
        raise ImageReadError(path, "file is empty (0 bytes)")
    header = _png_header(path)
    if header is not None and header[0] == 16 and header[1] in (2, 6):
        return _read_png16_colour(path)
    try:
        # our own handle: imageio probes plugin after plugin on a file it cannot read, and some of
        # them open the path again and never close it (ResourceWarning); this one is always closed
        hint = {"extension": path.suffix.lower()} if path.suffix else {}
        with path.open("rb") as handle:
            pixels = iio.imread(handle, index=0, **hint)
    except Exception as error:  # imageio/Pillow raise many types; translate all of them
        raise ImageReadError(path, _describe_decode_error(error, path)) from error
    return _as_rgb(np.asarray(pixels), path)


def _read_png16_colour(path: Path) -> np.ndarray:
    import cv2

    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise ImageReadError(path, "truncated or corrupt 16-bit PNG (the decoder could not read the pixel data)")
    pixels = cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA if pixels.shape[2] == 4 else cv2.COLOR_BGR2RGB)
    return _as_rgb(pixels, path)


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_all(handle: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(handle, view):]


def _write_unnamed(path: Path, data: bytes, overwrite: bool) -> bool:
    """Write ``data`` to ``path`` through an O_TMPFILE file; False when the system cannot."""
    if not hasattr(os, "O_TMPFILE"):
        return False
    try:
        handle = os.open(path.parent, os.O_TMPFILE | os.O_WRONLY, 0o666)  # umask applies
    except OSError:  # filesystem without O_TMPFILE support
        return False
    folder = None
    try:
        _write_all(handle, data)
        source = f"/proc/self/fd/{handle}"
        if not os.path.exists(source):
            return False
        # passing directory fds makes os.link call linkat(AT_SYMLINK_FOLLOW), which links the
        # open file itself; plain link() would try to link the /proc symlink (EXDEV)
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        if not overwrite:
            # FileExistsError if the file appeared meanwhile: it is never clobbered
            os.link(source, path.name, src_dir_fd=folder, dst_dir_fd=folder)
            return True
        # link under a temporary name, then rename over the target: the only window in which a
        # kill leaves a temporary is between these two calls, and that temporary is complete
        temp = path.with_name(f".{path.name}.{os.getpid()}.{handle}.partial{path.suffix}")
        os.link(source, temp.name, src_dir_fd=folder, dst_dir_fd=folder)
        try:
            os.replace(temp, path)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return True
    except PermissionError:  # linkat through /proc refused (hardened kernels)
        return False
    finally:
        os.close(handle)
        if folder is not None:
            os.close(folder)


def _write_named_temporary(path: Path, data: bytes, suffix: str) -> None:
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".partial{suffix}", dir=path.parent)
    try:
        os.chmod(temp_name, 0o666 & ~_current_umask())  # mkstemp makes 0600; give the usual mode
        _write_all(handle, data)
        os.close(handle)
        handle = -1
        os.replace(temp_name, path)
    except BaseException:
        # never leave a partial file behind, whatever interrupted the write
        if handle >= 0:
            os.close(handle)
        Path(temp_name).unlink(missing_ok=True)
        raise


def _describe_decode_error(error: Exception, path: Path) -> str:
    text = " ".join(str(error).split())  # imageio's messages span several lines
    # the message often quotes the path; match on the rest so a file named "broken.png" misleads nothing
    lowered = text.replace(str(path), "").lower()
    # "unpack_from requires a buffer": Pillow's PNG parser running out of bytes in a chunk header
    # (a file cut right after its signature or IHDR); it used to be reported as a bare SyntaxError
    if any(word in lowered for word in ("truncated", "broken", "crc", "eof", "unpack_from requires a buffer")):
        return f"truncated or corrupt image file ({text})"
    if "cannot identify" in lowered or "could not find a backend" in lowered or "no plugin" in lowered:
        return "not a recognised image format (is it really an image?)"
    return f"could not decode image: {type(error).__name__}: {text}"


def write_image(path: str | os.PathLike, image: np.ndarray, *, overwrite: bool = False) -> Path:
    """Write a float32 RGB ``[0, 1]`` image as an 8-bit file, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination; the format follows the suffix (``.png`` recommended: lossless). The parent
        folder must exist.
    image : (H, W, 3) ndarray of float32 in [0, 1]
    overwrite : bool
        Replace an existing file. Without it an existing file raises ``FileExistsError``.

    Returns
    -------
    Path
        The written path.

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite`` is False.
    TypeError, ValueError
        ``image`` does not follow the library convention.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> write_image(folder / "out.png", np.zeros((4, 4, 3), np.float32)).name
    'out.png'
    >>> read_image(folder / "out.png").shape
    (4, 4, 3)
    """
    import imageio.v3 as iio

    image = check_image(image, "image")
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path}: already exists (pass overwrite=True to replace it)")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: parent folder {path.parent} does not exist")
    suffix = path.suffix.lower() or ".png"
    # Encode first, in memory: the slow part then happens before any file exists (issue 8: a
    # SIGKILL during encoding used to leave a hidden .partial temporary behind).
    encoded = iio.imwrite("<bytes>", to_uint8(image), extension=suffix)
    if not _write_unnamed(path, encoded, overwrite):
        _write_named_temporary(path, encoded, suffix)
    return path
