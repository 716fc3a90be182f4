"""Colour for everyone: the shared colours under simulated colour blindness (colorspacious).

Each colour is passed through the Machado et al. (2009) simulation of full deuteranopia,
protanopia and tritanopia (colorspacious's "sRGB1+CVD", severity 100) and compared in
CAM02-UCS, where a distance of 1 is about a just noticeable difference. Run this file
(`python tests/engine/core/test_colour_vision.py`) to print the README's table.
"""
import itertools

import colorspacious
import numpy as np
import pytest

from filterlab.engine.core.colours import HAND_COLOR, LEARNED_COLOR, PETROFF10, TABLEAU10, TAP_COLORS
from filterlab.engine.render.style import diverging_cmap

VISIONS = ("normal", "deuteranomaly", "protanomaly", "tritanomaly")  # at severity 100: -anopia
NAMES = {"normal": "normal vision", "deuteranomaly": "deuteranopia", "protanomaly": "protanopia",
         "tritanomaly": "tritanopia"}


def seen(rgb, vision: str) -> np.ndarray:
    """sRGB colours (0-1) as a viewer with `vision` sees them."""
    rgb = np.asarray(rgb, dtype=float)
    if vision == "normal":
        return rgb
    cvd = {"name": "sRGB1+CVD", "cvd_type": vision, "severity": 100}
    return np.clip(colorspacious.cspace_convert(rgb, cvd, "sRGB1"), 0.0, 1.0)


def distance(a, b) -> float:
    return float(colorspacious.deltaE(a, b, input_space="sRGB1"))


def palette_distances(colours, vision: str) -> dict:
    """Least distance between neighbours in the palette's order, and between any two of the first 5 / all."""
    s = seen(np.asarray(colours) / 255.0, vision)
    pairs = lambda n: min(distance(s[i], s[j]) for i, j in itertools.combinations(range(n), 2))  # noqa: E731
    return {"adjacent": min(distance(s[i], s[i + 1]) for i in range(len(s) - 1)), "first 5": pairs(5),
            "all": pairs(len(s))}


def diverging_check(vision: str) -> dict:
    """Lightness J' along the map (256 samples): rising to the centre, falling after; and the signs apart."""
    lut = diverging_cmap()(np.linspace(0.0, 1.0, 256))[:, :3]
    s = seen(lut, vision)
    lightness = colorspacious.cspace_convert(s, "sRGB1", "CAM02-UCS")[:, 0]
    steps = np.diff(lightness)
    # +v against -v: could a viewer tell a weight's sign? (|v| from a quarter of the limit up)
    signs = min(distance(s[255 - i], s[i]) for i in range(0, 96))
    return {"rising": float(steps[:127].min()), "falling": float(-steps[128:].max()), "signs": signs,
            "lightness": (float(lightness[0]), float(lightness[128]), float(lightness[255]))}


@pytest.mark.parametrize("vision", VISIONS)
def test_diverging_map_keeps_its_order_and_its_signs(vision):
    check = diverging_check(vision)
    assert check["rising"] > 0 and check["falling"] > 0  # lightness monotonic on both sides of 0
    assert check["signs"] >= 12  # a quarter-limit weight and its negative stay far apart


@pytest.mark.parametrize("vision", ["deuteranomaly", "protanomaly"])
def test_tableau10_is_not_safe_and_petroff10_is(vision):
    # Tableau 10's orange and green (the 2nd and 3rd filter of the default five) merge.
    assert palette_distances(TABLEAU10, vision)["first 5"] < 6
    safe = palette_distances(PETROFF10, vision)
    assert safe["adjacent"] >= 14 and safe["all"] >= 14


def test_petroff10_stays_apart_for_normal_and_tritan_vision():
    for vision in ("normal", "tritanomaly"):
        assert palette_distances(PETROFF10, vision)["all"] >= 14


@pytest.mark.parametrize("vision", VISIONS)
def test_the_1d_labs_two_filters_stay_apart(vision):
    learned, hand = seen(np.array([LEARNED_COLOR, HAND_COLOR]) / 255.0, vision)
    assert distance(learned, hand) >= 25


def table() -> str:
    rows = ["| vision | RdBu: J' step to 0 / from 0 | RdBu: +v vs -v (least) | Tableau 10: adjacent / first 5 / all "
            "| Petroff 10: adjacent / first 5 / all | Dark2 taps: first 3 / all |"]
    rows.append("|---|---|---|---|---|---|")
    for vision in VISIONS:
        d = diverging_check(vision)
        t, p = palette_distances(TABLEAU10, vision), palette_distances(PETROFF10, vision)
        taps = seen(np.array(TAP_COLORS) / 255.0, vision)
        three = min(distance(taps[i], taps[j]) for i, j in itertools.combinations(range(3), 2))
        every = min(distance(taps[i], taps[j]) for i, j in itertools.combinations(range(len(taps)), 2))
        rows.append(f"| {NAMES[vision]} | {d['rising']:.3f} / {d['falling']:.3f} | {d['signs']:.1f} | "
                    f"{t['adjacent']:.1f} / {t['first 5']:.1f} / {t['all']:.1f} | "
                    f"{p['adjacent']:.1f} / {p['first 5']:.1f} / {p['all']:.1f} | {three:.1f} / {every:.1f} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
