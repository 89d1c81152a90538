"""Input validation shared by the public entry points (see the package docstring)."""

from __future__ import annotations

import numpy as np


def check_image(image: object, name: str = "image", *, batch: bool | None = False) -> np.ndarray:
    """Check that ``image`` follows the library convention and return it as float32.

    Parameters
    ----------
    image : object
        Candidate image: ``(H, W, 3)`` (or ``(N, H, W, 3)`` when ``batch`` allows it), floating
        point, values in ``[0, 1]``. float64/float16 input is accepted and cast to float32.
    name : str
        Name used in error messages (the caller's argument name).
    batch : bool or None
        ``False``: a single image is required; ``True``: a batch is required; ``None``: either.

    Returns
    -------
    (H, W, 3) or (N, H, W, 3) ndarray of float32

    Raises
    ------
    TypeError
        Not an ndarray, or not floating point (integer images must be converted explicitly
        with :func:`lolenhance.io.to_float32`).
    ValueError
        Wrong shape, empty, NaN/Inf, or values outside ``[0, 1]``.
    """
    if not isinstance(image, np.ndarray):
        raise TypeError(
            f"{name}: expected a numpy.ndarray of float32 RGB in [0, 1], got {type(image).__name__}"
        )
    if not np.issubdtype(image.dtype, np.floating):
        raise TypeError(
            f"{name}: expected a floating-point array (float32 RGB in [0, 1]), got dtype "
            f"{image.dtype}; convert integer images with lolenhance.io.to_float32(image)"
        )
    expected = {False: "(H, W, 3)", True: "(N, H, W, 3)", None: "(H, W, 3) or (N, H, W, 3)"}[batch]
    allowed_ndims = {False: (3,), True: (4,), None: (3, 4)}[batch]
    if image.ndim not in allowed_ndims or image.shape[-1] != 3:
        raise ValueError(f"{name}: expected shape {expected} (RGB), got {image.shape}")
    if image.size == 0:
        raise ValueError(f"{name}: expected a non-empty image, got shape {image.shape}")
    image = np.asarray(image, dtype=np.float32)
    if not np.isfinite(image).all():
        bad = int((~np.isfinite(image)).sum())
        raise ValueError(f"{name}: contains {bad} NaN/Inf value(s); expected finite values in [0, 1]")
    low, high = float(image.min()), float(image.max())
    if low < 0.0 or high > 1.0:
        raise ValueError(
            f"{name}: values must lie in [0, 1], got range [{low:.4g}, {high:.4g}]; "
            "clip with numpy.clip(image, 0, 1) if the excursion is expected"
        )
    return image


def check_same_shape(a: np.ndarray, b: np.ndarray, names: tuple[str, str]) -> None:
    """Raise ``ValueError`` unless two arrays have the same shape."""
    if a.shape != b.shape:
        raise ValueError(f"{names[0]} and {names[1]} must have the same shape, got {a.shape} and {b.shape}")


def check_seed(seed: object, name: str = "seed") -> int:
    """Validate a random seed: a non-negative int (NumPy integers too, not bools).

    Parameters
    ----------
    seed : object
    name : str
        How the argument is called in the error message.

    Returns
    -------
    int

    Examples
    --------
    >>> check_seed(np.int64(7))
    7
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name}: expected a non-negative int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{name}: expected a non-negative int, got {seed}")
    return int(seed)
