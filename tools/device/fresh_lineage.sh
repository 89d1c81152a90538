#!/usr/bin/env bash
# On the GPU machine, second call (right after setup.sh, on the same machine): unpack Train/Normal,
# then train a FRESH lineage of the denoiser: two sibling runs from a random initialisation, side by
# side, holding out the same whole scenes (--split-seed 11 --val-pairs 28 --split-by-scene), which no
# stage of this lineage may ever train on. Why: every stage shipped so far was fine-tuned from weights
# whose earlier stages trained on all 140 Train pairs (the cards' lineage_train_pairs), so no Train
# pair is held out for them and their real-pair validation is partly recall.
# Beside them (WIDE=1, the default), the same two seeds of the same recipe with the wider denoiser
# (--denoiser-width wide: 32 -> 64 -> 96 channels, 483 020 parameters, inside issue 14's budget of
# 0.5 M and 120 ms per 600x400; benchmarks/denoiser_widths.py): does the budget buy LOL back? Its
# reading was fixed in docs/training.md ("A wider denoiser") before any of these runs existed.
# Beside them (CURVES=1, the default), two fresh curve models on the same split and mix as the CPU
# pilot's robust arm (tools/curve_robustness_price.sh: half synthetic, lights on the locus, 1e-3,
# SSIM weight 0.1), at batch 16: the pilot priced what robustness costs the curve on these scenes
# at 6 and 12 x 600 steps of 8 crops; this gives it many times those crops.
# Beside them (ZERO_DCE=1, the default), Zero-DCE from scratch with the authors' optimiser
# (OPTIMISER=published bash tools/device/zero_dce.sh, seed 22, into runs/zd_pub_s22).
# Every run is packed into its own OUT/NAME.tgz (log inside), so that what comes back fits the
# device tool's limits (at most 8 files of 16 MiB, 64 MiB in all: seven archives of 1.5-11 MB here,
# 44 MB together, and Zero-DCE's log).
# Afterwards, here (CPU): tar xzf each .tgz, then `bash tools/fresh_lineage_score.sh`: every run's best
# checkpoint on the clean split (tools/validation_sweep.py), and the two-seed readings. Seeds 11 and
# 12 start from different random weights, so their weights must not be averaged (a weight average
# only works for runs fine-tuned from one start): each run is scored alone, and a reading compares the
# mean of the two seeds of one recipe with the other's, pair by pair.
#   EPOCHS    epochs of 476 steps (default 10: at the 0.1 s a step that 7 runs side by side took on an
#             H200, 4760 steps fit 8.5 min; two runs alone may go faster: their history's data_wait_share
#             says whether the data workers held them back). The cosine schedule spans EPOCHS, and a run
#             that MINUTES pauses early can be finished by the same command while the machine is held.
#   MINUTES   wall budget of each run (default 8.5); SMOKE=1: a few steps, to try the script on a CPU
#   CURVES    1 (default): also the two curve runs, CURVE_EPOCHS of 625 steps of 16 crops (default 10);
#             0: the denoisers alone. WIDE, ZERO_DCE  1 (default) or 0, as above
#   WORKERS   data processes per run (default: 14 shared among the runs, at least 2 each)
#   CURVE_MIX  the curve runs' share of synthetic crops, what their net is told of the exposure and,
#             optionally, the share of synthesised scenes that hold light sources (default 0)
#             (default "0.5 unlit 0.2": half synthetic crops, as the CPU pilot's rule of 1c0aac4 picked, told
#             the unlit reading with lamps in a fifth of the scenes, as the unlit rule of c2b3d63 picked)
#   OUT       folder whose files come back (default runs/device_out)
set -u
cd "$(dirname "$0")/../.."
. tools/device/training_env.sh
curves=${CURVES:-1} wide=${WIDE:-1} zero_dce=${ZERO_DCE:-1}
if [ "${SMOKE:-0}" = 1 ]; then
    size="--epochs 2 --steps-per-epoch 3 --batch-size 4 --crop-size 64 --max-minutes 5"; workers=0; curve_size=$size
else
    size="--epochs ${EPOCHS:-10} --steps-per-epoch 476 --batch-size 16 --crop-size 192 --max-minutes ${MINUTES:-8.5}"
    curve_size="--epochs ${CURVE_EPOCHS:-10} --steps-per-epoch 625 --batch-size 16 --crop-size 128 --max-minutes ${MINUTES:-8.5}"
    count=$(( 2 + 2 * curves + 2 * wide + zero_dce ))
    workers=${WORKERS:-$(( 14 / count > 2 ? 14 / count : 2 ))}
fi
split="--data ../shared/data/lol-real --split-seed 11 --val-pairs 28 --split-by-scene --workers $workers"
recipe="$split --learning-rate 1e-3 --synthetic-share 0.3 --identity-share 0.1 --min-cct 2700 --max-cct 12000 \
--max-tint 0.1 $size"
read -r curve_share curve_exposure curve_lamps <<< "${CURVE_MIX:-0.5 unlit 0.2}"
curve_recipe="$split --learning-rate 1e-3 --ssim-weight 0.1 --synthetic-share $curve_share --identity-share 0.2 \
--min-cct 2700 --max-cct 12000 --max-tint 0.1 --exposure-features $curve_exposure --lamp-share ${curve_lamps:-0} $curve_size"
runs=()
for seed in 11 12; do
    $PY -m lolenhance.train denoiser --out runs/fresh_den_s$seed --seed $seed $recipe > "$OUT/fresh_den_s$seed.log" 2>&1 &
    runs+=(runs/fresh_den_s$seed)
    if [ "$wide" = 1 ]; then
        $PY -m lolenhance.train denoiser --out runs/fresh_wide_s$seed --seed $seed --denoiser-width wide $recipe \
            > "$OUT/fresh_wide_s$seed.log" 2>&1 &
        runs+=(runs/fresh_wide_s$seed)
    fi
    if [ "$curves" = 1 ]; then
        $PY -m lolenhance.train curve --out runs/fresh_cur_s$seed --seed $seed $curve_recipe \
            > "$OUT/fresh_cur_s$seed.log" 2>&1 &
        runs+=(runs/fresh_cur_s$seed)
    fi
done
if [ "$zero_dce" = 1 ]; then  # it packs its own run into OUT/zd_pub_s22.tgz
    OPTIMISER=published SEED=22 RUN=runs/zd_pub_s22 WORKERS=$workers OUT=$OUT bash tools/device/zero_dce.sh \
        > "$OUT/zero_dce_call.log" 2>&1 &
fi
wait
command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,memory.used --format=csv
for run in "${runs[@]}"; do
    name=$(basename "$run")
    mv "$OUT/$name.log" "$run/train.log" 2> /dev/null
    tar czf "$OUT/$name.tgz" --exclude=backup "$run"
    echo "$run"; tail -3 "$run/history.csv" | cut -c1-120
done
if [ "$zero_dce" = 1 ]; then  # its output, here; the file would be a ninth to come back (the tool takes 8)
    cat "$OUT/zero_dce_call.log"; rm -f "$OUT/zero_dce_call.log"
fi
ls -la "$OUT"
echo TRAIN-DONE
