"""Real-pair PSNR on a run's held-out Train pairs that have no sibling capture of their scene in training.

The pair-wise validation split (``train.split_train_val`` without groups) can hold out a pair whose
sibling capture (``data.scene_groups``) is in training; this scores weights on the other held-out
pairs alone (never Test)::

    python tools/clean_validation.py denoiser 2 runs/denoiser_s_d926079.weights.h5 runs/gpu_den2/best.weights.h5

KIND, the run's split seed, then weights files: inference weights, or a run's checkpoint
(``runs/.../best.weights.h5``, loaded with ``train.load_checkpoint``).
"""
import sys

import numpy as np

from lolenhance import inference, train
from lolenhance.data import list_pairs, load_pairs, scene_groups
from lolenhance.metrics import psnr
from lolenhance.models import build_dce_net, build_denoiser

kind, seed, weights = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pairs = list_pairs("../shared/data/lol-real", "train")
groups = scene_groups(pairs)
tr, va = train.split_train_val(pairs, 14, seed)
train_groups = {groups[pairs.index(p)] for p in tr}
clean = [p for p in va if groups[pairs.index(p)] not in train_groups]
lows, highs = load_pairs(clean)
print(f"{len(clean)} of {len(va)} validation pairs have no sibling in training")
for path in weights:
    try:  # a run's checkpoint (for the curve model, the enhancer around the net) ...
        net = train.load_checkpoint(kind, path)
    except ValueError:  # ... or inference weights of the net alone
        net = build_denoiser() if kind == "denoiser" else build_dce_net("curve")
        net.load_weights(path)
    outputs = [inference.denoise(low, net) if kind == "denoiser" else inference.enhance_curves(low, "curve", model=net)
               for low in lows]
    print(path, round(float(np.mean([psnr(out, high) for out, high in zip(outputs, highs)])), 3))
