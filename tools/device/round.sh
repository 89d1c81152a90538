#!/usr/bin/env bash
# On the GPU machine, second call (right after setup.sh, on the same machine): one session's round,
# every run side by side under one wall-clock guard, then packed so that what comes back fits the
# device tool's limits (at most 8 files of 16 MiB; one .tgz per run, its log inside):
#   - kfold.sh: the shipped denoiser fine-tuned by stage 8's recipe on each of 5 folds of Train
#     (split seed 21, whole scenes), EPOCHS=3 so that the cosine schedule ends inside the budget;
#   - zero_dce.sh twice, seeds 22 and 27: two samples of one Zero-DCE recipe, since one run cannot
#     separate a recipe from its seed (Z2 and Z3, one recipe, differed by 0.68 dB in their rule's sum).
# Afterwards, here (CPU): tar xzf each .tgz, then tools/kfold_score.py and tools/validation_sweep.py
# by the rules written in the commit that added this script, before any of these runs was scored.
#   GUARD     seconds after which every run is stopped (default 400); SMOKE=1: a few steps, on a CPU
#   OUT       folder whose files come back (default runs/device_out)
set -u
cd "$(dirname "$0")/../.."
final_out=${OUT:-runs/device_out}
export OUT=runs/device_logs  # the children's logs; each is packed beside its run below
. tools/device/training_env.sh  # unpacks Train/Normal once, before the children check it side by side
mkdir -p "$final_out"
start=$(date +%s)
timeout -k 15 "${GUARD:-400}" bash -c '
    MINUTES=${KFOLD_MINUTES:-4.5} EPOCHS=3 bash tools/device/kfold.sh &
    for seed in 22 27; do
        SEED=$seed RUN=runs/zd_gpu_s$seed WORKERS=2 MINUTES=${ZD_MINUTES:-5.5} bash tools/device/zero_dce.sh &
    done
    wait'
echo "guard rc $? after $(( $(date +%s) - start )) s"
for run in runs/kfold_denoiser_f* runs/zd_gpu_s*; do
    [ -d "$run" ] || continue
    name=$(basename "$run")
    tar czf "$final_out/$name.tgz" --exclude=backup "$run" $(ls "$OUT/$name.log" 2> /dev/null)
    echo "$name: $(ls "$run/epochs" 2> /dev/null | wc -l) kept epochs, best $(cat "$run/best.json" 2> /dev/null)," \
        "data_wait_share by epoch: $(python3 -c 'import csv, sys; print([round(float(r["data_wait_share"]), 2) for r in csv.DictReader(open(sys.argv[1])) if r.get("data_wait_share")])' "$run/history.csv" 2> /dev/null)"
done
ls -la "$final_out"
echo ROUND-DONE
