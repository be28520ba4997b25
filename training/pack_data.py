"""Packs the data a training run needs into a folder small enough to travel to the GPU machine.

The device tool carries at most 64 MiB with the working tree (~13 MB), and the CIFAR-10 JPEG training tar is 77 MB,
most of it tar headers and padding. The pack keeps every JPEG's bytes unchanged, in the tar's sorted member order,
as one file plus an index, so `training.data` decodes exactly the same images from it:

    <out>/cifar10/class_names.txt
    <out>/cifar10/test_lossless_0-499.bin              (copied)
    <out>/cifar10/train_jpeg_q75.pack                  (JPEG bytes, concatenated)
    <out>/cifar10/train_jpeg_q75.pack.idx              (per image: class index uint8, offset uint32, length uint32)

`--train-source jpeg` then trains from the pack (`--data <out>`); the 5,170 lossless training images (15.9 MB) are
left out (`--with-lossless` adds them, for a second carry). Usage:

    /usr/bin/python3 -m training.pack_data --out .device-carry/data
"""
import argparse
import os
import shutil
import struct
import sys
import tarfile

from . import data

INDEX_RECORD = struct.Struct("<BII")


def pack_jpeg_tar(tar_path, names, pack_path):
    """Writes the pack and its index; returns the number of images."""
    tmp = pack_path + ".tmp"
    count = 0
    with tarfile.open(tar_path, "r:") as tf, open(tmp, "wb") as out, open(tmp + ".idx", "wb") as idx:
        offset = 0
        for m, c in data.jpeg_tar_entries(tf, names, tar_path):
            b = tf.extractfile(m).read()
            out.write(b)
            idx.write(INDEX_RECORD.pack(c, offset, len(b)))
            offset += len(b)
            count += 1
    os.replace(tmp, pack_path)
    os.replace(tmp + ".idx", pack_path + ".idx")
    return count


def read_pack_index(pack_path):
    """[(class, offset, length)] in pack order."""
    raw = open(pack_path + ".idx", "rb").read()
    if len(raw) % INDEX_RECORD.size:
        raise ValueError("%s.idx: %d bytes is not a whole number of %d-byte records" % (pack_path, len(raw), INDEX_RECORD.size))
    return [INDEX_RECORD.unpack_from(raw, i) for i in range(0, len(raw), INDEX_RECORD.size)]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=data.DEFAULT_DATA, help="folder holding cifar10/ (default ../shared/data)")
    p.add_argument("--out", required=True, help="folder to write (e.g. .device-carry/data, git-ignored)")
    p.add_argument("--with-lossless", action="store_true", help="also copy train_lossless_5170.bin (15.9 MB)")
    args = p.parse_args(argv)
    src = os.path.join(args.data, "cifar10")
    dst = os.path.join(args.out, "cifar10")
    os.makedirs(dst, exist_ok=True)
    names = data.class_names(args.data)
    for f in ["class_names.txt", "test_lossless_0-499.bin"] + (["train_lossless_5170.bin"] if args.with_lossless else []):
        shutil.copyfile(data.require(os.path.join(src, f)), os.path.join(dst, f))
    pack = os.path.join(dst, "train_jpeg_q75.pack")
    n = pack_jpeg_tar(data.require(os.path.join(src, "train_jpeg_q75.tar")), names, pack)
    total = sum(os.path.getsize(os.path.join(dst, f)) for f in os.listdir(dst))
    print("[pack] %d JPEG training images -> %s (%.1f MB); folder %s holds %.1f MB" % (
        n, pack, os.path.getsize(pack) / 1e6, dst, total / 1e6), flush=True)


if __name__ == "__main__":
    sys.exit(main())
