#!/usr/bin/env bash
# On the GPU machine, second call (right after setup.sh, on the same machine): unpack Train/Normal,
# then fine-tune the shipped weights by one recipe on each of K folds of Train, side by side
# (--folds K --fold k --split-seed 21 --split-by-scene): every Train pair is held out by one run.
# Why: a rule read on one split's 14 held-out pairs cannot resolve a quarter of a dB (the denoiser's
# stage 8: 90 % interval [-0.23, +0.92] dB); K runs score the recipe on all 140 pairs.
# Afterwards, here (CPU):
#   python tools/kfold_score.py KIND lolenhance/weights/KIND.weights.h5 runs/kfold_KIND_f0 ... runs/kfold_KIND_f{K-1}
# and, if the recipe passes its rule, ship the equal average of the K runs (tools/weight_soup.py).
#   KIND      denoiser (default) or curve      K   folds (default 5)
#   RECIPE    the recipe's options (default: the denoiser's stage 8, lights on the locus, 30 % synthetic)
#   EPOCHS    epochs of 476 steps (default 6; the cosine schedule spans them, so set what fits MINUTES)
#   MINUTES   wall budget of each run (default 8.5); SMOKE=1: a few steps, to try the script on a CPU
#   OUT       folder whose files come back (default runs/device_out)
set -u
cd "$(dirname "$0")/../.."
KIND=${KIND:-denoiser}
K=${K:-5}
. tools/device/training_env.sh
if [ "$KIND" = denoiser ]; then
    default="--learning-rate 2e-4 --synthetic-share 0.3 --identity-share 0.1 --min-cct 2700 --max-cct 12000 --max-tint 0.1"
    shape="--batch-size 16 --crop-size 192"
else
    default="--learning-rate 2e-4 --ssim-weight 0.1 --synthetic-share 0.5 --min-cct 2700 --max-cct 12000 --max-tint 0.1"
    shape="--batch-size 16 --crop-size 128"
fi
if [ "${SMOKE:-0}" = 1 ]; then
    size="--epochs 1 --steps-per-epoch 2 --batch-size 4 --crop-size 64 --max-minutes 5"; workers=0
else
    size="--epochs ${EPOCHS:-6} --steps-per-epoch 476 $shape --max-minutes ${MINUTES:-8.5}"; workers=$(( $(nproc) / K ))
fi
for fold in $(seq 0 $((K - 1))); do
    $PY -m lolenhance.train "$KIND" --out "runs/kfold_${KIND}_f$fold" --data ../shared/data/lol-real ${RECIPE:-$default} \
        --init-weights "lolenhance/weights/${KIND/-/_}.weights.h5" --folds "$K" --fold "$fold" --split-seed 21 \
        --split-by-scene --seed "$fold" --workers "$workers" $size > "$OUT/kfold_${KIND}_f$fold.log" 2>&1 &
done
wait
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.used --format=csv
tar czf "$OUT/kfold_runs.tgz" --exclude=backup runs/kfold_${KIND}_f*
for fold in $(seq 0 $((K - 1))); do tail -2 "runs/kfold_${KIND}_f$fold/history.csv" | cut -c1-100; done
echo TRAIN-DONE
