"""Headless figures of the filters: a labelled summary PNG and animation frames.

Pillow + numpy only, so it runs on a machine with no display and no Qt.
Filter weights use the shared diverging colormap (blue = negative,
red = positive) with zero-centred limits, because a filter may converge
to the digit or to its negative and the sign must stay readable.
"""

import math
from typing import Sequence

import numpy as np
from PIL import Image, ImageDraw

from filterlab.engine.core.colours import apply_diverging, symmetric_limit
from filterlab.engine.core.files import save_atomic
from filterlab.engine.render.drawing import (
    BACKGROUND,
    BODY_SIZE,
    CELL,
    COLORBAR_HEIGHT,
    COLORBAR_WIDTH,
    GAP,
    INK,
    LEGEND,
    MARGIN,
    MAX_COLUMNS,
    MUTED,
    OUTLINE,
    SECTION_GAP,
    TITLE_SIZE,
    line_height,
    load_font,
    text_strip,
    upscale,
    vstack,
)


def _as_filters(filters) -> np.ndarray:
    arr = np.asarray(filters, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[0] == 0 or arr.shape[1] != arr.shape[2]:
        raise ValueError(f"filters must have shape (F, k, k) with F >= 1, got {arr.shape}")
    return arr


def _tiles(filters: np.ndarray, limits: Sequence[float], cell: int) -> list:
    """Colour each filter with its limit and upscale it by an integer factor to about ``cell`` px."""
    factor = max(1, cell // filters.shape[1])
    return [upscale(apply_diverging(f, lim), factor) for f, lim in zip(filters, limits)]


def _grid(tiles: Sequence[np.ndarray], columns: int, captions: Sequence[Sequence[str]], font) -> Image.Image:
    """Tiles in rows of at most ``columns``, each outlined, captions centred underneath.

    A 1 px outline separates a near-zero (near-white) filter from the background.
    """
    th, tw = tiles[0].shape[:2]
    line_h = line_height(font)
    n_lines = max((len(c) for c in captions), default=0)
    cols = min(columns, len(tiles))
    rows = math.ceil(len(tiles) / cols)
    cell_w, cell_h = tw + 2, th + 2 + n_lines * line_h
    out = Image.new("RGB", (cols * cell_w + (cols - 1) * GAP, rows * cell_h + (rows - 1) * GAP), BACKGROUND)
    draw = ImageDraw.Draw(out)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        x, y = c * (cell_w + GAP), r * (cell_h + GAP)
        draw.rectangle((x, y, x + tw + 1, y + th + 1), outline=OUTLINE)
        out.paste(Image.fromarray(tile), (x + 1, y + 1))
        for j, line in enumerate(captions[i] if captions else ()):
            lx = x + (cell_w - font.getbbox(line)[2]) // 2
            draw.text((lx, y + th + 2 + j * line_h), line, font=font, fill=INK)
    return out


def _colorbar(labels: Sequence[str], font) -> Image.Image:
    """Horizontal bar from -L (blue) through 0 to +L (red), labels underneath."""
    bar = apply_diverging(np.linspace(-1.0, 1.0, COLORBAR_WIDTH), 1.0)[None].repeat(COLORBAR_HEIGHT, axis=0)
    width = COLORBAR_WIDTH + 2
    out = Image.new("RGB", (width, COLORBAR_HEIGHT + 5 + line_height(font)), BACKGROUND)
    draw = ImageDraw.Draw(out)
    draw.rectangle((0, 0, width - 1, COLORBAR_HEIGHT + 1), outline=OUTLINE)
    out.paste(Image.fromarray(bar), (1, 1))
    draw.line((width // 2, COLORBAR_HEIGHT + 2, width // 2, COLORBAR_HEIGHT + 4), fill=INK)
    low, mid, high = labels
    y = COLORBAR_HEIGHT + 5
    draw.text((0, y), low, font=font, fill=INK)
    draw.text((width // 2 - font.getbbox(mid)[2] // 2, y), mid, font=font, fill=INK)
    draw.text((width - font.getbbox(high)[2], y), high, font=font, fill=INK)
    return out


def _block(heading: str, heading_width: int, filters: np.ndarray, cosines: Sequence[float], scale_each: bool, font,
           targets=None) -> Image.Image:
    """Heading + colorbar, then the filter grid with a cosine under each filter.

    ``heading_width`` is shared by the blocks so their colorbars line up.
    ``targets`` (one per filter) name what each cosine is taken to, when that differs.
    """
    cos_text = [f"cos {float(c):+.2f}" + (f" to {targets[i]}" if targets is not None else "")
                for i, c in enumerate(cosines)]
    if scale_each:
        limits = [symmetric_limit(f) for f in filters]
        captions = [[text, f"L = {lim:.3g}"] for text, lim in zip(cos_text, limits)]
        bar_labels = ("-L", "0", "+L")
    else:
        limits = [symmetric_limit(filters)] * len(filters)
        captions = [[text] for text in cos_text]
        bar_labels = (f"-{limits[0]:.3g}", "0", f"+{limits[0]:.3g}")
    grid = _grid(_tiles(filters, limits, CELL), MAX_COLUMNS, captions, font)
    title = text_strip(heading, font)
    bar = _colorbar(bar_labels, font)
    header = Image.new("RGB", (max(grid.width, heading_width + 3 * GAP + bar.width), bar.height), BACKGROUND)
    header.paste(title, (0, 0))
    header.paste(bar, (header.width - bar.width, 0))
    return vstack([header, grid], gap=GAP, margin=0)


def _digit_section(image, caption: str, font) -> Image.Image:
    """The training image in gray, captioned."""
    digit = np.asarray(image, dtype=np.float64)
    if digit.ndim != 2:
        raise ValueError(f"image must be 2-D, got shape {digit.shape}")
    gray = np.rint(np.clip(np.nan_to_num(digit), 0.0, 1.0) * 255).astype(np.uint8)
    tile = upscale(np.stack([gray] * 3, axis=-1), max(1, CELL // max(digit.shape)))
    return vstack([text_strip(caption, font), _grid([tile], 1, (), font)], gap=GAP, margin=0)


def filter_figure(image, initial, final, initial_cos, final_cos, *, title="", scale_each=False,
                  image_caption="digit", targets=None) -> Image.Image:
    """Summary figure: the digit, the initial filters and the trained filters.

    Each block of filters shares one zero-centred colour limit, because the
    initial weights (~0.036) are far smaller than the trained ones and a
    single limit would wash the initial block out.  ``scale_each`` gives every
    filter its own limit (printed under it) to compare shapes rather than sizes.
    A set run shows its mean image (``image_caption``) and names each filter's
    cosine target (``targets``, e.g. its class).
    """
    initial, final = _as_filters(initial), _as_filters(final)
    if initial.shape != final.shape:
        raise ValueError(f"initial {initial.shape} and final {final.shape} filters differ in shape")
    if not len(initial_cos) == len(final_cos) == initial.shape[0]:
        raise ValueError("need one cosine per filter for both initial and final")
    body, head = load_font(BODY_SIZE), load_font(TITLE_SIZE)
    suffix = " (each scaled to its own L)" if scale_each else ""
    headings = ("initial filters" + suffix, "trained filters" + suffix)
    heading_width = max(body.getbbox(h)[2] for h in headings)
    sections = [
        _digit_section(image, image_caption, body),
        _block(headings[0], heading_width, initial, initial_cos, scale_each, body, targets),
        _block(headings[1], heading_width, final, final_cos, scale_each, body, targets),
        text_strip(LEGEND, body, fill=MUTED),
    ]
    if title:
        sections.insert(0, text_strip(title, head))
    return vstack(sections, gap=SECTION_GAP, margin=MARGIN)


def comparison_figure(image, runs: Sequence[tuple[str, np.ndarray, Sequence[float]]], *, title="") -> Image.Image:
    """Runs side by side: the digit, then one block of trained filters per (name, filters, cosines).

    Each run gets its own colour limit: runs differ in weight size by orders of
    magnitude (SGD vs Adam, zeros vs random), and the comparison is about shape.
    """
    if not runs:
        raise ValueError("need at least one run to show")
    body, head = load_font(BODY_SIZE), load_font(TITLE_SIZE)
    heading_width = max(body.getbbox(name)[2] for name, _, _ in runs)
    blocks = []
    for name, filters, cosines in runs:
        filters = _as_filters(filters)
        if len(cosines) != len(filters):
            raise ValueError(f"need one cosine per filter for {name}")
        blocks.append(_block(name, heading_width, filters, cosines, False, body))
    sections = [_digit_section(image, "digit", body), *blocks, text_strip(LEGEND, body, fill=MUTED)]
    if title:
        sections.insert(0, text_strip(title, head))
    return vstack(sections, gap=SECTION_GAP, margin=MARGIN)


def grid_frame(filters, *, limit=None, step=None, columns=None, cell=None) -> Image.Image:
    """Only the filter grid, as one animation frame, optionally captioned "step N"."""
    filters = _as_filters(filters)
    lim = symmetric_limit(filters) if limit is None else limit
    tiles = _tiles(filters, [lim] * len(filters), CELL if cell is None else cell)
    font = load_font(BODY_SIZE)
    parts = [] if step is None else [text_strip(f"step {step}", font)]
    parts.append(_grid(tiles, MAX_COLUMNS if columns is None else columns, (), font))
    return vstack(parts, gap=GAP, margin=GAP)


def save_gif(frames_filters: np.ndarray, steps: Sequence[int], path, *, fps=10, limit=None,
             progress=None) -> int:
    """Animate (T, F, k, k) filter snapshots into a looping GIF; return the frame count.

    With ``limit=None`` every frame uses its own symmetric limit: the weights
    grow by orders of magnitude during training, so a shared limit would show
    blank early frames.  The colours show shape, the caption shows when.
    Pillow merges byte-identical consecutive frames, so steps should be distinct.
    """
    snapshots = np.asarray(frames_filters, dtype=np.float64)
    if snapshots.ndim != 4:
        raise ValueError(f"frames_filters must have shape (T, F, k, k), got {snapshots.shape}")
    steps = list(steps)
    if snapshots.shape[0] == 0:
        raise ValueError("no frames to animate")
    if len(steps) != snapshots.shape[0]:
        raise ValueError(f"{len(steps)} steps for {snapshots.shape[0]} frames")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    frames = []
    for filters, step in zip(snapshots, steps):
        frames.append(grid_frame(filters, limit=limit, step=step))
        if progress is not None:
            progress(len(frames), len(snapshots))  # a window shows it; rendering takes seconds
    # A longer step caption may widen a frame; GIF frames must share one size.
    size = (max(f.width for f in frames), max(f.height for f in frames))
    canvases = [Image.new("RGB", size, BACKGROUND) for _ in frames]
    for canvas, frame in zip(canvases, frames):
        canvas.paste(frame, (0, 0))
    save_atomic(path, lambda tmp: canvases[0].save(
        tmp, format="GIF", save_all=True, append_images=canvases[1:], duration=int(1000 / fps), loop=0))
    return len(canvases)


GIF_FRAMES = 120  # enough for a smooth story, small enough for a slide


def gif_frames(history, count: int = GIF_FRAMES) -> tuple[list, list]:
    """(frames, steps): at most `count` evenly spaced recorded frames, ending on the newest."""
    every = max(1, -(-len(history) // count))
    indices = list(range(0, len(history), every))
    if indices[-1] != len(history) - 1:
        indices.append(len(history) - 1)
    return [history.frames[i] for i in indices], [history.steps[i] for i in indices]
