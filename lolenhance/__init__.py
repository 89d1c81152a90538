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
One job per module, in layers that import only downwards (checked by import-linter, see
``pyproject.toml``):

==========================================  ================================================
cli                                         the ``lolenhance`` console script
train, batch, evaluation, robustness        jobs: training recipes; files in, files out;
                                            scoring tables and the iteration sweep; do no harm,
                                            the exposure sweep, colour and highlights
methods                                     the enhancement methods by name (one registry)
pipeline, augment, download, stats          training streams (``tf.data``, or NumPy workers on
                                            other Keras backends); paired augmentation; LOL
                                            download with checksums; brightness/noise statistics
data, embedded                              LOL on disk (layouts, pairs); the embedded default set
inference, pretrained                       running learned models on any image (one tiler, fast
                                            α, banded curves); the shipped weights and their cards
models                                      DCE-Net, CurveEnhancer, denoiser, losses (registered,
                                            serializable Keras classes)
sensor, curves, classical, metrics,         image maths: the physical low-light model and pair
plotting                                    synthesis; the LE curve; CLAHE/HE/gamma; PSNR/SSIM,
                                            colour and clipping; figures
io, _checks                                 the convention at the edge: files in and out, checks
==========================================  ================================================

TensorFlow is imported by the functions that need it, never by ``import lolenhance``, which stays
fast. Training also runs on Keras's other backends (``KERAS_BACKEND=torch``, e.g. a GPU machine
without TensorFlow): the models and losses have ``keras.ops`` paths, pinned to TensorFlow's by tests.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lolenhance")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
