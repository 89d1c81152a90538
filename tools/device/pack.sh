#!/usr/bin/env bash
# Here, before a GPU session (about 6 min): what the lent GPU machine lacks, ready to carry there.
#   .device/low, .device/normal  LOL-v2 real Train as lossless WebP + a pixel SHA-256 manifest
#                                (tools/device_data.py; one call carries at most 64 MiB, the tree ~18 MiB)
#   .whl                         wheels of the pure-Python packages the machine lacks (it has PyTorch,
#                                no TensorFlow, no Keras, and no network): Keras's torch backend runs there
# All three are git-ignored (.git/info/exclude). Then, on the device (tools/device/README.md):
#   run(carry=[".whl", ".device/low"], command="bash tools/device/setup.sh")
#   run(carry=[".device/normal"], command="bash tools/device/fresh_lineage.sh")   # at once: it goes back after 30 s idle
set -eu
cd "$(dirname "$0")/../.."
PY=${PYTHON:-.venv/bin/python}
LOL=${LOL:-../shared/data/lol-real}
grep -qx '/.device/' .git/info/exclude || echo '/.device/' >> .git/info/exclude
grep -qx '/.whl/' .git/info/exclude || echo '/.whl/' >> .git/info/exclude
[ -f .device/low/manifest.json ] || $PY tools/device_data.py pack "$LOL/Train/Low" .device/low
[ -f .device/normal/manifest.json ] || $PY tools/device_data.py pack "$LOL/Train/Normal" .device/normal
mkdir -p .whl
# the versions a stage-8 run used there (Python 3.12, x86-64); --no-deps: each dependency is named
$PY -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
    keras==3.15.1 namex==0.1.0 optree==0.20.0 albumentations==2.0.8 albucore==0.0.24 simsimd==6.5.16 \
    stringzilla==5.3.2 pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 pooch==1.9.0
du -sh .device/low .device/normal .whl
