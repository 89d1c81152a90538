"""One worker of the multi-worker training test (``test_train.py``), launched as a script.

``TF_CONFIG`` (environment) names the cluster and this worker's index; the arguments are the run
folder and the :class:`lolenhance.train.TrainConfig` as JSON::

    TF_CONFIG='{"cluster": {"worker": ["127.0.0.1:PORT0", "127.0.0.1:PORT1"]},
                "task": {"type": "worker", "index": 0}}' python tests/multiworker_worker.py OUT CONFIG_JSON

It trains the denoiser on :func:`helpers.tiny_pairs` with :func:`lolenhance.train.fit` under
``MultiWorkerMirroredStrategy``, one CPU device (one replica) per worker, and prints one line,
``worker INDEX of WORKERS, REPLICAS replicas``, when it is done. Importing it does nothing (pytest's
``--doctest-modules`` imports every file under ``tests/``).
"""

from __future__ import annotations

import json
import sys


def main(out: str, config_json: str) -> None:
    import tensorflow as tf

    # The strategy must be the first TensorFlow call: it starts this worker's gRPC server and
    # configures the collectives before the runtime initialises. RING is what AUTO resolves to on
    # CPU (NCCL is for GPUs); naming it keeps the test on gRPC ring all-reduce whatever AUTO does.
    strategy = tf.distribute.MultiWorkerMirroredStrategy(
        communication_options=tf.distribute.experimental.CommunicationOptions(
            implementation=tf.distribute.experimental.CommunicationImplementation.RING
        )
    )
    from helpers import tiny_pairs

    from lolenhance import inference
    from lolenhance.models import build_denoiser
    from lolenhance.models.losses import l1_ssim_loss
    from lolenhance.train import TrainConfig, fit

    data = tiny_pairs()
    fit(build_denoiser, l1_ssim_loss(), data, data, out, TrainConfig(**json.loads(config_json)),
        predict=lambda model, low: inference.denoise(low, model), strategy=strategy, verbose=0)
    resolver = strategy.cluster_resolver
    workers = len(resolver.cluster_spec().as_dict()["worker"])
    print(f"worker {resolver.task_id} of {workers}, {strategy.num_replicas_in_sync} replicas", flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:])
