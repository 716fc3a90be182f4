"""The filters forming as a GIF or an MP4: one size, the steps in order, the end held, written whole."""
import os

import av
import numpy as np
import pytest
from PIL import Image, ImageSequence

from filterlab.engine.cli.launch import GIF_SUFFIXES
from filterlab.engine.render.animation import FORMATS, HOLD_MS, save_animation
from filterlab.engine.render.frames import FrameSet

RNG = np.random.default_rng(3)
DIGIT = np.zeros((28, 28))
DIGIT[6:22, 12:16] = 1.0


def frame_set(count=5, filters=3):
    grow = np.linspace(0.0, 1.0, count)[:, None, None, None]
    weights = 0.03 * RNG.normal(size=(count, filters, 28, 28)) * (1 - grow) + 0.4 * grow * DIGIT
    return FrameSet(steps=np.arange(count) * 10, filters=weights,
                    cosines=np.linspace(0, 0.9, count)[:, None].repeat(filters, axis=1),
                    images=np.repeat(DIGIT[None], count, axis=0), labels=np.full(count, 1))


def test_gif_frames_share_a_size_and_a_palette_hold_the_end_and_name_their_steps(tmp_path):
    path = tmp_path / "filters.gif"
    seen = []
    assert save_animation(frame_set(5), path, fps=5, progress=lambda done, total: seen.append((done, total))) == 5
    assert seen == [(i, 5) for i in range(1, 6)]
    assert os.listdir(tmp_path) == ["filters.gif"]
    with Image.open(path) as gif:
        assert gif.n_frames == 5 and gif.width == 1200
        assert gif.info["comment"] == b"Filter Lab: the filters at steps 0, 10, 20, 30, 40"
        durations = [frame.info["duration"] for frame in ImageSequence.Iterator(gif)]
        sizes = {frame.size for frame in ImageSequence.Iterator(gif)}
        gif.seek(4)
        last = np.asarray(gif.convert("RGB"))
    assert durations == [200, 200, 200, 200, HOLD_MS] and len(sizes) == 1
    assert (last[2] == 255).all()  # the page's top rows: white, not the palette's nearest grey


def test_mp4_is_h264_at_the_width_asked_with_the_end_held(tmp_path):
    path = tmp_path / "filters.mp4"
    assert save_animation(frame_set(4), path, width=1600, fps=5) == 4
    assert os.listdir(tmp_path) == ["filters.mp4"]
    with av.open(str(path)) as video:
        stream = video.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.width == 1600 and stream.height % 2 == 0
        pictures = [frame.to_ndarray(format="rgb24") for frame in video.decode(stream)]
    assert len(pictures) == 4 + HOLD_MS * 5 // 1000  # the last frame held for HOLD_MS
    assert np.abs(pictures[-1].astype(int) - pictures[4]).mean() < 0.5  # held: the same picture
    assert np.abs(pictures[0].astype(int) - pictures[-1]).mean() > 1  # the filters changed
    assert pictures[0][2].min() >= 245  # white page


def test_the_command_line_takes_what_it_can_write():
    assert GIF_SUFFIXES == tuple(f".{kind}" for kind in FORMATS)


def test_save_animation_refuses_nothing_another_format_and_a_missing_folder_leaves_nothing(tmp_path):
    empty = FrameSet(*(np.zeros((0,) + s) for s in ((), (3, 28, 28), (3,), (28, 28), ())))
    with pytest.raises(ValueError):
        save_animation(empty, tmp_path / "a.gif")
    with pytest.raises(ValueError, match=r"\.gif or an \.mp4"):
        save_animation(frame_set(2), tmp_path / "a.avi")
    with pytest.raises(OSError):
        save_animation(frame_set(2), tmp_path / "missing" / "a.mp4")
    assert os.listdir(tmp_path) == []
