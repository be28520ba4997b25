"""hecnn training recipe: quadratic-activation CIFAR ResNets and a Faster-CryptoNets-style MNIST network.

Runs with Debian's python3-torch 1.13 on the CPU (use /usr/bin/python3) and with a current PyTorch on a GPU.
See training/README.md.
"""
