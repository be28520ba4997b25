"""hecnn training recipe: quadratic-activation CIFAR ResNets and a Faster-CryptoNets-style MNIST network.

Runs with Debian's python3-torch 1.13 on the CPU (use /usr/bin/python3) and with a current PyTorch on a GPU.
See training/README.md.
"""

import os as _os

# libgomp's default active spin-waiting wastes most of the CPU when the two cores are shared with other work
# (measured here: 5.3 CPU-s and 30.7 s per ResNet-20 step of 128 images with the default, 0.82 CPU-s and 3.75 s
# with PASSIVE). It must be set before torch is imported, which is why it lives in the package __init__.
_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
