"""The filters forming, as a GIF or an MP4 video: one Slide (engine/render/slides.py) per frame.

The frames are drawn one at a time and handed on as they come, so no list of full-size
pictures is kept. The GIF is written by Pillow, in one fixed palette (the diverging map
and greys, white kept white), with the last frame held for a moment before the loop
starts again and the steps it shows in its comment. The MP4 (H.264, what every slide
program and browser plays) is written by PyAV, whose wheels carry FFmpeg's libraries: no
ffmpeg program is needed. Both go through the one atomic writer.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, Optional

import numpy as np

from filterlab.engine.core import stops
from filterlab.engine.core.files import save_atomic
from filterlab.engine.render.frames import FrameSet
from filterlab.engine.render.slides import EXPORT_WIDTH, Slide
from filterlab.engine.render.style import gif_frame, pixels

FPS = 10
HOLD_MS = 2000     # the last frame stays this long before the animation loops
FORMATS = ("gif", "mp4")


def save_animation(frames: FrameSet, path, *, width: int = EXPORT_WIDTH, fps: float = FPS,
                   progress: Optional[Callable[[int, int], None]] = None) -> int:
    """Write `frames` to `path` as the GIF or MP4 its suffix names (atomically); return the frame count.

    Every frame uses its own symmetric limit: the weights grow by orders of magnitude
    during training, so a shared limit would show blank early frames. The colours show
    shape, the colorbar and the step counter say how large and when.
    """
    kind = Path(path).suffix.lower().lstrip(".") or "gif"
    if kind not in FORMATS:
        raise ValueError(f"an animation is a .gif or an .mp4, not .{kind}")
    if len(frames) == 0:
        raise ValueError("no frames to animate")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    pictures = _drawn(frames, width, progress)
    if kind == "gif":
        _save_gif(pictures, frames.steps, path, fps)
    else:
        _save_mp4(pictures, path, fps)
    return len(frames)


def _drawn(frames: FrameSet, width: int, progress) -> Iterator[np.ndarray]:
    """Each frame as an (H, W, 3) picture, drawn when it is asked for."""
    slide = Slide(frames.filters.shape[1], frames.filters.shape[-1], width)
    for i in range(len(frames)):
        with stops.deferred():  # Ctrl-C or SIGTERM ends the run between frames, never inside matplotlib's draw
            slide.show(frames.steps[i], frames.filters[i], frames.cosines[i], frames.images[i], frames.labels[i])
            picture = pixels(slide.figure)
            slide.figure.set_layout_engine("none")  # laid out on the first frame; the rest keep it
        if progress is not None:
            progress(i + 1, len(frames))  # a window shows it: rendering takes seconds
        yield picture


def _save_gif(pictures: Iterator[np.ndarray], steps, path, fps: float) -> None:
    first = gif_frame(next(pictures))
    durations = [int(1000 / fps)] * (len(steps) - 1) + [HOLD_MS]
    comment = "Filter Lab: the filters at steps " + ", ".join(str(int(s)) for s in steps)
    rest = (gif_frame(p) for p in pictures)  # Pillow takes them one by one, each kept in 256 colours
    save_atomic(path, lambda temp: first.save(temp, format="GIF", save_all=True, append_images=rest,
                                              duration=durations, loop=0, comment=comment))


def _save_mp4(pictures: Iterator[np.ndarray], path, fps: float) -> None:
    import av  # PyAV: FFmpeg's libraries, in its wheel

    first = next(pictures)
    height, width = (first.shape[0] // 2) * 2, (first.shape[1] // 2) * 2  # H.264 in 4:2:0 wants even sides

    def write(temp: str) -> None:
        with av.open(temp, mode="w", format="mp4") as container:
            stream = container.add_stream("libx264", rate=round(fps))
            stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
            stream.options = {"crf": "18"}  # sharp text and filters; the file stays small
            for picture in _with_hold(first, pictures, round(HOLD_MS * fps / 1000)):
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture[:height, :width]), format="rgb24")
                container.mux(stream.encode(frame))
            container.mux(stream.encode(None))  # flush the encoder
    save_atomic(path, write)


def _with_hold(first: np.ndarray, rest: Iterator[np.ndarray], hold: int) -> Iterator[np.ndarray]:
    """The pictures, the last one repeated `hold` more times (a video has no per-frame duration)."""
    last = first
    yield first
    for picture in rest:
        last = picture
        yield picture
    for _ in range(hold):
        yield last
