"""The VGG16 weights of stylize (safetensors, float32) and the layer list to a tap, for the peers'
benchmarks (torch_bench.py, tensorflow_bench.py): numpy arrays, no framework.
"""
import argparse
import json
import os
import re
import struct

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
            raise SystemExit(f"bench: {name}: dtype {info['dtype']}, expected F32")
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
        raise SystemExit(f"bench: unknown tap {tap}")
    return layers[: names.index(tap) + 1]


def bench_parser():
    """The options both peers' benchmarks take: weights, threads, repeats, tap, then the sizes (added last
    by the caller, after its own options)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default=os.environ.get("STYLIZE_WEIGHTS"))
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--tap", default="relu5_1")
    return parser
