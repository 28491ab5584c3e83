"""Prints, on one line, the BLAS that this python3's torch runs its matrix products on.

Usage:
  python3 bench/torch_blas.py

Debian's python3-torch is built against the generic libblas.so.3 (torch.__config__.show()
says only BLAS_INFO=generic), so the library is whichever one the alternatives system
selects: netlib's reference BLAS by default, OpenBLAS once libopenblas0-pthread is
installed. The loader's own map of this process is the one answer that cannot be stale.
"""
import ctypes
import os

import torch

torch.ones(2, 2) @ torch.ones(2, 2)  # a product, so the BLAS is surely loaded

mapped = set()
with open("/proc/self/maps") as maps:
    for line in maps:
        mapped.add(line.split()[-1])

# The loader resolved libblas.so.3 to a real file; its directory names the family
# (Debian's layout: openblas-pthread/, blas/ for netlib, atlas/, blis-pthread/).
libblas = sorted(p for p in mapped if os.path.basename(p).startswith("libblas.so"))
libopenblas = sorted(p for p in mapped if os.path.basename(p).startswith("libopenblas"))
family = os.path.basename(os.path.dirname(libblas[0])) if libblas else ""
if family.startswith("openblas") and libopenblas:
    lib = ctypes.CDLL(libopenblas[0])
    lib.openblas_get_config.restype = ctypes.c_char_p
    lib.openblas_get_corename.restype = ctypes.c_char_p
    version = lib.openblas_get_config().decode().split()[1]
    print(f"OpenBLAS {version} ({lib.openblas_get_corename().decode()} kernels)")
elif family == "blas":
    print("netlib reference BLAS")
elif libblas:
    print(libblas[0])
elif any("libmkl" in p for p in mapped):
    print("MKL")
else:
    print("unknown (no libblas.so.3 mapped)")
