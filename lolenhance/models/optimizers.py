"""Optimisers the recipes need beyond Keras's own.

:class:`CoupledL2Adam` is Adam with an L2 penalty added to the gradient *after* clipping, as
``torch.optim.Adam(weight_decay=...)`` behind ``torch.nn.utils.clip_grad_norm_`` does it: the
optimiser Zero-DCE's authors train with (``lowlight_train.py``: Adam, learning rate 1e-4, weight
decay 1e-4, global gradient norm clipped to 0.1). Keras's own ``weight_decay`` is the decoupled
kind (AdamW: ``w -= lr · λ · w`` beside the Adam step), a different optimiser.
"""

from __future__ import annotations

from typing import Any

import keras

__all__ = ["CoupledL2Adam"]


@keras.saving.register_keras_serializable(package="lolenhance")
class CoupledL2Adam(keras.optimizers.Adam):
    """Adam whose gradient of each variable ``w`` gets ``l2 · w`` added after clipping.

    Parameters
    ----------
    learning_rate : float or keras.optimizers.schedules.LearningRateSchedule
    l2 : float
        The coupled weight decay λ (PyTorch's ``Adam(weight_decay=λ)``); 0 is plain Adam.
    **kwargs
        Passed to ``keras.optimizers.Adam`` (e.g. ``global_clipnorm``, applied first).

    Notes
    -----
    Under clipping the penalty is not clipped with the loss's gradient: with a loss gradient of
    norm ``g`` clipped to ``c``, it weighs ``g / c`` times more against the loss than the same λ
    would unclipped. Zero-DCE's losses have gradients of norm 2-10 at the shipped weights against
    the authors' ``c = 0.1``.

    Examples
    --------
    >>> import numpy as np
    >>> weight = keras.Variable(np.array([2.0], "float32"))
    >>> optimizer = CoupledL2Adam(learning_rate=0.1, l2=0.5)
    >>> _ = optimizer.apply_gradients([(np.zeros(1, "float32"), weight)])  # the penalty alone: 0.5 · 2
    >>> round(float(weight.numpy()[0]), 4)  # Adam's first step is learning_rate · sign(gradient)
    1.9
    """

    def __init__(self, learning_rate: Any = 0.001, l2: float = 0.0, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if l2 < 0:
            raise ValueError(f"l2 must be >= 0, got {l2}")
        self.l2 = float(l2)

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> None:
        if self.l2:
            gradient = gradient + keras.ops.cast(self.l2, variable.dtype) * variable
        super().update_step(gradient, variable, learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "l2": self.l2}
