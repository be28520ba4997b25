"""Data loaders written for this project (no torchvision datasets, no downloads).

* CIFAR-10 official binary layout: records of 1 label byte + 3072 pixel bytes (R, G, B planes, 32x32 row-major).
* CIFAR-10 JPEG training tar (train/<class>/NNNN.jpg), read with tarfile + PIL, or the same JPEGs repacked by
  training.pack_data (small enough to carry to the GPU machine).
* MNIST IDX files, gzip-compressed.

Everything is held in memory as uint8 tensors; augmentation (random crop 32 with padding 4, horizontal flip)
is applied per batch on the CPU.
"""
import gzip
import hashlib
import io
import os
import struct
import tarfile

import numpy as np
import torch

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DATA = os.path.normpath(os.path.join(REPO_ROOT, "..", "shared", "data"))
CACHE_DIR = os.path.join(REPO_ROOT, "training", "data-cache")  # git-ignored

CIFAR_MEAN = (0.485, 0.456, 0.406)
CIFAR_STD = (0.229, 0.224, 0.225)
MNIST_MEAN = 0.1307
MNIST_STD = 0.3081


class MissingData(RuntimeError):
    pass


def require(path):
    if not os.path.exists(path):
        raise MissingData("missing data file: %s (set --data to the folder holding cifar10/, mnist/, weights/)" % path)
    return path


def class_names(data_dir=DEFAULT_DATA):
    with open(require(os.path.join(data_dir, "cifar10", "class_names.txt"))) as f:
        return [line.strip() for line in f if line.strip()]


def load_cifar_bin(path):
    """Official CIFAR-10 binary layout -> (uint8 tensor N x 3 x 32 x 32, int64 labels N)."""
    raw = np.fromfile(require(path), dtype=np.uint8)
    if raw.size % 3073 != 0:
        raise ValueError("%s: size %d is not a multiple of 3073" % (path, raw.size))
    rec = raw.reshape(-1, 3073)
    labels = torch.from_numpy(rec[:, 0].astype(np.int64))
    images = torch.from_numpy(rec[:, 1:].reshape(-1, 3, 32, 32).copy())
    return images, labels


def load_cifar_test(data_dir=DEFAULT_DATA):
    """The 500 lossless official test images: the ONLY images test accuracy is reported on."""
    return load_cifar_bin(os.path.join(data_dir, "cifar10", "test_lossless_0-499.bin"))


def load_cifar_train_lossless(data_dir=DEFAULT_DATA):
    return load_cifar_bin(os.path.join(data_dir, "cifar10", "train_lossless_5170.bin"))


def load_cifar_jpeg_tar(path, names, limit=None, cache=True):
    """Read train/<class>/NNNN.jpg from the tar with tarfile + PIL -> (uint8 N x 3 x 32 x 32, labels).

    Decoded arrays are cached in training/data-cache/ (keyed by the tar's size and mtime) so that a resumed run
    does not decode 50,000 JPEGs again.
    """
    require(path)
    st = os.stat(path)
    key = hashlib.sha1(("%s|%d|%d|%s" % (os.path.abspath(path), st.st_size, int(st.st_mtime), limit)).encode()).hexdigest()[:16]
    cache_file = os.path.join(CACHE_DIR, "cifar_jpeg_%s.npz" % key)
    if cache and os.path.exists(cache_file):
        z = np.load(cache_file)
        return torch.from_numpy(z["x"]), torch.from_numpy(z["y"])
    xs, ys = [], []
    with tarfile.open(path, "r:") as tf:
        entries = jpeg_tar_entries(tf, names, path)
        if limit is not None:
            # a class-balanced subset: the first `limit // 10` images of every class
            entries = [entries[i] for i in balanced_subset([c for _, c in entries], limit, len(names))]
        for m, c in entries:
            xs.append(decode_jpeg(tf.extractfile(m).read(), m.name))
            ys.append(c)
    x = np.stack(xs)
    y = np.asarray(ys, dtype=np.int64)
    if cache:
        os.makedirs(CACHE_DIR, exist_ok=True)
        tmp = cache_file + ".tmp.npz"
        np.savez(tmp, x=x, y=y)
        os.replace(tmp, cache_file)
    return torch.from_numpy(x), torch.from_numpy(y)


def jpeg_tar_entries(tf, names, path):
    """[(member, class index)] of the tar's JPEGs in name order: the order the loaders and training.pack_data keep."""
    index = {n: i for i, n in enumerate(names)}
    entries = []
    for m in sorted((m for m in tf.getmembers() if m.isfile() and m.name.endswith(".jpg")), key=lambda m: m.name):
        parts = m.name.split("/")
        if len(parts) < 3 or parts[-2] not in index:
            raise ValueError("unexpected member %s in %s" % (m.name, path))
        entries.append((m, index[parts[-2]]))
    return entries


def decode_jpeg(raw, where):
    """One 32x32 JPEG -> uint8 array 3 x 32 x 32 (RGB planes)."""
    from PIL import Image

    img = Image.open(io.BytesIO(raw)).convert("RGB")
    if img.size != (32, 32):
        raise ValueError("%s: size %s, expected 32x32" % (where, img.size))
    return np.asarray(img, dtype=np.uint8).transpose(2, 0, 1)


def balanced_subset(classes, limit, n_classes):
    """Positions of the first `limit // n_classes` (at least 1) images of every class, in order."""
    per = {}
    sel = []
    for i, c in enumerate(classes):
        if per.get(c, 0) < max(1, limit // n_classes):
            per[c] = per.get(c, 0) + 1
            sel.append(i)
    return sel


def load_cifar_jpeg_pack(path, names, limit=None):
    """The same images as load_cifar_jpeg_tar, from a pack written by training.pack_data (for the GPU machine)."""
    from .pack_data import read_pack_index

    require(path)
    entries = read_pack_index(path)
    if limit is not None:
        entries = [entries[i] for i in balanced_subset([e[0] for e in entries], limit, len(names))]
    xs, ys = [], []
    with open(path, "rb") as f:
        for c, offset, length in entries:
            if c >= len(names):
                raise ValueError("%s: class index %d, but there are %d classes" % (path, c, len(names)))
            f.seek(offset)
            xs.append(decode_jpeg(f.read(length), "%s at offset %d" % (path, offset)))
            ys.append(c)
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.asarray(ys, dtype=np.int64))


def load_cifar_train(data_dir=DEFAULT_DATA, source="jpeg+lossless", limit=None):
    """Training images. source: 'jpeg' (50,000 JPEG q75), 'lossless' (5,170), or 'jpeg+lossless' (both). The JPEGs
    come from the tar, or from the pack training.pack_data writes when the folder has no tar (the GPU machine)."""
    parts = []
    if "jpeg" in source:
        tar = os.path.join(data_dir, "cifar10", "train_jpeg_q75.tar")
        pack = os.path.join(data_dir, "cifar10", "train_jpeg_q75.pack")
        if not os.path.exists(tar) and os.path.exists(pack):
            parts.append(load_cifar_jpeg_pack(pack, class_names(data_dir), limit=limit))
        else:
            parts.append(load_cifar_jpeg_tar(tar, class_names(data_dir), limit=limit))
    if "lossless" in source:
        x, y = load_cifar_train_lossless(data_dir)
        if limit is not None:
            x, y = x[:limit], y[:limit]
        parts.append((x, y))
    if not parts:
        raise ValueError("unknown training source %r" % source)
    return torch.cat([p[0] for p in parts]), torch.cat([p[1] for p in parts])


def lossless_duplicates_in_jpeg(jpeg_x, jpeg_y, lossless_x, lossless_y, max_rms=25.0):
    """For every lossless training image, the position of its JPEG q75 copy in jpeg_x (nearest image of the same
    class by RMS pixel distance). Fails unless the matching is one-to-one and every copy is closer than `max_rms`
    (JPEG q75 noise is ~8 grey levels RMS; unrelated images are ~45 apart)."""
    match = torch.full((lossless_x.shape[0],), -1, dtype=torch.long)
    rms = torch.zeros(lossless_x.shape[0])
    for c in range(int(lossless_y.max()) + 1):
        li = (lossless_y == c).nonzero().flatten()
        ji = (jpeg_y == c).nonzero().flatten()
        if len(li) == 0:
            continue
        a = lossless_x[li].reshape(len(li), -1).float()
        b = jpeg_x[ji].reshape(len(ji), -1).float()
        d = (a * a).sum(1, keepdim=True) + (b * b).sum(1)[None, :] - 2 * a @ b.T
        v, i = d.min(dim=1)
        match[li] = ji[i]
        rms[li] = (v.clamp(min=0) / a.shape[1]).sqrt()
    if match.unique().numel() != match.numel() or float(rms.max()) > max_rms:
        raise ValueError("could not pair every lossless training image with one JPEG copy (unique %d of %d, worst RMS %.1f)"
                         % (match.unique().numel(), match.numel(), float(rms.max())))
    return match, rms


def load_cifar_validation_split(data_dir=DEFAULT_DATA):
    """The validation split: the 5,170 lossless training images are the validation set (lossless, like the test
    images), and training uses the 50,000 JPEG images minus the JPEG copies of those 5,170 (44,830 images).
    Returns ((train_x, train_y), (val_x, val_y), info). The pairing is cached in training/data-cache/."""
    jx, jy = load_cifar_train(data_dir, "jpeg")
    lx, ly = load_cifar_train_lossless(data_dir)
    key = hashlib.sha1(jx.numpy().tobytes()[:1 << 20] + lx.numpy().tobytes()[:1 << 20] + b"%d|%d" % (jx.shape[0], lx.shape[0])).hexdigest()[:16]
    cache_file = os.path.join(CACHE_DIR, "lossless_in_jpeg_%s.npy" % key)
    if os.path.exists(cache_file):
        match = torch.from_numpy(np.load(cache_file))
    else:
        match, _ = lossless_duplicates_in_jpeg(jx, jy, lx, ly)
        os.makedirs(CACHE_DIR, exist_ok=True)
        np.save(cache_file, match.numpy())
    if not torch.equal(jy[match], ly):
        raise ValueError("cached lossless/JPEG pairing %s disagrees with the labels; delete it" % cache_file)
    keep = torch.ones(jx.shape[0], dtype=torch.bool)
    keep[match] = False
    info = {"train": "CIFAR-10 JPEG q75 training images minus the JPEG copies of the 5,170 lossless training images (%d images)" % int(keep.sum()),
            "validation": "the 5,170 lossless training images (train_lossless_5170.bin); no copy of them is trained on"}
    return (jx[keep], jy[keep]), (lx, ly), info


def _read_idx(path):
    with gzip.open(require(path), "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an unsigned-byte IDX file" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if arr.size != int(np.prod(dims)):
        raise ValueError("%s: %d bytes of data, header says %s" % (path, arr.size, dims))
    return arr.reshape(dims).copy()


def load_mnist(data_dir=DEFAULT_DATA, split="train"):
    """MNIST IDX .gz -> (uint8 N x 1 x 28 x 28, int64 labels)."""
    prefix = "train" if split == "train" else "t10k"
    x = _read_idx(os.path.join(data_dir, "mnist", "%s-images-idx3-ubyte.gz" % prefix))
    y = _read_idx(os.path.join(data_dir, "mnist", "%s-labels-idx1-ubyte.gz" % prefix))
    return torch.from_numpy(x).unsqueeze(1), torch.from_numpy(y.astype(np.int64))


def normalize(x_uint8, mean, std):
    x = x_uint8.float().div_(255.0)
    m = torch.tensor(mean, dtype=torch.float32).view(1, -1, 1, 1)
    s = torch.tensor(std, dtype=torch.float32).view(1, -1, 1, 1)
    return (x - m) / s


def augment_crop_flip(x, generator, pad=4, flip=True):
    """Random crop (size unchanged) with zero padding `pad` and (if flip) random horizontal flip, per image (uint8 batch)."""
    n, c, h, w = x.shape
    xp = torch.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=x.dtype)
    xp[:, :, pad:pad + h, pad:pad + w] = x
    offs = torch.randint(0, 2 * pad + 1, (n, 2), generator=generator)
    flips = torch.rand(n, generator=generator) < 0.5
    out = torch.empty_like(x)
    for i in range(n):
        dy, dx = int(offs[i, 0]), int(offs[i, 1])
        crop = xp[i, :, dy:dy + h, dx:dx + w]
        out[i] = crop.flip(-1) if (flip and flips[i]) else crop
    return out


def batches(x, y, batch_size, generator=None, shuffle=False, drop_last=False):
    n = x.shape[0]
    order = torch.randperm(n, generator=generator) if shuffle else torch.arange(n)
    stop = n - (n % batch_size) if drop_last else n
    for i in range(0, stop, batch_size):
        idx = order[i:i + batch_size]
        yield x[idx], y[idx]
