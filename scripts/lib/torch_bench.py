#!/usr/bin/env python3
"""stylize-bench engine --vs-torch: the benchmark's pass in PyTorch, eager, CPU.

Usage: python3 scripts/lib/torch_bench.py [--weights FILE] [--threads N] [--repeat N] [--tap relu5_1]
       [--variants nchw,channels_last,channels_last_bf16] SIZE...
(run by stylize-bench engine --vs-torch --torch-program FILE, which scripts/bench-engine --vs-torch passes)
Variants: nchw (float32), channels_last (float32, NHWC memory format), channels_last_bf16 (channels_last under
torch.autocast("cpu", bfloat16): the convolutions in bfloat16; skipped on a CPU without avx512_bf16, where
oneDNN emulates it at a tenth of float32's speed).
Prints "torch SIZE VARIANT SECONDS" (best of --repeat) per size and variant on stdout.
"""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from vgg_weights import bench_parser, build_layers, load_safetensors  # noqa: E402

VARIANTS = ("nchw", "channels_last", "channels_last_bf16")


def cpu_has_bf16():
    """True when /proc/cpuinfo lists avx512_bf16 or amx_bf16 (bfloat16 products in hardware)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return True
    return "avx512_bf16" in flags or "amx_bf16" in flags


def main():
    parser = bench_parser()
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("sizes", type=int, nargs="+")
    args = parser.parse_args()
    variants = args.variants.split(",")
    if not args.weights:
        raise SystemExit("bench-torch: no weights (--weights or STYLIZE_WEIGHTS)")
    if any(v not in VARIANTS for v in variants):
        raise SystemExit(f"bench-torch: variants are {', '.join(VARIANTS)}")
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        raise SystemExit("bench-torch: torch is not installed (pip install torch)")
    torch.set_num_threads(args.threads)
    layers = build_layers(load_safetensors(args.weights), args.tap)

    def parameters(memory_format):
        return [
            (kind,
             torch.from_numpy(w.copy()).contiguous(memory_format=memory_format) if w is not None else None,
             torch.from_numpy(b.copy()) if b is not None else None)
            for _, kind, w, b in layers
        ]

    def forward(x, params):
        for kind, w, b in params:
            if kind == "conv":
                x = F.conv2d(x, w, b, padding=1)
            elif kind == "relu":
                x = F.relu(x)
            else:
                x = F.max_pool2d(x, 2)
        return x

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}", file=sys.stderr)
    if "channels_last_bf16" in variants and not cpu_has_bf16():
        # Without avx512_bf16 (or AMX) oneDNN emulates bfloat16: 10x slower than float32 here, no one's choice.
        print("torch: this CPU has no avx512_bf16: channels_last_bf16 skipped", file=sys.stderr)
        variants = [v for v in variants if v != "channels_last_bf16"]
    for size in args.sizes:
        generator = torch.Generator().manual_seed(1)
        x0 = torch.rand(1, 3, size, size, generator=generator) * 200 - 100
        for variant in variants:
            memory_format = torch.contiguous_format if variant == "nchw" else torch.channels_last
            params = parameters(memory_format)
            bf16 = variant.endswith("_bf16")
            best = float("inf")
            for _ in range(args.repeat):
                x = x0.clone().contiguous(memory_format=memory_format).requires_grad_(True)
                start = time.perf_counter()
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                    y = forward(x, params)
                y = y.float()
                y.backward(y.detach())
                _ = x.grad
                best = min(best, time.perf_counter() - start)
            print(f"torch {size} {variant} {best:.4f}")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
