#!/usr/bin/env python3
"""stylize-bench engine --vs-torch: the benchmark's pass in PyTorch.

Usage: python3 scripts/lib/torch_bench.py [--weights FILE] [--threads N] [--repeat N] [--tap relu5_1] SIZE...
(run by stylize-bench engine --vs-torch --torch-program FILE, which scripts/bench-engine --vs-torch passes)
Prints "torch SIZE SECONDS" (best of --repeat) per size on stdout.
"""
import argparse
import json
import os
import re
import struct
import sys
import time

import numpy as np


def load_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise SystemExit(f"bench-torch: {name}: dtype {info['dtype']}, expected F32")
        start, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=np.float32).reshape(info["shape"])
    return tensors


def build_layers(tensors, tap):
    convs = sorted(
        (int(m.group(1)), int(m.group(2)))
        for m in (re.fullmatch(r"conv(\d+)_(\d+)\.weight", k) for k in tensors)
        if m
    )
    layers = []
    blocks = {}
    for b, k in convs:
        blocks[b] = max(blocks.get(b, 0), k)
    for b in sorted(blocks):
        for k in range(1, blocks[b] + 1):
            layers.append((f"conv{b}_{k}", "conv", tensors[f"conv{b}_{k}.weight"], tensors[f"conv{b}_{k}.bias"]))
            layers.append((f"relu{b}_{k}", "relu", None, None))
        layers.append((f"pool{b}", "pool", None, None))
    names = [layer[0] for layer in layers]
    if tap not in names:
        raise SystemExit(f"bench-torch: unknown tap {tap}")
    return layers[: names.index(tap) + 1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default=os.environ.get("STYLIZE_WEIGHTS"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--tap", default="relu5_1")
    parser.add_argument("sizes", type=int, nargs="+")
    args = parser.parse_args()
    if not args.weights:
        raise SystemExit("bench-torch: no weights (--weights or STYLIZE_WEIGHTS)")
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        raise SystemExit("bench-torch: torch is not installed (pip install torch)")
    torch.set_num_threads(args.threads)
    layers = build_layers(load_safetensors(args.weights), args.tap)
    params = [
        (name, kind, torch.from_numpy(w.copy()) if w is not None else None, torch.from_numpy(b.copy()) if b is not None else None)
        for name, kind, w, b in layers
    ]

    def forward(x):
        for _, kind, w, b in params:
            if kind == "conv":
                x = F.conv2d(x, w, b, padding=1)
            elif kind == "relu":
                x = F.relu(x)
            else:
                x = F.max_pool2d(x, 2)
        return x

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}", file=sys.stderr)
    for size in args.sizes:
        generator = torch.Generator().manual_seed(1)
        x0 = (torch.rand(1, 3, size, size, generator=generator) * 200 - 100)
        best = float("inf")
        for _ in range(args.repeat):
            x = x0.clone().requires_grad_(True)
            start = time.perf_counter()
            y = forward(x)
            y.backward(y.detach())
            _ = x.grad
            best = min(best, time.perf_counter() - start)
        print(f"torch {size} {best:.4f}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
