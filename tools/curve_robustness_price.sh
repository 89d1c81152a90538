#!/usr/bin/env bash
# What does robustness cost the curve model on LOL scenes it has never seen? Fresh curve models
# (random initialisation, no shipped lineage), one per CPU core, identical but for the training mix:
#   robust      half of every batch synthesised from Train highs (ratios 1-100, lights on the Planckian
#               locus 2700-12 000 K, one synthetic crop in five an identity pair), as the shipped stages;
#   lolonly     the real LOL pairs alone;
#   neutral     the robust mix under one near-neutral light (6504 K, no tint): its exposures without
#               its lights, which splits the price into what the exposures and what the lights cost;
#   robust_s12  the robust recipe from another seed (initialisation and crops): how far one seed moves it;
#   robust_x2, lolonly_x2  robust and lolonly at twice the steps (12 x 600, the cosine stretched over all
#               of them): does the price shrink when the compute doubles?
#   highlights, highlights_s12  robust (seeds 11 and 12) with the net told each channel's highlight level
#               beside its mean (--exposure-features mean_highlights): does a better reading of the
#               exposure than the mean shrink the price?
#   share03, highlights_share03  robust and highlights (seed 11) with 30 % synthetic crops instead of 50 %:
#               with the two above, features x share, which recipe the next GPU curve runs use
#   upper, upper_s12  robust (seeds 11 and 12) told the upper levels of the unclipped blocks and the
#               clipped share (--exposure-features mean_upper): the highlights' gain without their
#               weakness for a lamp in the frame (tools/lamp_probe.py)?
#   lamps, lamps_s12  highlights (seeds 11 and 12) with light sources in half the synthesised scenes
#               (--lamp-share 0.5: lamps and lit windows, saturated in both exposures): the data-side fix for
#               the same weakness, keeping the reading that gained the most
#   lamps02, lamps02_s12  the same with light sources in a fifth of the synthesised scenes (--lamp-share 0.2):
#               at 0.5 the lamps cost the highlights their do no harm; do fewer keep it and still discount a lamp?
#   unclipped, unclipped_s12  robust (seeds 11 and 12) told the highlight level of the blocks no light source
#               reaches and each channel's clipped share (--exposure-features mean_unclipped): the highlights'
#               own 0.99 quantile with the clipped blocks and their neighbours left out, a reading-side fix
#               that changes one thing where upper changed three (quantile, clipped blocks, share)
#   unclipped_lamps02, unclipped_lamps02_s12  the same with light sources in a fifth of the synthesised scenes
#   unlit_lamps02, unlit_lamps02_s12  unclipped_lamps02 told nothing a light source changes (--exposure-features
#               unlit: the mean and 0.5, 0.9, 0.99 levels of the blocks no light reaches, no clipped share, no
#               whole-image mean): the share was what brightened the rest of a scene with a lamp
#               (tools/lamp_attribution.py); does a reading without it keep the gains and lose the over-brightening?
# All hold out the same 28 pairs, whole scenes (--split-seed 11 --val-pairs 28 --split-by-scene: the
# held-out scenes of tools/device/fresh_lineage.sh), which none trains on. Then the last checkpoints
# are scored on those pairs at n = 8 (tools/validation_sweep.py, each arm as its run ends, into
# runs/cpu_cur_ARM/scores.json; the shipped weights are the "start" there, for reference only: their
# lineage trained on every Train pair), and each price below that the scored arms allow is written
# into runs/curve_robustness_price.json, with each run's command and wall time
# (benchmarks/results/curve_robustness_price.json is that file plus the readings fixed beforehand).
#   ARMS     the runs to train, at most two at a time (one per core; default "robust lolonly"); runs
#            already finished are kept and scored with them
#   MINUTES  wall budget of each run (default 75; a run that reaches it is paused, and the same
#            command finishes it); EPOCHS x STEPS  its schedule (default 6 x 600 steps of 8 crops; the
#            _x2 arms run 2 x EPOCHS)
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
epochs=${EPOCHS:-6}
recipe="--data ../shared/data/lol-real --steps-per-epoch ${STEPS:-600} --batch-size 8 \
--crop-size 128 --learning-rate 1e-3 --ssim-weight 0.1 --split-seed 11 --val-pairs 28 --split-by-scene \
--max-minutes ${MINUTES:-75}"
mix="--synthetic-share 0.5 --identity-share 0.2 --max-tint 0.1 --min-cct 2700 --max-cct 12000"
declare -A arm=(
    [robust]="--epochs $epochs --seed 11 $mix"
    [lolonly]="--epochs $epochs --seed 11"
    [neutral]="--epochs $epochs --seed 11 $mix --max-tint 0 --min-cct 6504 --max-cct 6504"
    [robust_s12]="--epochs $epochs --seed 12 $mix"
    [robust_x2]="--epochs $((2 * epochs)) --seed 11 $mix"
    [lolonly_x2]="--epochs $((2 * epochs)) --seed 11"
    [highlights]="--epochs $epochs --seed 11 $mix --exposure-features mean_highlights"
    [highlights_s12]="--epochs $epochs --seed 12 $mix --exposure-features mean_highlights"
    [share03]="--epochs $epochs --seed 11 $mix --synthetic-share 0.3"
    [highlights_share03]="--epochs $epochs --seed 11 $mix --synthetic-share 0.3 --exposure-features mean_highlights"
    [upper]="--epochs $epochs --seed 11 $mix --exposure-features mean_upper"
    [upper_s12]="--epochs $epochs --seed 12 $mix --exposure-features mean_upper"
    [lamps]="--epochs $epochs --seed 11 $mix --exposure-features mean_highlights --lamp-share 0.5"
    [lamps_s12]="--epochs $epochs --seed 12 $mix --exposure-features mean_highlights --lamp-share 0.5"
    [lamps02]="--epochs $epochs --seed 11 $mix --exposure-features mean_highlights --lamp-share 0.2"
    [lamps02_s12]="--epochs $epochs --seed 12 $mix --exposure-features mean_highlights --lamp-share 0.2"
    [unclipped]="--epochs $epochs --seed 11 $mix --exposure-features mean_unclipped"
    [unclipped_s12]="--epochs $epochs --seed 12 $mix --exposure-features mean_unclipped"
    [unclipped_lamps02]="--epochs $epochs --seed 11 $mix --exposure-features mean_unclipped --lamp-share 0.2"
    [unclipped_lamps02_s12]="--epochs $epochs --seed 12 $mix --exposure-features mean_unclipped --lamp-share 0.2"
    [unlit_lamps02]="--epochs $epochs --seed 11 $mix --exposure-features unlit --lamp-share 0.2"
    [unlit_lamps02_s12]="--epochs $epochs --seed 12 $mix --exposure-features unlit --lamp-share 0.2"
)
ALL="robust lolonly neutral robust_s12 robust_x2 lolonly_x2 highlights highlights_s12 share03 highlights_share03 upper upper_s12
lamps lamps_s12 lamps02 lamps02_s12 unclipped unclipped_s12 unclipped_lamps02 unclipped_lamps02_s12 unlit_lamps02
unlit_lamps02_s12"
# every arm is scored with the robust arm's config (its split is every arm's: --split-seed 11), so the
# robust arm is trained first; in a checkout without its run folder, the config is rebuilt from the
# robust run's command in the committed record (the arms scored in earlier sessions are read from it
# too, below, so new arms are priced against them without retraining)
RECORD=benchmarks/results/curve_robustness_price.json
if [ ! -f runs/cpu_cur_robust/config.json ]; then
    RECORD=$RECORD $PY - <<'PY'
import argparse
import dataclasses
import json
import os
import pathlib
import shlex

from lolenhance import train

command = json.load(open(os.environ["RECORD"]))["runs"]["robust"]["command"]
parser = argparse.ArgumentParser()
train.add_arguments(parser)
args = parser.parse_args(shlex.split(command)[3:])  # after "python -m lolenhance.train"
config = train.config_from_arguments(args)
pathlib.Path("runs/cpu_cur_robust").mkdir(parents=True, exist_ok=True)
pathlib.Path("runs/cpu_cur_robust/config.json").write_text(json.dumps(dataclasses.asdict(config), indent=2))
PY
fi
score() {  # ARM: its last checkpoint at n = 8 on the held-out pairs, into runs/cpu_cur_ARM/scores.json
    $PY tools/validation_sweep.py curve runs/cpu_cur_robust lolenhance/weights/curve.weights.h5 \
        --weights runs/cpu_cur_$1/last.weights.h5 --json runs/cpu_cur_$1/scores.json
}
mkdir -p runs
core=0
for name in ${ARMS:-robust lolonly}; do
    (taskset -c $core $PY -m lolenhance.train curve --out runs/cpu_cur_$name $recipe ${arm[$name]} \
        && taskset -c $core bash -c "$(declare -f score); PY=$PY; score $name") > runs/cpu_cur_$name.log 2>&1 &
    core=$(( (core + 1) % 2 ))
done
wait
for name in $ALL; do  # arms trained earlier but never scored
    if [ -f runs/cpu_cur_$name/last.weights.h5 ] && [ ! -f runs/cpu_cur_$name/scores.json ]; then score $name; fi
done
# the prices: real-pair PSNR of one arm minus another's, pair by pair, mean and 90 % bootstrap interval
ALL="$ALL" RECORD=$RECORD $PY - <<'PY'
import json
import os

import numpy as np

from lolenhance.data import list_pairs, scene_groups
from lolenhance.evaluation import mean_interval, scene_mean_interval

# each price: the arms it adds (+1) and subtracts (-1), per held-out pair
PRICES = {"price_of_robustness_db": ({"lolonly": 1, "robust": -1}, "lol-only minus robust"),
          "price_of_the_exposures_db": ({"lolonly": 1, "neutral": -1}, "lol-only minus neutral (the exposure mix, one light)"),
          "price_of_the_lights_db": ({"neutral": 1, "robust": -1}, "neutral minus robust (the lights on the locus)"),
          "seed_difference_db": ({"robust_s12": 1, "robust": -1}, "robust from seed 12 minus robust from seed 11"),
          "price_at_double_compute_db": ({"lolonly_x2": 1, "robust_x2": -1}, "lol-only minus robust, both at 12 x 600 steps"),
          "gain_of_double_compute_robust_db": ({"robust_x2": 1, "robust": -1}, "robust at 12 x 600 steps minus robust at 6 x 600"),
          "gain_of_double_compute_lolonly_db": ({"lolonly_x2": 1, "lolonly": -1},
                                                "lol-only at 12 x 600 steps minus lol-only at 6 x 600"),
          "price_shrink_with_double_compute_db": ({"lolonly": 1, "robust": -1, "lolonly_x2": -1, "robust_x2": 1},
                                                  "(lol-only minus robust) at 6 x 600 steps minus the same at 12 x 600: "
                                                  "how much of the price doubling the compute removes"),
          "gain_of_highlights_db": ({"highlights": 0.5, "highlights_s12": 0.5, "robust": -0.5, "robust_s12": -0.5},
                                    "robust told the highlights minus robust, each the mean of seeds 11 and 12"),
          "price_with_highlights_db": ({"lolonly": 1, "highlights": -0.5, "highlights_s12": -0.5},
                                       "lol-only minus robust told the highlights (mean of seeds 11 and 12)"),
          "gain_of_share03_db": ({"share03": 0.5, "highlights_share03": 0.5, "robust": -0.5, "highlights": -0.5},
                                 "30 % synthetic minus 50 %, each the mean of the mean and the highlights nets (seed 11)"),
          "gain_of_highlights_at_share03_db": ({"highlights_share03": 1, "share03": -1},
                                               "told the highlights minus not, both at 30 % synthetic (seed 11)"),
          "gain_of_upper_db": ({"upper": 0.5, "upper_s12": 0.5, "robust": -0.5, "robust_s12": -0.5},
                               "robust told the unclipped upper levels minus robust, each the mean of seeds 11 and 12"),
          "gain_of_lamps_db": ({"lamps": 0.5, "lamps_s12": 0.5, "robust": -0.5, "robust_s12": -0.5},
                               "robust told the highlights and trained with lamps minus robust, each the mean of seeds 11 "
                               "and 12"),
          "gain_of_lamps02_db": ({"lamps02": 0.5, "lamps02_s12": 0.5, "robust": -0.5, "robust_s12": -0.5},
                                 "robust told the highlights and trained with lamps in a fifth of the synthesised "
                                 "scenes minus robust, each the mean of seeds 11 and 12"),
          "gain_of_unclipped_db": ({"unclipped": 0.5, "unclipped_s12": 0.5, "robust": -0.5, "robust_s12": -0.5},
                                   "robust told the highlight level no light source reaches minus robust, each the "
                                   "mean of seeds 11 and 12"),
          "gain_of_unclipped_lamps02_db": ({"unclipped_lamps02": 0.5, "unclipped_lamps02_s12": 0.5, "robust": -0.5,
                                            "robust_s12": -0.5},
                                           "robust told the highlight level no light source reaches and trained with "
                                           "lamps in a fifth of the synthesised scenes minus robust, each the mean of "
                                           "seeds 11 and 12"),
          "gain_of_unlit_lamps02_db": ({"unlit_lamps02": 0.5, "unlit_lamps02_s12": 0.5, "robust": -0.5, "robust_s12": -0.5},
                                       "robust told the mean and levels of the blocks no light source reaches (no "
                                       "share) and trained with lamps in a fifth of the synthesised scenes minus "
                                       "robust, each the mean of seeds 11 and 12")}
ALL = os.environ["ALL"].split()  # the arms, in the bash part's order
# one record of every scored arm (runs/cpu_cur_ARM/scores.json; the start is the same in each), else
# its scores in the committed record (an arm scored in an earlier session, whose run folder is not here)
committed = json.load(open(os.environ["RECORD"]))
record = {}
for arm in ALL:
    path = f"runs/cpu_cur_{arm}/last.weights.h5"
    try:
        scored = json.load(open(f"runs/cpu_cur_{arm}/scores.json"))
    except FileNotFoundError:
        if path not in committed["scores"]:
            continue
        scored = {key: committed[key] for key in ("split_seed", "held_out_pairs")} | {
            "weights": {"start": committed["weights"]["start"], path: committed["weights"][path]},
            "scores": {"start": committed["scores"]["start"], path: committed["scores"][path]}}
    if not record:
        record = {key: scored[key] for key in ("split_seed", "held_out_pairs")} | {
            "weights": {"start": scored["weights"]["start"]}, "scores": {"start": scored["scores"]["start"]}}
    assert scored["held_out_pairs"] == record["held_out_pairs"], f"{arm} was scored on other pairs"
    record["weights"][path], record["scores"][path] = scored["weights"][path], scored["scores"][path]
scores = {path.split("/")[1][len("cpu_cur_"):]: value for path, value in record["scores"].items() if path != "start"}
# sibling captures of one scene make a pair bootstrap too narrow: resample whole scenes as well
train_pairs = list_pairs("../shared/data/lol-real", "train")
group_of = dict(zip((pair.name for pair in train_pairs), scene_groups(train_pairs)))
groups = np.array([group_of[name] for name in record["held_out_pairs"]])
for key, (terms, what) in PRICES.items():
    if any(arm not in scores for arm in terms):
        continue
    price = sum(sign * np.array(scores[arm]["real_per_pair"]) for arm, sign in terms.items())
    first = next(iter(terms))
    low, high = mean_interval(price.tolist(), seed=0)
    record[key] = {"what": f"{what}, real-pair PSNR at n = 8, per held-out pair", "mean": round(float(price.mean()), 2),
                   "interval_90": [round(low, 2), round(high, 2)], "scenes": len(set(groups.tolist())),
                   "scene_interval_90": [round(v, 2) for v in scene_mean_interval(price.tolist(), groups.tolist())],
                   ("lol_only_higher" if first == "lolonly" else "first_higher") if len(terms) == 2 else "positive": int((price > 0).sum()),
                   "pairs": len(price)}
    print(f"{what}: {price.mean():+.2f} dB, 90 % bootstrap interval [{low:+.2f}, {high:+.2f}], "
          f"scene bootstrap {record[key]['scene_interval_90']}, first higher on {(price > 0).sum()} of {len(price)}")
# what each scored run was: its one command, wall time and epochs (its run.json and history.csv)
record["runs"] = {}
for arm in scores:
    if not os.path.exists(f"runs/cpu_cur_{arm}/run.json"):
        record["runs"][arm] = committed["runs"][arm]
        continue
    run = json.load(open(f"runs/cpu_cur_{arm}/run.json"))
    epochs = len(open(f"runs/cpu_cur_{arm}/history.csv").read().strip().splitlines()) - 1
    record["runs"][arm] = {key: run[key] for key in ("command", "wall_minutes", "git_commit")} | {"epochs_run": epochs}
json.dump(record, open("runs/curve_robustness_price.json", "w"), indent=1)
PY
