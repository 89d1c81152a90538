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

__all__ = [
    "srgb_to_linear", "linear_to_srgb", "LowLightModel", "simulate_low_light", "SynthesisConfig", "illuminant_gains",
    "illuminant_gains_xy", "planckian_xy", "draw_illuminant", "synthesise_pair", "relight", "Lamp", "draw_lamps",
    "lamp_light",
]


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


#: Rec. 709 / sRGB luminance weights of linear RGB (an illuminant change keeps a grey's luminance).
_LUMINANCE = np.array([0.2126, 0.7152, 0.0722], np.float32)


@dataclass(frozen=True)
class SynthesisConfig:
    """How training pairs are synthesised from well-exposed images (recorded in the weights' JSON).

    A synthetic pair is ``(low, target)`` rendered from one well-exposed sRGB image: first the
    scene's **illuminant** is changed on *both* (per-channel gains in linear light), so a model
    learns to keep a scene's colour instead of imposing the one of LOL's camera; then the low
    image is a capture ``ratio`` times darker than the target, with shot and read noise
    (:func:`simulate_low_light`). With probability ``identity_share`` the low image *is* the
    target (a well-exposed photo must come out unchanged).

    Attributes
    ----------
    share : float
        Share of training crops that are synthesised; the others are real pairs.
    identity_share : float
        Share of the synthesised crops whose low image is the target itself (ratio 1, no noise).
    ratio_range : (float, float)
        Darkening factor ``r`` (low = target / r in linear light), drawn log-uniformly. ``r < 1``
        renders an *over*-exposure (linear values above 1 saturate), as in a multi-exposure set.
    temperature_range : (float, float)
        Illuminant colour: red gain ``exp(t)``, blue ``exp(-t)``, ``t`` uniform (0.3 ≈ from
        tungsten-ish to shade-ish casts around a neutral white balance). Not used with ``cct_range``.
    tint_range : (float, float)
        Green–magenta shift: green gain ``exp(g)``, ``g`` uniform (sodium and fluorescent light).
        With ``cct_range``, a deviation from the Planckian locus.
    cct_range : (float, float) or None
        Draw the light on the **Planckian locus** instead (:func:`planckian_xy`): a correlated
        colour temperature in kelvin, uniform in mired (``1e6 / K``) over this range, as a camera
        balanced for daylight sees it (:func:`illuminant_gains_xy`), times the tint's green gain.
        Real lights lie near that locus — the warmer, the more yellow — while LOL's dark frames are
        red *and* magenta (``tools/lol_cast.py``): off the locus, so a model can learn to keep a
        warm light and still remove LOL's cast. None: ``temperature_range`` (every stage shipped
        before this option).
    full_well_range : (float, float)
        Photo-electrons at full scale of the low capture, log-uniform (smaller: more shot noise).
        The embedded set's 30 000 gives a little more noise than LOL's real lows (notebook 01); the
        range reaches about 2.5× more noise than that.
    read_noise_range : (float, float)
        Read noise in electrons, uniform.
    real_illuminant_p : float
        Probability that a *real* pair gets an illuminant change too (the same gains on both).
    lamp_share : float
        Share of the synthesised scenes that hold light sources (:func:`draw_lamps`): lamps and lit
        windows, saturated in the short exposure as in the long one. A night photo often holds one,
        and a model that reads the exposure off the brightest parts must learn that a lamp says
        nothing about how dark the rest of the scene is. 0 (the default): none, and the random
        stream of every other draw is the one of a config without this option.
    lamp_area_range : (float, float)
        Share of the whole frame each light source covers, log-uniform.
    lamp_count_max : int
        Up to this many light sources per scene (uniform from 1).
    """

    share: float = 0.5
    identity_share: float = 0.2
    ratio_range: tuple[float, float] = (1.0, 100.0)
    temperature_range: tuple[float, float] = (-0.3, 0.3)
    tint_range: tuple[float, float] = (-0.15, 0.15)
    full_well_range: tuple[float, float] = (5000.0, 60000.0)
    read_noise_range: tuple[float, float] = (1.0, 12.0)
    real_illuminant_p: float = 0.5
    cct_range: tuple[float, float] | None = None
    lamp_share: float = 0.0
    lamp_area_range: tuple[float, float] = (0.001, 0.05)
    lamp_count_max: int = 3

    def __post_init__(self) -> None:
        if not 0 < self.lamp_area_range[0] <= self.lamp_area_range[1] < 1 or self.lamp_count_max < 1:
            raise ValueError(f"lamp_area_range must be (low, high) with 0 < low <= high < 1 and lamp_count_max >= 1, "
                             f"got {self.lamp_area_range}, {self.lamp_count_max}")
        for name in ("share", "identity_share", "real_illuminant_p", "lamp_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        for name in ("ratio_range", "temperature_range", "tint_range", "full_well_range", "read_noise_range"):
            low, high = getattr(self, name)
            if not low <= high:
                raise ValueError(f"{name} must be (low, high) with low <= high, got {(low, high)}")
        if self.cct_range is not None and not 1667 <= self.cct_range[0] <= self.cct_range[1] <= 25000:
            raise ValueError(f"cct_range must be (low, high) kelvin within 1667-25000, got {self.cct_range}")
        if self.ratio_range[0] <= 0 or self.full_well_range[0] <= 0 or self.read_noise_range[0] < 0:
            raise ValueError(
                f"ratio_range and full_well_range must be positive and read_noise_range >= 0, got "
                f"{self.ratio_range}, {self.full_well_range}, {self.read_noise_range}"
            )


def _unit_luminance(gains: np.ndarray) -> np.ndarray:
    # a light change keeps a grey's luminance: only the colour of the light changes
    return (gains / float(gains @ _LUMINANCE.astype(np.float64))).astype(np.float32)


def illuminant_gains(temperature: float, tint: float = 0.0) -> np.ndarray:
    """Per-channel linear-light gains of an illuminant change that keeps a grey's luminance.

    Parameters
    ----------
    temperature : float
        Red gain ``exp(t)``, blue gain ``exp(-t)`` before normalisation (``t > 0``: warmer).
    tint : float
        Green gain ``exp(g)`` before normalisation (``g > 0``: greener).

    Returns
    -------
    (3,) ndarray of float32
        Divided by their luminance-weighted mean.

    Examples
    --------
    >>> gains = illuminant_gains(0.2)
    >>> bool(gains[0] > gains[1] > gains[2]), round(float(gains @ _LUMINANCE), 6)
    (True, 1.0)
    """
    gains = np.exp(np.array([temperature, tint, -temperature], np.float64))
    return _unit_luminance(gains)


#: CIE XYZ → linear sRGB (IEC 61966-2-1, D65 white).
_XYZ_TO_LINEAR_SRGB = np.array([[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]])


def illuminant_gains_xy(x: float, y: float) -> np.ndarray:
    """Linear-light gains of a light of chromaticity ``(x, y)`` seen by a camera balanced for D65.

    Parameters
    ----------
    x, y : float
        CIE 1931 chromaticity of the illuminant (e.g. CIE A, tungsten: 0.4476, 0.4074).

    Returns
    -------
    (3,) ndarray of float32
        The illuminant's white in linear sRGB at unit luminance: what a white surface under that
        light records when the camera's white balance is left at daylight, so ``relight(image,
        gains)`` shows a D65 scene under that light.

    Examples
    --------
    >>> np.round(illuminant_gains_xy(0.3127, 0.3290), 2)  # D65 itself: no change
    array([1., 1., 1.], dtype=float32)
    >>> gains = illuminant_gains_xy(0.4476, 0.4074)  # tungsten: red up, blue down
    >>> bool(gains[0] > 1 > gains[2]), round(float(gains @ _LUMINANCE), 3)
    (True, 1.0)
    """
    if not (0 < x < 1 and 0 < y < 1 and x + y < 1):
        raise ValueError(f"(x, y) must be a chromaticity (positive, x + y < 1), got {(x, y)}")
    gains = _XYZ_TO_LINEAR_SRGB @ np.array([x / y, 1.0, (1 - x - y) / y])
    if np.any(gains <= 0):
        raise ValueError(f"chromaticity {(x, y)} lies outside the sRGB gamut (gains {gains.round(3)})")
    return _unit_luminance(gains)


def planckian_xy(cct: float) -> tuple[float, float]:
    """CIE 1931 chromaticity of a black body at ``cct`` kelvin (the Planckian locus).

    The cubic-spline approximation of Kang et al., "Design of advanced color temperature control
    system for HDTV applications", J. Korean Phys. Soc. 41 (2002) 865-871, valid from 1667 K to
    25 000 K (`colour.temperature.CCT_to_xy_Kang2002` in colour-science).

    Parameters
    ----------
    cct : float
        Colour temperature in kelvin.

    Returns
    -------
    (float, float)

    Examples
    --------
    >>> x, y = planckian_xy(2856)  # CIE illuminant A is (0.4476, 0.4074)
    >>> round(x, 4), round(y, 4)
    (0.4471, 0.4075)
    """
    if not 1667 <= cct <= 25000:
        raise ValueError(f"cct must be within 1667-25000 K, got {cct}")
    t = float(cct)
    if t <= 4000:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t <= 2222:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return x, y


def draw_illuminant(rng: np.random.Generator, config: SynthesisConfig) -> np.ndarray:
    """The per-channel gains of one random scene light (see :class:`SynthesisConfig`).

    Parameters
    ----------
    rng : numpy.random.Generator
        Two uniform draws are taken from it, in the same order whichever way lights are drawn.
    config : SynthesisConfig

    Returns
    -------
    (3,) ndarray of float32
        Linear-light gains at unit luminance of a grey.

    Examples
    --------
    >>> warm = SynthesisConfig(cct_range=(2856, 2856), tint_range=(0, 0))
    >>> np.round(draw_illuminant(np.random.default_rng(0), warm), 2)
    array([1.84, 0.83, 0.23], dtype=float32)
    """
    if config.cct_range is None:
        return illuminant_gains(rng.uniform(*config.temperature_range), rng.uniform(*config.tint_range))
    gains = _draw_planckian(rng, config.cct_range).astype(np.float64)
    return _unit_luminance(gains * np.exp([0.0, rng.uniform(*config.tint_range), 0.0]))


def _draw_planckian(rng: np.random.Generator, cct_range: tuple[float, float]) -> np.ndarray:
    # a light on the Planckian locus, uniform in mired (perceptually even) over cct_range: one draw
    low_mired, high_mired = 1e6 / cct_range[1], 1e6 / cct_range[0]
    return illuminant_gains_xy(*planckian_xy(1e6 / rng.uniform(low_mired, high_mired)))


#: Colour temperatures of the light sources :func:`draw_lamps` draws, in kelvin: sodium-like to daylight.
LAMP_CCT_RANGE = (2000.0, 6500.0)


@dataclass(frozen=True)
class Lamp:
    """A light source in a scene, placed relative to the whole frame (see :func:`lamp_light`).

    Attributes
    ----------
    row, col : float
        Centre, as fractions of the frame's height and width.
    area : float
        Share of the frame its core covers.
    window : bool
        A lit rectangle (a window, a screen) instead of a disc (a lamp).
    aspect : float
        A window's width over its height.
    level : float
        Core radiance in units of the *short* exposure's saturation: ``>= 1`` clips there, and so
        in every longer exposure too.
    colour : (float, float, float)
        Linear-light colour at unit luminance (a channel may stay below saturation: a warm lamp's blue).
    glow : float
        A disc's halo (scatter in the air and the lens) at its rim, falling as ``1 / (1 + d²/ρ²)``.
    """

    row: float
    col: float
    area: float
    window: bool
    aspect: float
    level: float
    colour: tuple[float, float, float]
    glow: float


def draw_lamps(rng: np.random.Generator, config: SynthesisConfig) -> list[Lamp]:
    """The light sources of one random scene (see :class:`SynthesisConfig`).

    Parameters
    ----------
    rng : numpy.random.Generator
    config : SynthesisConfig
        ``lamp_area_range`` and ``lamp_count_max``.

    Returns
    -------
    list of Lamp
        One to ``lamp_count_max`` sources anywhere in the frame: discs with a halo (three in five) or
        windows, core ``level`` uniform in [1, 4], colour on the Planckian locus within
        :data:`LAMP_CCT_RANGE` (uniform in mired).

    Examples
    --------
    >>> lamps = draw_lamps(np.random.default_rng(0), SynthesisConfig(lamp_count_max=2))
    >>> 1 <= len(lamps) <= 2 and all(lamp.level >= 1 for lamp in lamps)
    True
    """
    lamps = []
    for _ in range(int(rng.integers(1, config.lamp_count_max + 1))):
        window = bool(rng.random() >= 0.6)
        red, green, blue = (float(c) for c in _draw_planckian(rng, LAMP_CCT_RANGE))
        lamps.append(Lamp(row=float(rng.random()), col=float(rng.random()),
                          area=float(np.exp(rng.uniform(*np.log(config.lamp_area_range)))), window=window,
                          aspect=float(np.exp(rng.uniform(np.log(0.5), np.log(2.0)))), level=float(rng.uniform(1.0, 4.0)),
                          colour=(red, green, blue), glow=0.0 if window else float(rng.uniform(0.0, 0.1))))
    return lamps


def lamp_light(lamps: list[Lamp], frame: tuple[int, int],
               window: tuple[int, int, int, int] | None = None) -> np.ndarray:
    """The linear light ``lamps`` add to a frame, or to a window of it.

    Parameters
    ----------
    lamps : list of Lamp
    frame : (int, int)
        Height and width of the whole frame the lamps are placed in.
    window : (top, left, height, width), optional
        The part of the frame to render (a training crop); default: all of it.

    Returns
    -------
    (height, width, 3) ndarray of float32
        In units of the short exposure's saturation (:func:`synthesise_pair` multiplies it by the
        exposure ratio for the long one).

    Examples
    --------
    >>> lamp = Lamp(0.5, 0.5, 0.01, False, 1.0, 2.0, (1.0, 1.0, 1.0), 0.0)
    >>> light = lamp_light([lamp], (100, 100))
    >>> float(light[50, 50, 0]), float(light[0, 0, 0]), int((light[..., 0] > 0).sum())  # about 1 % of 10 000
    (2.0, 0.0, 96)
    """
    height, width = frame
    top, left, rows, cols = window if window is not None else (0, 0, height, width)
    y = np.arange(top, top + rows, dtype=np.float32)[:, None] + 0.5
    x = np.arange(left, left + cols, dtype=np.float32)[None, :] + 0.5
    light = np.zeros((rows, cols, 3), np.float32)
    for lamp in lamps:
        dy, dx = y - lamp.row * height, x - lamp.col * width
        if lamp.window:
            half_height = np.sqrt(lamp.area * height * width / lamp.aspect) / 2
            profile = ((np.abs(dy) <= half_height) & (np.abs(dx) <= half_height * lamp.aspect)) * np.float32(lamp.level)
        else:
            radius2 = lamp.area * height * width / np.pi
            distance2 = dy**2 + dx**2
            profile = np.where(distance2 <= radius2, np.float32(lamp.level),
                               np.float32(lamp.glow) / (1 + distance2 / radius2)).astype(np.float32)
        light += profile[..., None] * np.asarray(lamp.colour, np.float32)
    return light


def synthesise_pair(
    image: np.ndarray,
    rng: np.random.Generator,
    config: SynthesisConfig = SynthesisConfig(),
    *,
    companions: tuple[np.ndarray, ...] = (),
    lights: tuple[np.ndarray, ...] | None = None,
) -> tuple[np.ndarray, np.ndarray, tuple[np.ndarray, ...]]:
    """Render a training pair ``(low, target)`` from a well-exposed image (see :class:`SynthesisConfig`).

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
        A well-exposed sRGB image (a crop of one).
    rng : numpy.random.Generator
        Draws the exposure, illuminant and noise; a seeded generator gives the same pair.
    config : SynthesisConfig
    companions : tuple of (h, w, 3) ndarray of float32
        More images rendered with the *same* draws (exposure, illuminant, noise levels), e.g. a
        thumbnail of the whole image a crop was cut from, whose low version tells the whole
        image's exposure.

    Returns
    -------
    low, target : (H, W, 3) ndarray of float32 in [0, 1], on 8-bit levels
    companion_lows : tuple of ndarray
        The low versions of ``companions``.

    Examples
    --------
    >>> high = np.full((16, 16, 3), 0.5, np.float32)
    >>> config = SynthesisConfig(identity_share=0.0, ratio_range=(10, 10))
    >>> low, target, _ = synthesise_pair(high, np.random.default_rng(0), config)
    >>> bool(low.mean() < 0.2 < target.mean())
    True
    """
    image = check_image(image, "image")
    gains = draw_illuminant(rng, config)
    identity = rng.random() < config.identity_share
    log_low, log_high = np.log(config.ratio_range)
    ratio = float(np.exp(rng.uniform(log_low, log_high)))
    model = LowLightModel(
        exposure_ratio=1.0,  # exposure is applied below, so that r < 1 (over-exposure) works too
        full_well=float(np.exp(rng.uniform(*np.log(config.full_well_range)))),
        read_noise=float(rng.uniform(*config.read_noise_range)),
    )

    if lights is not None and len(lights) != 1 + len(companions):
        raise ValueError(f"lights must hold one map for the image and one per companion "
                         f"({1 + len(companions)}), got {len(lights)}")

    def render(source: np.ndarray, light: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        linear = srgb_to_linear(source) * gains
        # a well-exposed photo is its own low capture: its lamps at the level they have in it
        scale = 1.0 if identity else ratio
        lit = linear if light is None else linear + light * np.float32(scale)
        target = np.rint(linear_to_srgb(lit) * 255.0) / 255.0
        if identity:
            return target.astype(np.float32), target.astype(np.float32)
        exposed = linear_to_srgb(lit / ratio)  # clipped at 1: an over-exposure saturates
        return simulate_low_light(exposed, model, rng), target.astype(np.float32)

    maps = lights if lights is not None else (None,) * (1 + len(companions))
    low, target = render(image, maps[0])
    companion_lows = tuple(render(check_image(extra, "companion"), light)[0]
                           for extra, light in zip(companions, maps[1:], strict=True))
    return low, target, companion_lows


def relight(image: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Change the illuminant of an sRGB image: multiply its linear light by ``gains``.

    Parameters
    ----------
    image : (H, W, 3) ndarray of float32 in [0, 1]
    gains : (3,) ndarray
        E.g. :func:`illuminant_gains`.

    Returns
    -------
    (H, W, 3) ndarray of float32 in [0, 1]
    """
    return linear_to_srgb(srgb_to_linear(check_image(image, "image")) * np.asarray(gains, np.float32))
