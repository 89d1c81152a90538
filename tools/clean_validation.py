"""Real-pair PSNR on a run's held-out Train pairs that have no sibling capture of their scene in training.

The pair-wise validation split (``train.split_train_val`` without groups) can hold out a pair whose
sibling capture (``data.scene_groups``) is in training; this scores weights on the other held-out
pairs alone (never Test)::

    python tools/clean_validation.py denoiser 2 runs/denoiser_s_d926079.weights.h5 runs/gpu_den2/best.weights.h5

KIND, the run's split seed, then weights files: inference weights, or a run's checkpoint
(``runs/.../best.weights.h5``, loaded with ``train.load_checkpoint``).
"""
import sys

from validation_sweep import predictor  # tools/ is this script's folder, first on sys.path

from lolenhance import train
from lolenhance.data import list_pairs, load_pairs, scene_groups
from lolenhance.metrics import psnr

kind, seed, weights = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
pairs = list_pairs("../shared/data/lol-real", "train")
groups = scene_groups(pairs)
train_pairs, val_pairs = train.split_train_val(pairs, 14, seed)
seen = {group for pair, group in zip(pairs, groups) if pair in train_pairs}
clean = [pair for pair, group in zip(pairs, groups) if pair in val_pairs and group not in seen]
lows, highs = load_pairs(clean)
print(f"{len(clean)} of {len(val_pairs)} validation pairs have no sibling in training")
for path in weights:
    enhance = predictor(kind, train.load_weights_file(kind, path))
    print(path, round(psnr([enhance(low) for low in lows], highs), 3))
