# Sourced by the second-call scripts (fresh_lineage.sh, kfold.sh) from the repository root: the
# environment a training there needs, and Train/Normal unpacked next to the Train/Low of setup.sh.
OUT=${OUT:-runs/device_out}
mkdir -p "$OUT"
if [ -d /tmp/site/keras ]; then export PYTHONPATH=/tmp/site:$PWD; fi
export KERAS_BACKEND=${KERAS_BACKEND:-torch} PYTHONUNBUFFERED=1 NO_ALBUMENTATIONS_UPDATE=1
PY=${PYTHON:-python3}
if [ ! -f ../shared/data/lol-real/Train/Low/low00001.png ]; then
    echo "SETUP MISSING: run tools/device/setup.sh first, on this machine"; exit 3
fi
if [ -d .device/normal ]; then
    $PY tools/device_data.py unpack .device/normal ../shared/data/lol-real/Train/Normal || exit 4
fi
