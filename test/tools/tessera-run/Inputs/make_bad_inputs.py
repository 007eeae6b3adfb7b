"""Writes malformed tensor files for tessera-run's error tests: each is a
.npy (or .so) that a careless reader would crash on, hang on, or allocate
gigabytes for."""

import struct
import sys

out = sys.argv[1]


def npy(name, header, data=b"", version=1, length=None):
    body = header.encode()
    if length is None:
        length = len(body)
    prefix = b"\x93NUMPY" + bytes([version, 0])
    prefix += struct.pack("<H" if version == 1 else "<I", length)
    with open(f"{out}/{name}.npy", "wb") as f:
        f.write(prefix + body + data)


good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), }"
# A header-length field claiming 4 GB (version 2 has 4 bytes for it).
npy("huge_header", good, version=2, length=0xFFFFFFF0)
# A shape that is not integers, one that overflows int64, and one whose
# byte size passes 2^48.
npy("bad_shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, abc), }")
npy("overflow_shape",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 4), }")
npy("huge_shape", "{'descr': '<f4', 'fortran_order': False, 'shape': (1048576, 1048576, 1024), }")
# Data shorter than the shape says.
npy("short_data", good, data=b"\0" * 12)
# An unknown key, a repeated one, a missing one.
npy("unknown_key", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 4), 'x': 1}",
    data=b"\0" * 32)
# A key holding a newline and a terminal escape (found by fuzzing): the
# message quotes it, so it must stay one line.
npy("newline_key", "{'descr': '<f4', 'fortran_order': False, 'sh\n\x1b[31mape': (2, 4), }",
    data=b"\0" * 32)
npy("missing_key", "{'descr': '<f4', 'shape': (2, 4), }", data=b"\0" * 32)
# Only the magic.
with open(f"{out}/magic_only.npy", "wb") as f:
    f.write(b"\x93NUMPY")
# Not a library.
with open(f"{out}/text.so", "w") as f:
    f.write("this is not a shared library\n" * 10)
