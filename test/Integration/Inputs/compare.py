#!/usr/bin/python3
"""compare.py GOT.bin|.npy EXPECTED.npy [RTOL] [ATOL]: elementwise comparison.

Raw .bin files are read with the expected array's dtype and shape. Prints the
largest error; exits 1 when an element differs by more than atol + rtol*|e|.
"""
import sys

import numpy as np

got_path, expected_path = sys.argv[1], sys.argv[2]
rtol = float(sys.argv[3]) if len(sys.argv) > 3 else 1e-5
atol = float(sys.argv[4]) if len(sys.argv) > 4 else 1e-6
expected = np.load(expected_path)
if got_path.endswith(".npy"):
    got = np.load(got_path)
else:
    got = np.fromfile(got_path, dtype=expected.dtype).reshape(expected.shape)
assert got.shape == expected.shape, (got.shape, expected.shape)
error = np.abs(got.astype(np.float64) - expected.astype(np.float64))
bound = atol + rtol * np.abs(expected.astype(np.float64))
worst = int(np.argmax(error - bound))
print("compare: %d elements, max abs error %.3g" % (got.size, error.max()))
if (error > bound).any():
    print("compare: MISMATCH at flat index %d: got %r, expected %r"
          % (worst, got.flat[worst], expected.flat[worst]))
    sys.exit(1)
print("compare: same numbers")
