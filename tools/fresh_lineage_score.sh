#!/usr/bin/env bash
# Here (CPU), after tools/device/fresh_lineage.sh and `tar xzf` of the .tgz files it sent back: score
# every fresh run's best checkpoint on the clean split they all hold out (split seed 11, 28 pairs, whole
# scenes; tools/validation_sweep.py, the shipped weights as its "start", for reference only: their
# lineage trained on every Train pair), into runs/fresh_KIND_scores.json, then read the wide denoiser
# by the reading fixed before any of these runs existed (docs/training.md, "A wider denoiser"):
#   the wide recipe minus the base one, per held-out pair, each the mean of seeds 11 and 12 (their
#   weights start from different random draws, so they are never averaged), mean and 90 % bootstrap
#   interval over the pairs and over whole scenes (siblings of one scene move together);
#   verdict "wide": the scene interval above 0, both wide seeds' do no harm (r = 1) at 30 dB or more,
#   and the two-seed mean of the sweep over r = 2 ... 32 at most 0.3 dB below base's;
#   "base": otherwise (the interval below 0 is "clearly worse"; straddling 0, "undecided": the
#   smaller, faster net stays);
# and how far seed 12 is from seed 11 for each recipe, which sizes what one run can say.
# Into runs/fresh_lineage_scores.json, printed as well. Beside it, a diagnostic that no rule reads
# (tools/lol_gap_anatomy.py, into runs/fresh_KIND_anatomy.json): each run's held-out real pairs as
# they are, scaled to the reference's brightness and scaled per channel, so that a difference can
# be told apart as one of brightness, colour or structure.
#   PY   the Python to use (default .venv/bin/python)
set -eu
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
best() { local run; for run in "$@"; do [ -f "$run/best.weights.h5" ] && echo "$run/best.weights.h5"; done; return 0; }
score() {  # KIND RUN...: the runs' best checkpoints on the first run's split
    local kind=$1; shift
    local weights
    mapfile -t weights < <(best "$@")
    [ ${#weights[@]} -gt 0 ] || return 0
    $PY tools/validation_sweep.py "$kind" "$(dirname "${weights[0]}")" "lolenhance/weights/$kind.weights.h5" \
        --weights "${weights[@]}" --json "runs/fresh_${kind}_scores.json"
    # a diagnostic that no rule reads: whether the runs differ in brightness, colour or structure
    $PY tools/lol_gap_anatomy.py --kind "$kind" --held-out "$(dirname "${weights[0]}")" --weights "${weights[@]}" \
        --json "runs/fresh_${kind}_anatomy.json"
}
score denoiser runs/fresh_den_s11 runs/fresh_den_s12 runs/fresh_wide_s11 runs/fresh_wide_s12
score curve runs/fresh_cur_s11 runs/fresh_cur_s12
$PY - <<'PY'
import json
from pathlib import Path

import numpy as np

from lolenhance.data import list_pairs, scene_groups
from lolenhance.evaluation import mean_interval, scene_mean_interval

SWEEP = ("2", "4", "8", "16", "32")
record: dict = {}
for kind in ("denoiser", "curve"):
    path = Path(f"runs/fresh_{kind}_scores.json")
    if not path.exists():
        continue
    scored = json.loads(path.read_text())
    runs = {key.split("/")[1]: value for key, value in scored["scores"].items() if key != "start"}
    record[kind] = {"held_out_pairs": scored["held_out_pairs"], "runs": {
        name: {"real_pairs": round(s["real_pairs"], 2), "do_no_harm": round(s["sweep"]["1"], 2),
               "sweep_mean_2_32": round(float(np.mean([s["sweep"][r] for r in SWEEP])), 2),
               "sweep": {r: round(v, 2) for r, v in s["sweep"].items()},
               "illuminant_colour_error": round(s["illuminant_mean_colour_error"], 2)} for name, s in runs.items()}}
    train_pairs = list_pairs("../shared/data/lol-real", "train")
    group_of = dict(zip((pair.name for pair in train_pairs), scene_groups(train_pairs)))
    groups = np.array([group_of[name] for name in scored["held_out_pairs"]])

    def difference(plus: list[str], minus: list[str]) -> dict | None:
        """Mean over ``plus`` minus mean over ``minus``, per held-out pair, with its intervals."""
        if any(name not in runs for name in plus + minus):
            return None
        change = (np.mean([runs[n]["real_per_pair"] for n in plus], axis=0)
                  - np.mean([runs[n]["real_per_pair"] for n in minus], axis=0))
        low, high = mean_interval(change.tolist(), seed=0)
        return {"mean": round(float(change.mean()), 2), "interval_90": [round(low, 2), round(high, 2)],
                "scene_interval_90": [round(v, 2) for v in scene_mean_interval(change.tolist(), groups.tolist())],
                "higher": int((change > 0).sum()), "pairs": len(change), "scenes": len(set(groups.tolist()))}

    prefix = "fresh_den" if kind == "denoiser" else "fresh_cur"
    record[kind]["seed_difference_db"] = difference([f"{prefix}_s12"], [f"{prefix}_s11"])
    if kind == "denoiser":
        record[kind]["wide_seed_difference_db"] = difference(["fresh_wide_s12"], ["fresh_wide_s11"])
        gain = difference(["fresh_wide_s11", "fresh_wide_s12"], ["fresh_den_s11", "fresh_den_s12"])
        if gain is not None:
            rows = record[kind]["runs"]
            harm = min(rows[f"fresh_wide_s{seed}"]["do_no_harm"] for seed in (11, 12))
            sweep_change = round(float(np.mean([rows[f"fresh_wide_s{s}"]["sweep_mean_2_32"] for s in (11, 12)])
                                       - np.mean([rows[f"fresh_den_s{s}"]["sweep_mean_2_32"] for s in (11, 12)])), 2)
            low, high = gain["scene_interval_90"]
            reading = "clearly better" if low > 0 else "clearly worse" if high < 0 else "undecided"
            verdict = "wide" if reading == "clearly better" and harm >= 30 and sweep_change >= -0.3 else "base"
            record[kind]["wide_minus_base_db"] = gain | {"reading": reading, "wide_do_no_harm_lowest": harm,
                                                         "sweep_mean_2_32_change": sweep_change, "verdict": verdict}
    for name, row in record[kind]["runs"].items():
        print(f"{kind} {name}: real pairs {row['real_pairs']:.2f}, do no harm {row['do_no_harm']:.2f}, "
              f"sweep r = 2-32 mean {row['sweep_mean_2_32']:.2f} dB, illuminant colour error {row['illuminant_colour_error']:.2f}°")
    for key in ("seed_difference_db", "wide_seed_difference_db", "wide_minus_base_db"):
        if record[kind].get(key):
            print(f"{kind} {key}: {json.dumps(record[kind][key])}")
Path("runs/fresh_lineage_scores.json").write_text(json.dumps(record, indent=1) + "\n")
PY
