"""SciPy's L-BFGS-B on stylize's own objective, for scripts/bench-optimizer.

usage: lbfgsb_driver.py STYLIZE_BENCH CONTENT STYLE SIZE EVALUATIONS MEMORY

Starts `stylize-bench objective CONTENT STYLE SIZE` (Sources/stylize-bench/ObjectiveCommand.swift: J and its gradient over pipes),
minimizes J from the content image inside 0..255 with at most EVALUATIONS evaluations and MEMORY correction
pairs, rounds the result to 8 bits as stylize writes it, and prints one line:
    scipy J_float J_written evaluations seconds
"""
import struct
import subprocess
import sys
import time

import numpy as np
from scipy.optimize import minimize


def main():
    bench, content, style, size, evaluations, memory = sys.argv[1:7]
    server = subprocess.Popen([bench, "objective", content, style, size], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    n = struct.unpack("<i", server.stdout.read(4))[0]
    start = np.frombuffer(server.stdout.read(4 * n), dtype="<f4").astype(np.float64)

    def cost(x):
        server.stdin.write(x.astype("<f4").tobytes())
        server.stdin.flush()
        value = struct.unpack("<d", server.stdout.read(8))[0]
        gradient = np.frombuffer(server.stdout.read(4 * n), dtype="<f4").astype(np.float64)
        return value, gradient

    began = time.monotonic()
    result = minimize(cost, start, jac=True, method="L-BFGS-B", bounds=[(0, 255)] * n,
                      options=dict(maxfun=int(evaluations), maxiter=10**9, maxcor=int(memory), ftol=0, gtol=0))
    seconds = time.monotonic() - began
    written, _ = cost(np.clip(np.round(result.x), 0, 255))
    server.stdin.close()
    server.wait()
    print(f"scipy {result.fun:.6g} {written:.6g} {result.nfev} {seconds:.1f}")


if __name__ == "__main__":
    main()
