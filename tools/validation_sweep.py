"""Score weights on a training run's held-out Train images: real pairs and the exposure sweep.

Compares the weights a stage started from with the stage's best checkpoint on that stage's own
validation split (``split_train_val`` with the run's seed), never on Test: PSNR on the held-out
real LOL pairs, and on their high images darkened by :func:`lolenhance.robustness.exposure_sweep`
at r = 1 (do no harm) … 64 with noise seed 7. The numbers under ``validation_sweep_psnr_db`` in
the weights cards come from it. Both are run by the architecture as it is now (a curve net
with its threshold, whatever it was trained with)::

    python tools/validation_sweep.py denoiser runs/denoiser_v5 runs/denoiser_v4.weights.h5
"""

import argparse
import json

from lolenhance import inference, pretrained, robustness, train
from lolenhance.data import list_pairs, load_pairs
from lolenhance.metrics import psnr


def predictor(kind: str, net):
    """``image -> enhanced`` as the training run's validation does it."""
    if kind == "denoiser":
        return lambda image: inference.denoise(image, net)
    return lambda image: inference.enhance_curves(image, kind, model=net)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["denoiser", "curve", "zero-dce"])
    parser.add_argument("run", help="the stage's run folder (config.json, best.weights.h5)")
    parser.add_argument("start", help="the inference weights the stage started from")
    parser.add_argument("--data", default="../shared/data/lol-real")
    args = parser.parse_args()
    config = train.TrainConfig(**json.load(open(f"{args.run}/config.json")))
    _, val = train.split_train_val(list_pairs(args.data, "train"), config.val_pairs, config.seed)
    lows, highs = load_pairs(val)
    sweep = robustness.exposure_sweep(highs, (1, *robustness.SWEEP_RATIOS), seed=7)
    nets = {"start": pretrained.load(args.kind, args.start),
            "stage best": train.load_checkpoint(args.kind, f"{args.run}/best.weights.h5")}
    for name, net in nets.items():
        enhance = predictor(args.kind, net)
        row = {f"{ratio:g}": round(psnr([enhance(x) for x in xs], highs), 2) for ratio, xs in sweep.items()}
        row["real_pairs"] = round(psnr([enhance(x) for x in lows], highs), 2)
        print(name, json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
