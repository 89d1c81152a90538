"""Real-pair PSNR of weights on the held-out pairs of several split seeds (Train only, never Test).

Every pair of these splits was trained on by some stage of the shipped lineages
(``lineage_train_pairs`` in the cards), some by the latest stages directly, some only by early
ones; comparing the splits shows how much scene difficulty, rather than recall, moves the number::

    python tools/held_out_splits.py denoiser runs/denoiser_s_4ae483d.weights.h5 lolenhance/weights/denoiser.weights.h5

KIND, then weights files (inference weights or a run's checkpoint); ``--seeds`` (default 0 1 2).
"""

import argparse

from validation_sweep import predictor  # tools/ is this script's folder, first on sys.path

from lolenhance import pretrained, train
from lolenhance.data import list_pairs, load_pairs
from lolenhance.metrics import psnr

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("kind", choices=["denoiser", "curve", "zero-dce"])
parser.add_argument("weights", nargs="+")
parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
parser.add_argument("--data", default="../shared/data/lol-real")
args = parser.parse_args()
pairs = list_pairs(args.data, "train")
card = pretrained.card(args.kind)
latest = train.lineage_splits(card)[0].split(pairs)[0]
splits = {seed: train.split_train_val(pairs, 14, seed)[1] for seed in args.seeds}
for seed, held_out in splits.items():
    direct = sum(pair in latest for pair in held_out)
    print(f"seed {seed}: {direct} of {len(held_out)} held-out pairs in the shipped {args.kind}'s latest training split")
images = {seed: load_pairs(held_out) for seed, held_out in splits.items()}
for path in args.weights:
    enhance = predictor(args.kind, train.load_weights_file(args.kind, path))
    print(path, {f"seed {seed}": round(psnr([enhance(low) for low in lows], highs), 2)
                 for seed, (lows, highs) in images.items()}, flush=True)
