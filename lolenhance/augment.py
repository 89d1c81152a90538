"""Paired augmentation of low/high pairs with Albumentations: aligned geometry, physical photometry.

A LOL pair is a low-light capture and its well-exposed reference of the *same* scene, aligned
pixel for pixel. Augmentation must keep that alignment and must leave the reference a valid
target, so the transforms fall in two groups:

* **geometric** — one random draw applied identically to low and high (Albumentations
  ``additional_targets={"high": "image"}``): a random crop with a small scale change
  (:class:`RandomScaledCrop`), horizontal/vertical flips and, for square outputs, 90° rotations
  (together the symmetries of the rectangle, or of the square). Interpolation is linear in the
  pixel values and runs on float32, so a pixelwise relation between low and high (e.g.
  ``high = 1 - low``) survives exactly, up to float rounding.
* **photometric** — on the low image only, never on the high (the target): a different
  exposure (:class:`ExposureScale`), a mild colour-temperature shift (:class:`ColourTemperature`)
  and sensor noise (:class:`ShotReadNoise`). All three act in *linear light* through
  :mod:`lolenhance.sensor`: the sRGB values are linearised, the signal is scaled (exposure,
  per-channel gains), Poisson shot noise and Gaussian read noise are drawn in photo-electrons,
  and the result is re-encoded to sRGB and quantised to 8 bits — the raw-domain noise model of
  Brooks et al., "Unprocessing Images for Learned Raw Denoising", CVPR 2019 (after Foi et al.,
  IEEE TIP 2008), the same model that renders the embedded low images.

:class:`PairedAugmenter` combines both groups (a switch for each), is deterministic for a seed,
returns float32 RGB in ``[0, 1]`` and plugs into :func:`lolenhance.pipeline.make_pair_dataset` as its
``augment`` argument. :func:`lolenhance.batch.augment_to_disk` (``lolenhance augment``) writes augmented copies of
a dataset in the LOL-v1 layout.

Seeding note: in Albumentations 2.0.8 ``A.Compose(..., seed=s)`` and ``set_random_seed(s)`` give
every child transform its *own* generator seeded with the same ``s``, so e.g. ``HorizontalFlip``
and ``VerticalFlip`` with ``p=0.5`` always fire together. This module instead hands one shared
generator pair to the whole pipeline (``Compose.set_random_state``), so the draws are independent.
"""

from __future__ import annotations

import math
import random
import threading
import zlib
from dataclasses import dataclass, field, replace
from typing import Any

import albumentations as A
import cv2
import numpy as np

from lolenhance._checks import check_image, check_seed
from lolenhance.sensor import LowLightModel, linear_to_srgb, simulate_low_light, srgb_to_linear

__all__ = [
    "RandomScaledCrop",
    "ExposureScale",
    "ColourTemperature",
    "ShotReadNoise",
    "PairedAugmenter",
    "pair_seed",
]

#: Rec. 709 / sRGB luminance weights of *linear* RGB: colour gains are normalised with them so
#: that a colour-temperature shift leaves the luminance of a grey unchanged.
_LINEAR_Y = np.array([0.2126, 0.7152, 0.0722], np.float64)


def _check_range(name: str, value: tuple[float, float], *, positive: bool = False) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in value)
    except (TypeError, ValueError):
        raise TypeError(f"{name}: expected a (min, max) pair of numbers, got {value!r}") from None
    if not (math.isfinite(low) and math.isfinite(high)) or low > high:
        raise ValueError(f"{name}: expected finite (min, max) with min <= max, got {value!r}")
    if positive and low <= 0:
        raise ValueError(f"{name}: expected positive values, got {value!r}")
    return low, high


def _check_probability(name: str, p: float) -> float:
    if not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{name}: expected a probability in [0, 1], got {p!r}")
    return float(p)


def _log_uniform(rng: random.Random, low: float, high: float) -> float:
    return low if low == high else math.exp(rng.uniform(math.log(low), math.log(high)))


class RandomScaledCrop(A.DualTransform):
    """Random crop with a small scale change, identical on every image target.

    A region of side ``size / s`` is cut at a random position and resized to ``size``, so the
    content is magnified by ``s`` (``s > 1`` zooms in, ``s < 1`` zooms out). Zooming out needs
    a region larger than the output: the feasible range of ``s`` is clamped so that the region
    always fits in the input, and no padded border ever appears.

    Parameters
    ----------
    size : (int, int) or None
        Output ``(height, width)``. ``None`` keeps the input size: then only zooming in
        (``s >= 1``) is possible.
    scale_range : (float, float)
        Range of ``s``, sampled log-uniformly; must contain 1.
    scale_p : float
        Probability of a scale change; otherwise ``s = 1`` (a plain crop, no interpolation).
    p : float
        Albumentations' probability of applying the transform; keep 1 when ``size`` is set, or
        outputs would not all have that size.

    Notes
    -----
    Resizing uses ``cv2.INTER_LINEAR`` (magnification) or ``cv2.INTER_AREA`` (minification):
    both are weighted averages of input pixels, so on float32 images any pixelwise *affine*
    relation between two targets (``high = a * low + b``) is preserved to float rounding.

    Examples
    --------
    >>> crop = A.Compose([RandomScaledCrop(size=(64, 64))], additional_targets={"high": "image"})
    >>> image = np.zeros((100, 120, 3), np.float32)
    >>> crop(image=image, high=image)["high"].shape
    (64, 64, 3)
    """

    def __init__(
        self,
        size: tuple[int, int] | None = None,
        scale_range: tuple[float, float] = (0.8, 1.25),
        scale_p: float = 0.5,
        p: float = 1.0,
    ) -> None:
        super().__init__(p=p)
        if size is not None:
            if len(size) != 2 or any(int(side) < 1 for side in size):
                raise ValueError(f"size: expected (height, width) of positive ints or None, got {size!r}")
            size = (int(size[0]), int(size[1]))
        self.size = size
        self.scale_range = _check_range("scale_range", scale_range, positive=True)
        if not self.scale_range[0] <= 1.0 <= self.scale_range[1]:
            raise ValueError(f"scale_range: must contain 1 (no scale change), got {scale_range!r}")
        self.scale_p = _check_probability("scale_p", scale_p)

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("size", "scale_range", "scale_p")

    def get_params_dependent_on_data(self, params: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        height, width = params["shape"][:2]
        out_h, out_w = self.size if self.size is not None else (height, width)
        if out_h > height or out_w > width:
            raise ValueError(f"RandomScaledCrop: output {out_h}x{out_w} is larger than the input {height}x{width}")
        scale = 1.0
        if self.py_random.random() < self.scale_p:
            # zooming out by s needs a region of out / s pixels: s >= out / input
            lowest = max(self.scale_range[0], out_h / height, out_w / width)
            scale = _log_uniform(self.py_random, lowest, self.scale_range[1])
        region_h = min(height, max(1, round(out_h / scale)))
        region_w = min(width, max(1, round(out_w / scale)))
        top = self.py_random.randint(0, height - region_h)
        left = self.py_random.randint(0, width - region_w)
        return {"box": (top, left, region_h, region_w), "out_size": (out_h, out_w), "scale": scale}

    def apply(self, img: np.ndarray, box: tuple[int, int, int, int] = (0, 0, 0, 0),
              out_size: tuple[int, int] = (0, 0), **params: Any) -> np.ndarray:
        top, left, region_h, region_w = box
        region = img[top : top + region_h, left : left + region_w]
        if (region_h, region_w) == tuple(out_size):
            return region
        shrinking = region_h > out_size[0]
        interpolation = cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR
        resized = cv2.resize(region, (out_size[1], out_size[0]), interpolation=interpolation)
        return resized.reshape(*out_size, *img.shape[2:])


class _LinearLightTransform(A.ImageOnlyTransform):
    """Base of the photometric transforms: float32 sRGB [0, 1] in and out, worked in linear light."""

    def apply(self, img: np.ndarray, **params: Any) -> np.ndarray:
        if img.dtype != np.float32:
            raise TypeError(f"{type(self).__name__}: expected a float32 image in [0, 1], got dtype {img.dtype}")
        return self._apply_float(img, **params)

    def _apply_float(self, img: np.ndarray, **params: Any) -> np.ndarray:
        raise NotImplementedError


class ExposureScale(_LinearLightTransform):
    """Change the exposure: multiply the *linear-light* signal by a random ratio.

    Parameters
    ----------
    ratio_range : (float, float)
        Exposure ratio, sampled log-uniformly (``(2/3, 1.5)``: up to 1.5× shorter or longer).
        Linear values that exceed 1 are clipped (saturation).
    p : float
        Probability of applying the transform.

    Notes
    -----
    A ratio below 1 renders a shorter exposure of the same scene; above 1 it acts like a
    digital gain: the noise already in the image is scaled with the signal. Pair it with
    :class:`ShotReadNoise` for a new capture's noise.

    Examples
    --------
    >>> image = np.full((4, 4, 3), 0.2, np.float32)
    >>> darker = ExposureScale(ratio_range=(0.5, 0.5), p=1.0)(image=image)["image"]
    >>> bool(np.allclose(srgb_to_linear(darker), 0.5 * srgb_to_linear(image), atol=1e-6))
    True
    """

    def __init__(self, ratio_range: tuple[float, float] = (2 / 3, 1.5), p: float = 0.5) -> None:
        super().__init__(p=p)
        self.ratio_range = _check_range("ratio_range", ratio_range, positive=True)

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("ratio_range",)

    def get_params(self) -> dict[str, Any]:
        return {"ratio": _log_uniform(self.py_random, *self.ratio_range)}

    def _apply_float(self, img: np.ndarray, ratio: float = 1.0, **params: Any) -> np.ndarray:
        return linear_to_srgb(srgb_to_linear(img) * np.float32(ratio))


class ColourTemperature(_LinearLightTransform):
    """A mild colour-temperature shift: per-channel gains on the *linear-light* signal.

    The red gain is ``exp(t)`` and the blue gain ``exp(-t)`` (``t > 0`` warmer, ``t < 0``
    cooler), green 1; the three are then divided by their luminance-weighted mean (Rec. 709 /
    sRGB Y weights), so a grey keeps its luminance and only its colour moves.

    Parameters
    ----------
    shift_range : (float, float)
        Range of ``t``, sampled uniformly; ``(-0.1, 0.1)`` is about ±10 % red/blue gain, far
        below a white-balance error but visible on a grey card.
    p : float
        Probability of applying the transform.

    Notes
    -----
    Illuminant colour multiplies the scene radiance per channel, i.e. acts in linear light
    before the sensor adds noise — in :class:`PairedAugmenter` it therefore runs before
    :class:`ShotReadNoise`. Brooks et al. (CVPR 2019) sample white-balance gains the same way
    when they unprocess sRGB images.

    Examples
    --------
    >>> grey = np.full((4, 4, 3), 0.3, np.float32)
    >>> warm = ColourTemperature(shift_range=(0.1, 0.1), p=1.0)(image=grey)["image"]
    >>> bool(warm[0, 0, 0] > warm[0, 0, 1] > warm[0, 0, 2])
    True
    """

    def __init__(self, shift_range: tuple[float, float] = (-0.1, 0.1), p: float = 0.5) -> None:
        super().__init__(p=p)
        self.shift_range = _check_range("shift_range", shift_range)

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("shift_range",)

    def get_params(self) -> dict[str, Any]:
        shift = self.py_random.uniform(*self.shift_range)
        gains = np.array([math.exp(shift), 1.0, math.exp(-shift)])
        return {"gains": (gains / float(gains @ _LINEAR_Y)).astype(np.float32)}

    def _apply_float(self, img: np.ndarray, gains: np.ndarray | None = None, **params: Any) -> np.ndarray:
        if gains is None:
            return img
        return linear_to_srgb(srgb_to_linear(img) * gains)


class ShotReadNoise(_LinearLightTransform):
    """Sensor noise: Poisson shot noise and Gaussian read noise added in linear light.

    The image is taken as the signal of a new capture on a sensor with ``full_well``
    photo-electrons at linear value 1 and ``read_noise`` electrons of read noise, rendered by
    :func:`lolenhance.sensor.simulate_low_light` (exposure ratio 1): linearise, draw
    ``Poisson(full_well · x) + N(0, read_noise²)`` electrons, divide by ``full_well``,
    re-encode to sRGB and quantise to 8 bits. The added variance in linear units is
    ``x / full_well + (read_noise / full_well)²``: signal-dependent, as in real sensors
    (Brooks et al., "Unprocessing Images for Learned Raw Denoising", CVPR 2019, Sec. 3.2;
    Foi et al., IEEE TIP 2008).

    Parameters
    ----------
    full_well_range : (float, float)
        Range of ``full_well``, sampled log-uniformly; smaller is noisier. On LOL-like low
        images the default ``(1e4, 1e5)`` raises the noise level from real LOL's (σ ≈ 0.0035
        in sRGB units) by up to about a factor 2 (notebook 03 measures it).
    read_noise_range : (float, float)
        Range of the read noise in electrons, sampled uniformly.
    p : float
        Probability of applying the transform.

    Examples
    --------
    >>> image = np.full((32, 32, 3), 0.1, np.float32)
    >>> noisy = ShotReadNoise(full_well_range=(1000, 1000), p=1.0)(image=image)["image"]
    >>> bool(noisy.std() > 0)
    True
    """

    def __init__(
        self,
        full_well_range: tuple[float, float] = (10000.0, 100000.0),
        read_noise_range: tuple[float, float] = (0.0, 3.0),
        p: float = 0.5,
    ) -> None:
        super().__init__(p=p)
        self.full_well_range = _check_range("full_well_range", full_well_range, positive=True)
        self.read_noise_range = _check_range("read_noise_range", read_noise_range)
        if self.read_noise_range[0] < 0:
            raise ValueError(f"read_noise_range: expected values >= 0, got {read_noise_range!r}")

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("full_well_range", "read_noise_range")

    def get_params(self) -> dict[str, Any]:
        return {
            "full_well": _log_uniform(self.py_random, *self.full_well_range),
            "read_noise": self.py_random.uniform(*self.read_noise_range),
            # the noise field itself comes from its own generator, seeded from the pipeline's
            "noise_seed": int(self.random_generator.integers(2**63)),
        }

    def _apply_float(self, img: np.ndarray, full_well: float = 1.0, read_noise: float = 0.0,
                     noise_seed: int = 0, **params: Any) -> np.ndarray:
        model = LowLightModel(exposure_ratio=1.0, full_well=full_well, read_noise=read_noise, quantise=True)
        return simulate_low_light(img, model, np.random.default_rng(noise_seed))


def _as_float_image(image: object, name: str) -> np.ndarray:
    """uint8 (as read by the data pipeline) or float [0, 1] → float32 following the convention."""
    if isinstance(image, np.ndarray) and image.dtype == np.uint8:
        if image.ndim != 3 or image.shape[-1] != 3 or image.size == 0:
            raise ValueError(f"{name}: expected shape (H, W, 3) (RGB), got {image.shape}")
        return image.astype(np.float32) / np.float32(255.0)
    return np.ascontiguousarray(check_image(image, name))


@dataclass(frozen=True)
class PairedAugmenter:
    """Seeded paired augmentation: aligned geometry on low and high, photometry on low only.

    Parameters
    ----------
    geometric : bool
        Apply the geometric group (crop/scale, flips, 90° rotations) identically to both images.
    photometric : bool
        Apply the photometric group (exposure, colour temperature, shot + read noise) to the
        low image; the high image is never changed photometrically.
    crop_size : int or None
        Side of the square output crop. ``None`` keeps the input size (then scale changes can
        only zoom in). :func:`lolenhance.pipeline.make_pair_dataset` sets it to its own
        ``crop_size`` via :meth:`for_crop` and feeds a larger region (:attr:`region_size`),
        so that zooming out happens *before* the final crop and never shows a border.
    scale_range : (float, float)
        Magnification range of :class:`RandomScaledCrop` (must contain 1).
    scale_p : float
        Probability of a scale change.
    flips : bool
        Random horizontal and vertical flips.
    rotate90 : bool
        Random 90° rotations, applied only when the output is square (a rotated 600×400 image
        would no longer batch with the others); with ``flips`` this covers all 8 symmetries of
        the square.
    exposure_range : (float, float) or None
        :class:`ExposureScale` ratio range; ``None`` disables it.
    temperature_range : (float, float) or None
        :class:`ColourTemperature` shift range; ``None`` disables it.
    full_well_range : (float, float) or None
        :class:`ShotReadNoise` full-well range; ``None`` disables the noise.
    read_noise_range : (float, float)
        :class:`ShotReadNoise` read-noise range (electrons).
    photometric_p : float
        Probability of each photometric transform (independently).

    Notes
    -----
    For a given ``seed`` the output is fully determined, whatever the thread, the call order or
    the other seeds used before: the geometric and the photometric group draw from two
    independent streams of ``numpy.random.SeedSequence(seed)``, so switching one group off does
    not change what the other does. Each thread keeps its own Albumentations pipelines, so the
    augmenter is safe inside ``tf.data``'s parallel ``map``.

    The photometric group follows the raw-domain noise model of Brooks et al., "Unprocessing
    Images for Learned Raw Denoising", CVPR 2019 (see :mod:`lolenhance.sensor`): exposure and
    illuminant colour scale the linear signal, then shot + read noise is drawn, then the image
    is re-encoded to sRGB and quantised.

    Examples
    --------
    >>> augment = PairedAugmenter(crop_size=64)
    >>> low = np.zeros((100, 150, 3), np.uint8); high = np.full((100, 150, 3), 200, np.uint8)
    >>> out_low, out_high = augment(low, high, seed=0)
    >>> out_low.shape, out_high.dtype
    ((64, 64, 3), dtype('float32'))
    >>> from lolenhance.pipeline import make_pair_dataset  # in training: aligned crops of every pair
    >>> batch_low, batch_high = next(iter(make_pair_dataset(([low / 255.0], [high / 255.0]), batch_size=2,
    ...                                                     crop_size=64, augment=augment)))
    >>> tuple(batch_low.shape)
    (2, 64, 64, 3)
    """

    geometric: bool = True
    photometric: bool = True
    crop_size: int | None = None
    scale_range: tuple[float, float] = (0.8, 1.25)
    scale_p: float = 0.5
    flips: bool = True
    rotate90: bool = True
    exposure_range: tuple[float, float] | None = (2 / 3, 1.5)
    temperature_range: tuple[float, float] | None = (-0.1, 0.1)
    full_well_range: tuple[float, float] | None = (10000.0, 100000.0)
    read_noise_range: tuple[float, float] = (0.0, 3.0)
    photometric_p: float = 0.5
    _local: threading.local = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.crop_size is not None and (isinstance(self.crop_size, bool) or int(self.crop_size) < 1):
            raise ValueError(f"crop_size: expected a positive int or None, got {self.crop_size!r}")
        # build every transform once here so that bad parameters fail at construction
        self._geometric_transforms(square=True)
        self._photometric_transforms()
        object.__setattr__(self, "_local", threading.local())

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_local", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        object.__setattr__(self, "_local", threading.local())

    # -- pipelines -------------------------------------------------------------------------
    def _geometric_transforms(self, *, square: bool) -> list[A.BasicTransform]:
        size = None if self.crop_size is None else (int(self.crop_size), int(self.crop_size))
        transforms: list[A.BasicTransform] = [RandomScaledCrop(size, self.scale_range, self.scale_p)]
        if self.flips:
            transforms.append(A.HorizontalFlip(p=0.5))
            if not (square and self.rotate90):  # with rot90, a vertical flip adds nothing new
                transforms.append(A.VerticalFlip(p=0.5))
        if square and self.rotate90:
            transforms.append(A.RandomRotate90(p=1.0))
        return transforms

    def _photometric_transforms(self) -> list[A.BasicTransform]:
        p = _check_probability("photometric_p", self.photometric_p)
        transforms: list[A.BasicTransform] = []
        # order matters physically: the signal is scaled (exposure, illuminant) before the
        # sensor adds its noise
        if self.exposure_range is not None:
            transforms.append(ExposureScale(self.exposure_range, p=p))
        if self.temperature_range is not None:
            transforms.append(ColourTemperature(self.temperature_range, p=p))
        if self.full_well_range is not None:
            transforms.append(ShotReadNoise(self.full_well_range, self.read_noise_range, p=p))
        return transforms

    def _pipeline(self, key: str) -> A.Compose:
        """This thread's pipeline ``key`` ("square", "oblong" or "photometric"), built on first use."""
        pipelines = getattr(self._local, "pipelines", None)
        if pipelines is None:
            pipelines = self._local.pipelines = {}
        if key not in pipelines:
            if key == "photometric":
                pipelines[key] = A.Compose(self._photometric_transforms())
            else:
                transforms = self._geometric_transforms(square=key == "square")
                pipelines[key] = A.Compose(transforms, additional_targets={"high": "image"})
        return pipelines[key]

    # -- public API ------------------------------------------------------------------------
    def for_crop(self, crop_size: int) -> PairedAugmenter:
        """The same augmenter producing ``crop_size`` × ``crop_size`` outputs.

        Parameters
        ----------
        crop_size : int

        Returns
        -------
        PairedAugmenter
        """
        return replace(self, crop_size=int(crop_size))

    @property
    def region_size(self) -> int | None:
        """Side of the input region needed for a ``crop_size`` output at the smallest scale.

        ``ceil(crop_size / min(scale_range))`` when scale changes are on, ``crop_size`` otherwise,
        ``None`` without ``crop_size``. A smaller input still works: the zoom-out range is then
        limited to what fits.
        """
        if self.crop_size is None:
            return None
        if not self.geometric or self.scale_p == 0:
            return int(self.crop_size)
        return int(math.ceil(self.crop_size / self.scale_range[0] - 1e-9))

    def __call__(self, low: np.ndarray, high: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Augment one pair.

        Parameters
        ----------
        low, high : (H, W, 3) ndarray of uint8, or of float32 in [0, 1]
            The pair, the same shape (uint8 is divided by 255, as the data pipeline stores it).
        seed : int
            Non-negative; the same seed gives the same output.

        Returns
        -------
        low, high : (h, w, 3) ndarray of float32 in [0, 1]
            ``(crop_size, crop_size, 3)`` when ``crop_size`` is set (and ``geometric``), else
            the input shape, possibly transposed by a 90° rotation of a square image.

        Raises
        ------
        TypeError, ValueError
            Wrong type, dtype, shape or range; shapes of low and high differ; bad seed.
        """
        low = _as_float_image(low, "low")
        high = _as_float_image(high, "high")
        if low.shape != high.shape:
            raise ValueError(f"low and high must have the same shape, got {low.shape} and {high.shape}")
        geometric_state, photometric_state = np.random.SeedSequence(check_seed(seed)).generate_state(2)
        if self.geometric:
            out_h, out_w = low.shape[:2] if self.crop_size is None else (self.crop_size, self.crop_size)
            pipeline = self._pipeline("square" if out_h == out_w else "oblong")
            pipeline.set_random_state(np.random.default_rng(geometric_state), random.Random(int(geometric_state)))
            result = pipeline(image=low, high=high)
            low, high = result["image"], result["high"]
        if self.photometric:
            pipeline = self._pipeline("photometric")
            pipeline.set_random_state(np.random.default_rng(photometric_state), random.Random(int(photometric_state)))
            low = pipeline(image=low)["image"]
        return (
            np.ascontiguousarray(np.clip(low, 0.0, 1.0), dtype=np.float32),
            np.ascontiguousarray(np.clip(high, 0.0, 1.0), dtype=np.float32),
        )


def pair_seed(seed: int, name: str, copy: int) -> int:
    """The seed of copy ``copy`` of pair ``name`` in an offline run seeded with ``seed``.

    Depends only on its arguments (not on the order or number of pairs), so adding a pair to
    the source does not change the copies of the others.

    Parameters
    ----------
    seed : int
    name : str
    copy : int

    Returns
    -------
    int
        In ``[0, 2**32)``.

    Examples
    --------
    >>> pair_seed(0, "chelsea", 1) == pair_seed(0, "chelsea", 1)
    True
    """
    return int(np.random.SeedSequence([check_seed(seed), zlib.crc32(name.encode()), int(copy)]).generate_state(1)[0])
