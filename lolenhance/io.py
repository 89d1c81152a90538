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

Pixels are returned the way viewers show them: an EXIF orientation tag (phone photos taken in
portrait are stored sideways with orientation 6 or 8) is applied, so the array is upright.
:func:`read_metadata` returns what :func:`write_image` can carry over to an output: the ICC
colour profile (RGB profiles only) and the EXIF block with its orientation reset to 1, since the
pixels are already upright.

Unreadable input raises :class:`ImageReadError` (a ``ValueError``) whose message names the file
and the problem (missing, empty, not an image, truncated/corrupt, unsupported layout).

Writing quantises to 8 bits (``round(255 * x)``; JPEG at quality :data:`JPEG_QUALITY`) and is
atomic: the image is encoded in memory, written to a file that has no name yet (Linux
``O_TMPFILE``) and linked into place only when complete, so even a process killed with
``SIGKILL`` leaves neither a partial output nor a temporary file (the kernel frees the unnamed
file). Where ``O_TMPFILE`` is unavailable a hidden ``.<name>.*.partial<suffix>`` temporary is
written and renamed into place instead. An existing file is never replaced unless
``overwrite=True``.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from lolenhance._checks import check_image

__all__ = [
    "ImageReadError", "ImageMetadata", "read_image", "read_metadata", "write_image", "to_float32", "to_uint8",
    "IMAGE_SUFFIXES", "JPEG_QUALITY",
]

#: File suffixes treated as images by the dataset and CLI helpers (lower case).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
#: Quality :func:`write_image` writes JPEG files at (Pillow's scale, 1-100).
JPEG_QUALITY = 95

_EXIF_ORIENTATION = 0x0112
_EXIF_IFD = 0x8769
_EXIF_PIXEL_X, _EXIF_PIXEL_Y = 0xA002, 0xA003
#: Suffixes whose files can carry an ICC profile and an EXIF block when written.
_METADATA_SUFFIXES = (".png", ".jpg", ".jpeg")
#: The largest EXIF block a JPEG APP1 segment holds.
_JPEG_EXIF_LIMIT = 65533

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ImageReadError(ValueError):
    """An image file could not be read; ``path`` and ``reason`` say which and why."""

    def __init__(self, path: str | os.PathLike, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


@dataclass(frozen=True)
class ImageMetadata:
    """What :func:`write_image` can carry over from an input file to its output.

    Attributes
    ----------
    icc_profile : bytes or None
        The input's ICC colour profile, when it describes an RGB colour space (a gray or CMYK
        profile does not fit the RGB pixels that are written).
    exif : bytes or None
        The input's EXIF block (``b"Exif\\0\\0..."``) with the orientation tag reset to 1,
        because :func:`read_image` has already turned the pixels upright; for rotations by 90°
        the pixel dimensions it states are swapped to match, and the embedded thumbnail of the
        original is dropped.
    """

    icc_profile: bytes | None = None
    exif: bytes | None = None


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
        PNG (1/8/16-bit; gray, gray+alpha, RGB, RGBA, palette), JPEG, BMP or TIFF (CMYK JPEG
        and TIFF are converted to RGB by Pillow's formula, without their profile).

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
        See the module docstring for how each pixel type is converted. An EXIF orientation
        tag is applied (the array is upright, as a viewer shows the file).

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
        image = _read_png16_colour(path)
    elif header is None and _is_cmyk(path):
        image = _read_cmyk(path)
    else:
        try:
            # our own handle: imageio probes plugin after plugin on a file it cannot read, and some
            # of them open the path again and never close it (ResourceWarning); this one is closed
            hint = {"extension": path.suffix.lower()} if path.suffix else {}
            with path.open("rb") as handle:
                pixels = iio.imread(handle, index=0, **hint)
        except Exception as error:  # imageio/Pillow raise many types; translate all of them
            raise ImageReadError(path, _describe_decode_error(error, path)) from error
        image = _as_rgb(np.asarray(pixels), path)
    # none of the decoders above applies the tag (imageio's rotate=False, OpenCV's
    # IMREAD_UNCHANGED, tifffile), so it is applied once, here, for every format
    return _upright(image, _read_header_metadata(path)[0])


def _is_cmyk(path: Path) -> bool:
    """Whether Pillow reads the file as CMYK (print-ready JPEG or TIFF); header only."""
    from PIL import Image

    try:
        with Image.open(path) as opened:
            return opened.mode == "CMYK"
    except Exception:  # not something Pillow knows: the general decoder reports the problem
        return False


def _read_cmyk(path: Path) -> np.ndarray:
    """Decode a CMYK file to RGB with Pillow (imageio hands back 4 channels that look like RGBA)."""
    from PIL import Image

    try:
        with Image.open(path) as opened:
            pixels = np.asarray(opened.convert("RGB"))
    except Exception as error:
        raise ImageReadError(path, _describe_decode_error(error, path)) from error
    return _as_rgb(pixels, path)


def _upright(image: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) to an (H, W, C) array, as Pillow's ``exif_transpose`` does."""
    if orientation in (5, 6, 7, 8):
        # 5: transpose, 6: 90° clockwise, 7: transverse, 8: 90° counter-clockwise
        image = np.rot90(image, {5: 1, 6: -1, 7: -1, 8: 1}[orientation])
        if orientation in (5, 7):
            image = image[::-1]
    elif orientation == 2:
        image = image[:, ::-1]
    elif orientation == 3:
        image = image[::-1, ::-1]
    elif orientation == 4:
        image = image[::-1]
    return np.ascontiguousarray(image)


def _read_header_metadata(path: Path) -> tuple[int, bytes | None, bytes | None]:
    """(EXIF orientation, RGB ICC profile, EXIF block with orientation 1) from a file's header.

    Best effort: the pixels were decoded already, so a file whose metadata Pillow cannot parse
    gives ``(1, None, None)`` rather than an error. Nothing is decoded beyond the header: a PNG's
    EXIF is taken from an ``eXIf`` chunk before the pixel data only (Pillow would decode the
    whole image to look for one after it).
    """
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. "Corrupt EXIF data": metadata is optional
            with Image.open(path) as opened:
                icc = opened.info.get("icc_profile")
                if opened.format == "PNG" and "exif" not in opened.info:
                    return 1, _rgb_profile(icc), None
                exif = opened.getexif()
                orientation = exif.get(_EXIF_ORIENTATION, 1)
                orientation = orientation if orientation in range(1, 9) else 1
                if "exif" not in opened.info:  # TIFF tags, not an EXIF block to copy
                    return orientation, _rgb_profile(icc), None
                try:
                    if _EXIF_ORIENTATION in exif:
                        exif[_EXIF_ORIENTATION] = 1
                    if orientation in (5, 6, 7, 8):
                        sub = exif.get_ifd(_EXIF_IFD)
                        if _EXIF_PIXEL_X in sub and _EXIF_PIXEL_Y in sub:
                            sub[_EXIF_PIXEL_X], sub[_EXIF_PIXEL_Y] = sub[_EXIF_PIXEL_Y], sub[_EXIF_PIXEL_X]
                    block: bytes | None = exif.tobytes()
                except Exception:  # a block Pillow cannot write back: leave it out, keep the orientation
                    block = None
                return orientation, _rgb_profile(icc), block
    except Exception:  # Pillow raises many types on odd headers; metadata is optional
        return 1, None, None


def _rgb_profile(profile: object) -> bytes | None:
    """``profile`` when it is an ICC profile of an RGB colour space (bytes 16-19 are ``RGB ``)."""
    if isinstance(profile, bytes) and len(profile) >= 128 and profile[16:20] == b"RGB ":
        return profile
    return None


def read_metadata(path: str | os.PathLike) -> ImageMetadata:
    """Read the ICC profile and EXIF block of an image file, for :func:`write_image` to carry over.

    Parameters
    ----------
    path : str or path-like
        Any file :func:`read_image` reads.

    Returns
    -------
    ImageMetadata
        ``icc_profile`` (RGB profiles only) and ``exif`` (orientation reset to 1, see
        :class:`ImageMetadata`); each is ``None`` when the file has none, when its format keeps
        none (BMP; TIFF tags are not an EXIF block) or when it cannot be parsed: metadata is
        optional, so this never raises for a file that exists.

    Raises
    ------
    FileNotFoundError
        The path does not exist (the message names it).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> path = write_image(pathlib.Path(tempfile.mkdtemp()) / "plain.png", np.zeros((4, 4, 3), np.float32))
    >>> read_metadata(path)
    ImageMetadata(icc_profile=None, exif=None)
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    if not path.is_file():
        return ImageMetadata()
    _, icc_profile, exif = _read_header_metadata(path)
    return ImageMetadata(icc_profile=icc_profile, exif=exif)


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


def write_image(
    path: str | os.PathLike,
    image: np.ndarray,
    *,
    overwrite: bool = False,
    icc_profile: bytes | None = None,
    exif: bytes | None = None,
    quality: int = JPEG_QUALITY,
) -> Path:
    """Write a float32 RGB ``[0, 1]`` image as an 8-bit file, atomically.

    Parameters
    ----------
    path : str or path-like
        Destination; the format follows the suffix (``.png`` recommended: lossless; ``.jpg`` /
        ``.jpeg`` for JPEG). The parent folder must exist.
    image : (H, W, 3) ndarray of float32 in [0, 1]
    overwrite : bool
        Replace an existing file. Without it an existing file raises ``FileExistsError``.
    icc_profile : bytes, optional
        ICC colour profile to embed (PNG and JPEG; other formats are written without it), e.g.
        :func:`read_metadata`'s, so the pixels keep meaning the colours they meant in the input.
    exif : bytes, optional
        EXIF block to embed (PNG ``eXIf`` chunk, JPEG APP1 segment; other formats are written
        without it). Pass :func:`read_metadata`'s: its orientation is already 1.
    quality : int
        JPEG quality, 1-100 (default :data:`JPEG_QUALITY`); ignored for other formats.

    Returns
    -------
    Path
        The written path.

    Raises
    ------
    FileExistsError
        ``path`` exists and ``overwrite`` is False.
    TypeError, ValueError
        ``image`` does not follow the library convention, ``quality`` is out of range, or the
        EXIF block is too long for a JPEG (at most 65533 bytes; PNG has no such limit).

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
    options: dict[str, Any] = {}  # Pillow save arguments (and the plugin that takes them)
    if suffix in (".jpg", ".jpeg"):
        if isinstance(quality, bool) or not isinstance(quality, (int, np.integer)) or not 1 <= quality <= 100:
            raise ValueError(f"quality: expected an int in [1, 100], got {quality!r}")
        if exif is not None and len(exif) > _JPEG_EXIF_LIMIT:
            raise ValueError(
                f"{path}: EXIF block of {len(exif)} bytes does not fit in a JPEG (at most {_JPEG_EXIF_LIMIT}); "
                "write a PNG instead, or leave the EXIF out"
            )
        options["quality"] = int(quality)
    if suffix in _METADATA_SUFFIXES:
        options.update((key, value) for key, value in (("icc_profile", icc_profile), ("exif", exif)) if value)
    if options:
        options["plugin"] = "pillow"  # the options are Pillow's save arguments
    # Encode first, in memory: the slow part then happens before any file exists (issue 8: a
    # SIGKILL during encoding used to leave a hidden .partial temporary behind).
    encoded = iio.imwrite("<bytes>", to_uint8(image), extension=suffix, **options)
    if not _write_unnamed(path, encoded, overwrite):
        _write_named_temporary(path, encoded, suffix)
    return path
