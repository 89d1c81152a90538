#!/usr/bin/env bash
# On the GPU machine, first call: install the carried wheels into /tmp/site and unpack LOL-v2 real
# Train/Low to ../shared/data/lol-real/Train/Low, every image's pixels checked against the manifest
# (tools/device_data.py). The machine must have Python 3.12 and PyTorch with CUDA; it needs no network.
set -eu
cd "$(dirname "$0")/../.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD KERAS_BACKEND=torch
python3 tools/device_data.py unpack .device/low ../shared/data/lol-real/Train/Low
python3 -c "import keras, albumentations, torch, lolenhance.train; print('keras', keras.__version__, 'torch', torch.__version__, torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'no GPU')"
nproc; free -g | head -2
echo SETUP-OK
