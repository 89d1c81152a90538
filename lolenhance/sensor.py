"""A physical model of a short-exposure (low-light) capture, used to make low images.

The model follows the usual raw-domain noise formulation (Foi et al., "Practical
Poissonian-Gaussian noise modeling and fitting for single-image raw-data", IEEE TIP 2008;
Brooks et al., "Unprocessing images for learned raw denoising", CVPR 2019):

1. linearise the sRGB image with the IEC 61966-2-1 transfer function;
2. scale the exposure: ``signal = ratio * linear`` (``ratio`` < 1 is a shorter exposure);
3. shot noise: the sensor counts ``photons = signal * full_well`` photo-electrons, Poisson
   distributed; read noise: additive Gaussian electrons with standard deviation ``read_noise``;
4. back to ``[0, 1]`` linear units (divide by ``full_well``), clip, re-encode to sRGB;
5. quantise to 8 bits, as a camera writing a PNG does.

Shot noise makes the noise signal-dependent (variance proportional to the signal), and the sRGB
curve amplifies it in the shadows: exactly the grain seen in LOL's low images.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lolenhance._checks import check_image

__all__ = ["srgb_to_linear", "linear_to_srgb", "LowLightModel", "simulate_low_light"]


def srgb_to_linear(image: np.ndarray) -> np.ndarray:
    """Invert the sRGB transfer function (IEC 61966-2-1).

    Parameters
    ----------
    image : ndarray of float in [0, 1]
        sRGB-encoded values.

    Returns
    -------
    ndarray of float32 in [0, 1]
        Linear-light values.

    Examples
    --------
    >>> float(srgb_to_linear(np.float32(0.5)))  # doctest: +ELLIPSIS
    0.214...
    """
    image = np.asarray(image, dtype=np.float32)
    return np.where(image <= 0.04045, image / 12.92, ((image + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Apply the sRGB transfer function (IEC 61966-2-1) to linear values in ``[0, 1]``.

    Parameters
    ----------
    linear : ndarray of float in [0, 1]

    Returns
    -------
    ndarray of float32 in [0, 1]
    """
    linear = np.clip(np.asarray(linear, dtype=np.float32), 0.0, 1.0)
    encoded = np.where(linear <= 0.0031308, linear * 12.92, 1.055 * np.power(linear, 1 / 2.4) - 0.055)
    return np.clip(encoded, 0.0, 1.0).astype(np.float32)


@dataclass(frozen=True)
class LowLightModel:
    """Parameters of the low-light capture model (see the module docstring).

    Attributes
    ----------
    exposure_ratio : float
        Exposure of the low capture relative to the well-exposed one (e.g. 1/20).
    full_well : float
        Photo-electrons recorded at linear value 1.0 *of the low capture*; smaller means fewer
        photons and stronger shot noise.
    read_noise : float
        Standard deviation of the Gaussian read noise, in electrons.
    quantise : bool
        Round the result to 8-bit levels (``k / 255``).
    """

    exposure_ratio: float = 1 / 20
    full_well: float = 1000.0
    read_noise: float = 2.0
    quantise: bool = True

    def __post_init__(self) -> None:
        if not 0 < self.exposure_ratio <= 1:
            raise ValueError(f"exposure_ratio must be in (0, 1], got {self.exposure_ratio}")
        if self.full_well <= 0:
            raise ValueError(f"full_well must be positive, got {self.full_well}")
        if self.read_noise < 0:
            raise ValueError(f"read_noise must be >= 0, got {self.read_noise}")


def simulate_low_light(
    image: np.ndarray, model: LowLightModel, rng: np.random.Generator
) -> np.ndarray:
    """Render the short-exposure capture of a well-exposed sRGB image.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
        Well-exposed sRGB image.
    model : LowLightModel
        Exposure and noise parameters.
    rng : numpy.random.Generator
        Source of the noise; pass ``np.random.default_rng(seed)`` for reproducible output.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
        The low-light sRGB image (8-bit levels when ``model.quantise``).

    Examples
    --------
    >>> high = np.full((8, 8, 3), 0.5, np.float32)
    >>> low = simulate_low_light(high, LowLightModel(), np.random.default_rng(0))
    >>> bool(low.mean() < high.mean())
    True
    """
    image = check_image(image, "image")
    signal = srgb_to_linear(image) * model.exposure_ratio
    electrons = rng.poisson(signal.astype(np.float64) * model.full_well).astype(np.float64)
    electrons += rng.normal(0.0, model.read_noise, size=electrons.shape)
    low = linear_to_srgb((electrons / model.full_well).astype(np.float32))
    if model.quantise:
        low = np.rint(low * 255.0) / 255.0
    return low.astype(np.float32)
