"""The full MNIST, read through torchvision (optional: it needs a download once)."""
import numpy as np

from filterlab.engine.data.bundled import first_of_digit, sample_at, to_unit_float
from filterlab.engine.data.errors import DataError


def load_mnist(root, train: bool = True, download: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The full MNIST from `root` via torchvision: float32 images (N, 28, 28) in [0, 1] and int64 labels (N,).

    torchvision looks for root/MNIST/raw/{train,t10k}-{images-idx3,labels-idx1}-ubyte
    (all four files, uncompressed) and fetches them there when download is True.
    """
    from torchvision.datasets import MNIST  # heavy import, paid only by those who ask for full MNIST

    try:
        dataset = MNIST(root, train=train, download=download)
    except (RuntimeError, OSError) as error:  # torchvision's "Dataset not found", or a failed download
        if download:
            raise DataError(f"could not download MNIST into {root}; check the network connection") from error
        raise DataError(f"no MNIST found under {root}; pass --download to fetch it") from error
    except (AssertionError, TypeError, ValueError) as error:  # torchvision's checks on the file contents
        raise DataError(f"the MNIST files under {root} are damaged; delete them and download again") from error
    return to_unit_float(dataset.data.numpy()), dataset.targets.numpy().astype(np.int64)


def mnist_digit(root, digit=None, index=None, train=True, download=False) -> tuple[np.ndarray, int]:
    """One digit from the full MNIST: the first of class `digit`, or sample number `index`."""
    if (digit is None) == (index is None):
        raise DataError("give either a digit or a sample index, exactly one of the two")
    images, labels = load_mnist(root, train=train, download=download)
    if digit is not None:
        return first_of_digit(images, labels, digit)
    return sample_at(images, labels, index)
