"""The runtime the app trains in: one torch thread, denormals flushed, NumPy's BLAS on one thread."""
import sys

import numpy as np
import pytest

from filterlab.engine.core.runtime import single_threaded_blas


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the loaded libraries are read from /proc")
def test_numpys_openblas_is_asked_for_one_thread():
    blas = np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]
    if "openblas" not in blas.lower():
        pytest.skip(f"NumPy uses {blas}")
    np.ones((64, 64)) @ np.ones((64, 64))  # the library is loaded
    assert single_threaded_blas() >= 1

