"""Restricted loader for legacy (non-zip) torch.save files such as the akamaster ResNet checkpoints.

The legacy format is a concatenation of pickles followed by raw storage bytes:
  1. magic number (an int), 2. protocol version (1001), 3. sys_info dict,
  4. the object itself, storages referenced through persistent ids
     ('storage', <storage type global>, root_key, location, numel[, view_metadata]),
  5. the list of storage keys, then for every key: an int64 element count (little endian) and the raw bytes.

Every pickle here is read by RestrictedUnpickler, which resolves exactly three globals:
collections.OrderedDict, torch.FloatStorage and torch._utils._rebuild_tensor, and refuses any other global
(pickle.UnpicklingError). torch.load / pickle.load are never called on the file.
"""
import collections
import io
import pickle
import struct

import numpy as np
import torch

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001


class _FloatStorageType:
    dtype = torch.float32
    itemsize = 4


class _Storage:
    """A flat float32 tensor whose contents arrive after the main pickle."""

    def __init__(self, numel):
        self.data = torch.zeros(int(numel), dtype=torch.float32)


def _rebuild_tensor(storage, storage_offset, size, stride):
    if not isinstance(storage, _Storage):
        raise pickle.UnpicklingError("_rebuild_tensor on something that is not a storage")
    return storage.data.as_strided(tuple(size), tuple(stride), int(storage_offset))


ALLOWED = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch", "FloatStorage"): _FloatStorageType,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
}


class RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, f, storages=None):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        obj = ALLOWED.get((module, name))
        if obj is None:
            raise pickle.UnpicklingError("global %s.%s is not allowed by the restricted unpickler" % (module, name))
        return obj

    def persistent_load(self, pid):
        if self.storages is None:
            raise pickle.UnpicklingError("persistent id outside the object pickle")
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError("unsupported persistent id %r" % (pid,))
        storage_type, key, _location, numel = pid[1], pid[2], pid[3], pid[4]
        if storage_type is not _FloatStorageType:
            raise pickle.UnpicklingError("only FloatStorage is allowed")
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = _Storage(numel)
        return self.storages[key]


def restricted_load_bytes(data):
    """Parse a legacy torch.save byte string; return the object with plain (cloned) float32 tensors."""
    f = io.BytesIO(data)
    if data[:2] == b"PK":
        raise ValueError("zip-format torch.save file: only the legacy format is supported here")
    magic = RestrictedUnpickler(f).load()
    if magic != MAGIC_NUMBER:
        raise ValueError("not a legacy torch.save file (bad magic number)")
    version = RestrictedUnpickler(f).load()
    if version != PROTOCOL_VERSION:
        raise ValueError("unsupported legacy protocol version %r" % (version,))
    sys_info = RestrictedUnpickler(f).load()
    if not isinstance(sys_info, dict) or not sys_info.get("little_endian", True):
        raise ValueError("only little-endian files are supported")
    storages = {}
    obj = RestrictedUnpickler(f, storages).load()
    keys = RestrictedUnpickler(f).load()
    if not isinstance(keys, list) or set(keys) != set(storages):
        raise ValueError("storage key list does not match the storages referenced by the object")
    for key in keys:
        (count,) = struct.unpack("<q", f.read(8))
        st = storages[key]
        if count != st.data.numel():
            raise ValueError("storage %s: %d elements on disk, %d expected" % (key, count, st.data.numel()))
        raw = f.read(4 * count)
        if len(raw) != 4 * count:
            raise ValueError("truncated storage %s" % key)
        st.data.copy_(torch.from_numpy(np.frombuffer(raw, dtype="<f4").copy()))

    def detach(o):
        if isinstance(o, torch.Tensor):
            return o.clone()
        if isinstance(o, collections.OrderedDict):
            return collections.OrderedDict((k, detach(v)) for k, v in o.items())
        if isinstance(o, dict):
            return {k: detach(v) for k, v in o.items()}
        return o

    return detach(obj)


def restricted_load(path):
    with open(path, "rb") as f:
        return restricted_load_bytes(f.read())


def load_akamaster_state_dict(path):
    """{'best_prec1', 'state_dict'} with 'module.' keys -> a state dict for models.CifarResNet."""
    ck = restricted_load(path)
    sd = ck["state_dict"] if isinstance(ck, dict) and "state_dict" in ck else ck
    out = collections.OrderedDict()
    for k, v in sd.items():
        out[k[len("module."):] if k.startswith("module.") else k] = v
    return out, (ck.get("best_prec1") if isinstance(ck, dict) else None)
