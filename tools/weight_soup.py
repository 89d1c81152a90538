"""Average weights fine-tuned from one start into one network (a "model soup", WiSE-FT).

``lolenhance.train.average_weights`` does the averaging; this writes the result as inference
weights, the format ``lolenhance/weights/*.weights.h5`` ships in::

    python tools/weight_soup.py denoiser runs/soup.weights.h5 \\
        runs/denoiser_s_4ae483d.weights.h5=0.5 runs/gpu_den_locus_s03/best.weights.h5=0.5

KIND, the output file, then ``weights=coefficient`` for each source (inference weights or a run's
checkpoint), coefficients >= 0 summing to 1 (decimals or fractions: ``=1/3``). The output is written to a temporary name and moved
into place, so a failure leaves no partial file; it may not be one of the sources.
"""

import argparse
import os
import sys
from fractions import Fraction
from pathlib import Path

from lolenhance import train


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["denoiser", "curve", "zero-dce"])
    parser.add_argument("out", type=Path, help="the averaged inference weights (.weights.h5)")
    parser.add_argument("sources", nargs="+", help="WEIGHTS=COEFFICIENT, two or more")
    args = parser.parse_args()
    sources = []
    for source in args.sources:
        path, sep, coefficient = source.rpartition("=")
        if not sep or not path:
            parser.error(f"{source!r}: expected WEIGHTS=COEFFICIENT")
        try:
            sources.append((path, float(Fraction(coefficient))))
        except ValueError:
            parser.error(f"{source!r}: the coefficient {coefficient!r} is not a number")
    if not args.out.name.endswith(".weights.h5"):
        parser.error(f"{args.out}: the output must end in .weights.h5 (Keras's weights format)")
    if any(Path(path).resolve() == args.out.resolve() for path, _ in sources):
        parser.error(f"{args.out}: is one of the sources; write the average elsewhere")
    net = train.average_weights(args.kind, sources)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    partial = args.out.with_name(f".{args.out.name[:-len('.weights.h5')]}.partial.weights.h5")
    try:
        net.save_weights(partial)
        os.replace(partial, args.out)
    finally:
        partial.unlink(missing_ok=True)
    print(f"{args.out}: " + " + ".join(f"{c:g} × {p}" for p, c in sources))
    return 0


if __name__ == "__main__":
    sys.exit(main())
