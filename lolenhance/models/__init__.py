"""The learned models as Keras classes and builders: the DCE-Net family, the denoiser, their losses.

====================================  ===================================================================
:mod:`~lolenhance.models.dce_net`     the 7-layer DCE-Net (``"curve"``, ``"zero-dce"``) and the
                                      trainable :class:`~lolenhance.models.dce_net.CurveEnhancer`
:mod:`~lolenhance.models.denoiser`    the residual, never-darker U-Net denoiser
:mod:`~lolenhance.models.losses`      supervised and zero-reference losses
:mod:`~lolenhance.models.optimizers`  Adam with PyTorch's coupled L2, the optimiser of Zero-DCE's authors
====================================  ===================================================================

Every layer and model class is registered with ``keras.saving.register_keras_serializable``
(package ``"lolenhance"``), so ``keras.models.load_model`` restores a saved ``.keras`` file once
this package is imported. Shipped weights are loaded by :mod:`lolenhance.pretrained`.
"""

from lolenhance.models.dce_net import AlphaThreshold, ConditioningPlanes, CurveEnhancer, build_dce_net
from lolenhance.models.denoiser import DENOISER_WIDTHS, DepthToSpace, NeverDarkerResidual, SpaceToDepth, build_denoiser

__all__ = [
    "build_dce_net", "CurveEnhancer", "ConditioningPlanes", "AlphaThreshold", "build_denoiser", "SpaceToDepth", "DepthToSpace",
    "NeverDarkerResidual", "DENOISER_WIDTHS",
]
