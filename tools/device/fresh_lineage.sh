#!/usr/bin/env bash
# On the GPU machine, second call (right after setup.sh, on the same machine): unpack Train/Normal,
# then train a FRESH lineage of the denoiser: two sibling runs from a random initialisation, side by
# side, holding out the same whole scenes (--split-seed 11 --val-pairs 28 --split-by-scene), which no
# stage of this lineage may ever train on. Why: every stage shipped so far was fine-tuned from weights
# whose earlier stages trained on all 140 Train pairs (the cards' lineage_train_pairs), so no Train
# pair is held out for them and their real-pair validation is partly recall.
# Afterwards, here (CPU): average the two (tools/weight_soup.py) and score all three on the clean
# split (tools/validation_sweep.py denoiser runs/fresh_den_s11 WEIGHTS --weights ...).
#   EPOCHS    epochs of 476 steps (default 10: at the 0.1 s a step that 7 runs side by side took on an
#             H200, 4760 steps fit 8.5 min; two runs alone may go faster: their history's data_wait_share
#             says whether the data workers held them back). The cosine schedule spans EPOCHS, and a run
#             that MINUTES pauses early can be finished by the same command while the machine is held.
#   MINUTES   wall budget of each run (default 8.5); SMOKE=1: a few steps, to try the script on a CPU
#   OUT       folder whose files come back (default runs/device_out)
set -u
cd "$(dirname "$0")/../.."
. tools/device/training_env.sh
if [ "${SMOKE:-0}" = 1 ]; then
    size="--epochs 2 --steps-per-epoch 3 --batch-size 4 --crop-size 64 --max-minutes 5"; workers=0
else
    size="--epochs ${EPOCHS:-10} --steps-per-epoch 476 --batch-size 16 --crop-size 192 --max-minutes ${MINUTES:-8.5}"; workers=7
fi
recipe="--data ../shared/data/lol-real --learning-rate 1e-3 --synthetic-share 0.3 --identity-share 0.1 \
--min-cct 2700 --max-cct 12000 --max-tint 0.1 --split-seed 11 --val-pairs 28 --split-by-scene --workers $workers $size"
for seed in 11 12; do
    $PY -m lolenhance.train denoiser --out runs/fresh_den_s$seed --seed $seed $recipe > "$OUT/fresh_den_s$seed.log" 2>&1 &
done
wait
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.used --format=csv
tar czf "$OUT/fresh_runs.tgz" runs/fresh_den_s11 runs/fresh_den_s12
for seed in 11 12; do tail -3 runs/fresh_den_s$seed/history.csv | cut -c1-120; done
echo TRAIN-DONE
