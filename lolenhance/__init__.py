"""lolenhance: low-light image enhancement, notebook first.

The one image convention
------------------------
Every image inside this library is a NumPy array of ``float32``, RGB channel order, values in
``[0, 1]``, shape ``(H, W, 3)``; batches are ``(N, H, W, 3)``. Conversion happens only at the
edges: :mod:`lolenhance.io` (files are 8- or 16-bit, any PNG colour type) and inside
:mod:`lolenhance.classical` around OpenCV (``uint8``/BGR there, converted back before returning).
Public entry points check their input and raise ``TypeError`` (wrong type or dtype, e.g. a
``uint8`` array: call :func:`lolenhance.io.to_float32` first) or ``ValueError`` (wrong shape,
values outside ``[0, 1]``, NaN/Inf) with a message that says what was expected and what came.

Modules
-------
io        read/write images with the convention above, atomically
data      locate LOL on disk, list and validate pairs, ``tf.data`` pipelines, download
sensor    the physical low-light model (sRGB linearisation, exposure, shot + read noise) and the
          synthesis of training pairs from well-exposed images (illuminant, darker capture, identity)
embedded  the tiny LOL-format set bundled with the package, and its generator
stats     brightness, exposure-ratio and noise statistics of pairs
classical CLAHE on LAB lightness / per RGB channel, histogram equalisation, gamma
augment   seeded paired augmentation (geometric on both, photometric on the low image)
batch     the method registry and the batch runner behind ``lolenhance enhance``
metrics   PSNR / SSIM (data_range = 1), their GT-mean variants, colour-cast error, clipped share
denoiser  the residual U-Net denoiser that never darkens on average
curves    the light-enhancement curve, the DCE-Net (supervised and Zero-DCE), fast inference
train     the training loop shared by the learned models, and their recipes
robustness do no harm, the exposure sweep, colour and highlights: any method beyond LOL
plotting  one ``savefig`` into ``figures/``, image grids, histograms
cli       the ``lolenhance`` console script

TensorFlow is imported lazily (only by the functions that need it), so ``import lolenhance``
stays fast.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lolenhance")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
