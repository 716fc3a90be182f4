"""The guided lesson: the experiment retold in steps, each putting the app in the state it describes.

A step has a title, words (with the current numbers plugged in: `text(snapshot)`), what
it does to the app when it is entered (`enter(window)`: a fixed seed, a reset, a pause,
one step, a tab) and the views to look at (`spotlight(window)`). Entering a step again
gives the same state, so a teacher can go back and forth in front of a class.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

LESSON_SEED = 0
FORMED_STEP = 300  # by then the filters have become the digit (mean |cosine| ~0.85)


@dataclass(frozen=True)
class LessonStep:
    title: str
    text: Callable[[Optional[object]], str]
    enter: Callable[[object], None]
    spotlight: Callable[[object], list]
    links: tuple = field(default_factory=tuple)  # (button text, action(window)) pairs


def _numbers(values, fmt: str = "{:+.3f}") -> str:
    return ", ".join(f"#{i + 1} {fmt.format(float(v))}" for i, v in enumerate(values))


# --------------------------------------------------------------------- the words
def _stage(snap) -> str:
    count = 5 if snap is None else snap.filters.shape[0]
    cos = "" if snap is None else f" Now: {_numbers(snap.cosine, '{:+.2f}')}."
    return (f"<p>One handwritten digit from MNIST, 28 × 28 pixels: the <b>training digit</b>. "
            f"{count} <b>filters</b>, each as large as the image: 28 × 28 weights, drawn blue where negative "
            f"and red where positive.</p><p>They start as random noise. The number under each filter is "
            f"its <i>cosine similarity</i> to the digit, from −1 (the negative digit) through 0 (nothing "
            f"alike) to +1 (the digit itself).{cos}</p><p>Step 0: nothing has been trained yet.</p>")


def _forward(snap) -> str:
    z = "" if snap is None else f"<p>Now: z = {_numbers(snap.z.reshape(len(snap.z), -1)[:, 0])}.</p>"
    return ("<p>A filter as large as the image sees all of it at once, so its output is <b>one number</b>:</p>"
            "<p style='text-align:center'>z<sub>k</sub> = w<sub>k</sub> · x + b<sub>k</sub></p>"
            "<p>every weight times the pixel under it, summed, plus a bias.</p>" + z +
            "<p>The filters' numbers go through one linear layer to ten class scores; a softmax "
            "turns those into the probabilities in <b>prediction</b>.</p>")


def _loss(snap) -> str:
    if snap is None:
        now = ""
    else:
        dl = snap.dl_dz.reshape(len(snap.dl_dz), -1)[:, 0]
        now = (f"<p>Now the network gives the {snap.label} a probability of {snap.probs[snap.label]:.0%}: "
               f"loss {snap.loss:.3f}.</p><p>dL/dz = {_numbers(dl)}.</p>")
    return ("<p>The <b>loss</b> is −log(probability of the right class): 0 when the network is sure and "
            "right, large when it is wrong.</p>"
            "<p>Backprop asks how the loss changes with each filter's output: <b>dL/dz<sub>k</sub></b>, "
            "again one number per filter. Its sign says whether that output should go up or down.</p>" + now)


def _one_step(snap) -> str:
    dl = "" if snap is None else f" (here dL/dz of filter #1 was {float(snap.dl_dz[0].ravel()[0]):+.3g})"
    return ("<p>The app took exactly one step. For a 28 × 28 filter the gradient of its weights is</p>"
            "<p style='text-align:center'><b>dL/dw<sub>k</sub> = dL/dz<sub>k</sub> × x</b></p>"
            f"<p>the image itself, scaled by one number{dl}. Gradient descent moves against it, so every "
            "step adds a faint copy of the digit, or of its negative, to each filter.</p>"
            "<p><b>One step, taken apart</b> shows it for one filter: the image, dL/dz, their product "
            "(the gradient) and the step Adam actually took. Click another filter to take it apart.</p>")


def _watch(snap) -> str:
    return ("<p>Training now runs as a <b>time-lapse</b>: a step or two a second at first, then faster "
            "(the status bar names the pace).</p><p>Watch the noise give way to the digit: each step adds "
            "another copy of it. The <b>similarity</b> curves climb from 0 towards +1 or −1.</p>"
            "<p>Press Space to pause, S for one step; the timeline and <b>Replay</b> bring the first steps "
            "back.</p>")


def _negative(snap) -> str:
    if snap is None:
        now = ""
    else:
        negative = [i + 1 for i, w in enumerate(snap.class_weights) if w < 0]
        now = (f"<p>Weights to class {snap.label} now: {_numbers(snap.class_weights)}. "
               + (f"Filters {', '.join(f'#{i}' for i in negative)} have a negative weight"
                  if negative else "No filter has a negative weight this time")
               + f"; their cosines: {_numbers(snap.cosine, '{:+.2f}')}.</p>")
    return ("<p>Some filters became the <b>negative</b> digit (blue where the ink is). Why?</p>"
            "<p>Look at the output layer: each filter's output reaches the score of the target class "
            "through one weight. If that weight is <b>negative</b>, the filter firing on the digit lowers "
            "the right score, so backprop makes it fire <i>less</i> on the digit: dL/dz is positive and "
            "every step subtracts the image. Either way the network gets it right.</p>" + now)


def _hid(snap) -> str:
    if snap is None or snap.agreement is None:
        now = ""
    else:
        pixels = "0-255, as the article" if snap.config.pixel_scale == 255 else "0-1, as Filter Lab"
        now = (f"<p>Now (pixels {pixels}, step {snap.step:,}): loss {snap.loss:.3g}; binarised, "
               f"{_numbers(snap.agreement, '{:.0%}')} of the pixels agree with the digit; cosines "
               f"{_numbers(snap.cosine, '{:+.2f}')}.</p>")
    return ("<p>The article drew each filter as <i>filter &gt; its mean</i> in the “hot” map — white above its "
            "mean, black below: <b>as the article drew them</b>, now beside the signed filters. And its script "
            "fed the pixels as it read them, <b>0-255</b>; Filter Lab feeds 0-1. This is the article's own run, "
            f"{FORMED_STEP} steps.</p>"
            "<p><b>Raw pixels saturate the softmax at once:</b> z = w · x + b is 255 times larger, so after six "
            "steps the right class leads the others by 19: its probability rounds to exactly 1 in float32, the "
            "loss is exactly 0.0 and its gradient ~1e-15. Learning stops with the filters still mostly their "
            "random start.</p>"
            "<p><b>The binarised picture hides it:</b> it keeps only which side of its mean each weight is on, so "
            "the noise left on the strokes and the sign disappear (a negative filter is drawn as an inverted "
            "digit) — weight decay has cleared the background, and the shape is all that shows.</p>"
            "<p><b>Pixels 0-1</b> keep z near 1: the loss falls over ~100 steps instead of 5, and every step adds "
            "the digit again until it outweighs the noise. Switch between the two below.</p>" + now)


def _your_turn(snap) -> str:
    return ("<p><b>Your turn.</b> Draw a digit on the canvas (left button: ink, right button: erase), or "
            "pick another label (keys 0-9).</p><p>Guess first: will the filters become your drawing, or "
            "its negative? Which ones? <b>Predict, then reveal</b> holds you to it: commit a guess for one "
            "filter, and only then do the steps run, your guess beside the result. A blank canvas teaches "
            "nothing: every gradient is exactly 0.</p><p>Or paint on a filter (P, or double-click it) and "
            "watch backprop answer.</p>")


def _beyond(snap) -> str:
    return ("<p>With one digit and filters as large as the image, each filter simply becomes the digit. "
            "Real CNNs use <b>small kernels</b> and <b>many images</b>, and then filters learn strokes and "
            "edges the classes share.</p><p>And are filters designed or learned? The <b>1-D lab</b> trains "
            "three random numbers to find the peaks of a sequence: does backprop find the hand-designed "
            "[−1, 1, −1]?</p>")


# --------------------------------------------------------------------- the states
def _start(window) -> None:
    window.lesson_start(LESSON_SEED)


def _start_on(tab_name: str):
    def enter(window) -> None:
        window.lesson_start(LESSON_SEED)
        window.show_tab(tab_name)
    return enter


def _step_once(window) -> None:
    window.lesson_start(LESSON_SEED)
    window.commands.step_once()
    window.show_tab("decomposition")


def _run_slowly(window) -> None:
    window.lesson_start(LESSON_SEED)
    window.use_lesson_pace()
    window.run.set_paused(False)
    window.commands.resume()


def _formed(window) -> None:
    window.lesson_start(LESSON_SEED)
    window.commands.train(FORMED_STEP)


def _original(window) -> None:
    window.lesson_original(255, FORMED_STEP)


def _drawing(window) -> None:
    window.leave_original()
    window.use_lesson_pace()
    window.run.set_paused(False)
    window.commands.resume()


STEPS = (
    LessonStep("1. The stage", _stage, _start, lambda w: [w.filters, w.digit]),
    LessonStep("2. The forward pass", _forward, _start_on("prediction"), lambda w: [w.tabs]),
    LessonStep("3. The loss and dL/dz", _loss, _start_on("prediction"), lambda w: [w.loss, w.tabs]),
    LessonStep("4. One step, taken apart", _one_step, _step_once, lambda w: [w.decomposition]),
    LessonStep("5. Run slowly and watch", _watch, _run_slowly, lambda w: [w.filters, w.similarity]),
    LessonStep("6. Why some filters become the negative digit", _negative, _formed,
               lambda w: [w.filters]),
    LessonStep("7. What the article's pictures hid", _hid, _original, lambda w: [w.filters, w.article],
               links=(("Pixels 0-255, as the article's script read them", lambda w: w.lesson_original(255, FORMED_STEP)),
                      ("Pixels 0-1, as Filter Lab feeds them", lambda w: w.lesson_original(1, FORMED_STEP)))),
    LessonStep("8. Your turn", _your_turn, _drawing, lambda w: [w.source, w.tabs],
               links=(("Predict, then reveal", lambda w: w.open_prediction()),
                      ("Paint on a filter", lambda w: w.paint_tools.toggle.setChecked(True)))),
    LessonStep("9. Beyond one digit", _beyond, lambda window: window.commands.pause(), lambda w: [],
               links=(("Small kernels (8 filters of 5 × 5)", lambda w: w.try_small_kernels()),
                      ("Many digits (all ten classes)", lambda w: w.open_experiment("set")),
                      ("The 1-D lab", lambda w: w.open_experiment("lab1d")))),
)
