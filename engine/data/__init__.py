"""Digits for Filter Lab: where they come from and how they are made to look like MNIST.

The network only ever sees 28x28 float32 images in [0, 1] with bright ink on a dark
background, because that is what MNIST looks like and what the filters learn from.
This package is the one door every digit comes through:

* `bundled`: the 1,000 MNIST digits shipped with the app, so it works offline;
* `mnist` and `idx`: the full MNIST, read from its IDX files here (torchvision downloads it once);
* `images`: any picture file the user brings, made into an MNIST-style digit.

Anything wrong with the user's data becomes a DataError with a one-sentence message,
so the terminal and the GUI can show it as it is instead of a traceback.
No Qt here: the engine must run headless.
"""
from filterlab.engine.data.bundled import BUNDLED_PATH, bundled_digit, bundled_index, load_bundled
from filterlab.engine.data.errors import DataError
from filterlab.engine.data.images import load_image_bytes, load_image_file, to_mnist_style
from filterlab.engine.data.mnist import load_mnist, mnist_digit

__all__ = ["BUNDLED_PATH", "DataError", "bundled_digit", "bundled_index", "load_bundled", "load_image_bytes",
           "load_image_file", "load_mnist", "mnist_digit", "to_mnist_style"]
