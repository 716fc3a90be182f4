"""MNIST as files on disk, made from arrays: torchvision's format without a download."""
import pathlib

import numpy as np


def write_idx_mnist(root, images_uint8, labels, train=True):
    """Write images and labels as MNIST IDX files, where torchvision looks for them.

    IDX: a big-endian uint32 magic number (2051 for images, 2049 for labels),
    one big-endian uint32 per dimension, then the uint8 data.
    """
    raw = pathlib.Path(root) / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    prefix = "train" if train else "t10k"
    images = np.asarray(images_uint8, dtype=np.uint8)
    labels = np.asarray(labels, dtype=np.uint8)
    header = np.array([2051, *images.shape], dtype=">u4").tobytes()
    (raw / f"{prefix}-images-idx3-ubyte").write_bytes(header + images.tobytes())
    header = np.array([2049, len(labels)], dtype=">u4").tobytes()
    (raw / f"{prefix}-labels-idx1-ubyte").write_bytes(header + labels.tobytes())
