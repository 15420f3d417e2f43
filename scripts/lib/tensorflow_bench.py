#!/usr/bin/env python3
"""stylize-bench engine --vs-tensorflow: the benchmark's pass in TensorFlow, CPU.

Usage: PYTHON scripts/lib/tensorflow_bench.py [--weights FILE] [--threads N] [--repeat N] [--tap relu5_1] SIZE...
(run by stylize-bench engine --vs-tensorflow, with the python of the virtual environment that
scripts/bench-engine --vs-tensorflow makes with tensorflow-cpu)
The pass as TensorFlow users write it at its fastest: NHWC, one tf.function (traced once per size, the trace not
timed) with a GradientTape, forward to the tap and back with the tap's own values as its gradient (as
stylize-bench and torch_bench.py do). Intra-op threads --threads, inter-op 1.
Prints "tensorflow SIZE nhwc SECONDS" (best of --repeat) per size on stdout.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vgg_weights import bench_parser, build_layers, load_safetensors  # noqa: E402


def main():
    parser = bench_parser()
    parser.add_argument("sizes", type=int, nargs="+")
    args = parser.parse_args()
    if not args.weights:
        raise SystemExit("bench-tensorflow: no weights (--weights or STYLIZE_WEIGHTS)")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    try:
        import numpy as np
        import tensorflow as tf
    except ImportError:
        raise SystemExit("bench-tensorflow: tensorflow is not installed (pip install tensorflow-cpu)")
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    layers = [
        # OIHW -> HWIO, TensorFlow's filter layout for NHWC.
        (kind, tf.constant(w.transpose(2, 3, 1, 0).copy()) if w is not None else None,
         tf.constant(b) if b is not None else None)
        for _, kind, w, b in build_layers(load_safetensors(args.weights), args.tap)
    ]

    def forward(x):
        for kind, w, b in layers:
            if kind == "conv":
                x = tf.nn.bias_add(tf.nn.conv2d(x, w, strides=1, padding="SAME"), b)
            elif kind == "relu":
                x = tf.nn.relu(x)
            else:
                x = tf.nn.max_pool2d(x, 2, 2, padding="VALID")
        return x

    @tf.function
    def step(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = forward(x)
        return tape.gradient(y, x, output_gradients=tf.stop_gradient(y))

    print(f"tensorflow {tf.__version__}, intra-op threads {args.threads}", file=sys.stderr)
    for size in args.sizes:
        rng = np.random.default_rng(1)
        x = tf.constant((rng.random((1, size, size, 3), dtype=np.float32) * 200 - 100))
        step(x).numpy()  # the trace and the first run, not timed
        best = float("inf")
        for _ in range(args.repeat):
            start = time.perf_counter()
            step(x).numpy()
            best = min(best, time.perf_counter() - start)
        print(f"tensorflow {size} nhwc {best:.4f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
