"""The guided lesson: the experiment retold in steps, each putting the app in the state it describes.

A step has a title, words (with the current numbers plugged in: `text(snapshot)`), what
it does to the app when it is entered (`enter(window)`: a fixed seed, settings, a reset, a
pause, one step, a tab), the views to look at (`spotlight(window)`), link buttons, and
optionally a question to answer before the answer is revealed. Entering a step again gives
the same state, so a teacher can go back and forth in front of a class.

The story is the measured one (engine/core/explain.py, tests/engine/core/test_mechanism.py):
the gradient of a 28x28 filter is the image times one number, for any optimizer; one SGD step
is a copy of the digit, and SGD never touches the noise where the digit is blank; the article's
optimizer, Adam with weight decay, moves every weight by about lr and erases that noise. No
sentence asserts a number: each says what the snapshot on screen holds, and where the words
depend on what happened (a copy or not, a flipped filter or not) they follow the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from filterlab.engine.core.explain import COPY, anatomy, noise_range, per_filter
from filterlab.engine.core.metrics import loss_text, signed
from filterlab.gui.lesson.question import Question

LESSON_SEED = 0
FORMED_STEP = 300  # by then the filters have become the digit (mean |cosine| ~0.85)
SGD = {"optimizer": "sgd", "lr": 0.01, "weight_decay": 0.0}  # plain SGD: each step is -lr x gradient
COMPARED = (("SGD", SGD), ("Adam", {"weight_decay": 0.0}), ("Adam + weight decay", {}))


@dataclass(frozen=True)
class LessonStep:
    title: str
    text: Callable[[Optional[object]], str]
    enter: Callable[[object], None]
    spotlight: Callable[[object], list]
    links: tuple = field(default_factory=tuple)  # (button text, action(window)) pairs
    question: Optional[Question] = None


def _numbers(values, fmt: str = "{:+.3f}") -> str:
    return ", ".join(f"#{i + 1} {fmt.format(float(v))}" for i, v in enumerate(values))


def _step_words(snap) -> str:
    return "Step 0: nothing has been trained yet." if snap.step == 0 else f"Step {snap.step:,}."


# --------------------------------------------------------------------- the words
def _stage(snap) -> str:
    count = 5 if snap is None else snap.filters.shape[0]
    now = "" if snap is None else f" Now: {per_filter(snap.cosine)}. {_step_words(snap)}"
    return (f"<p>One handwritten digit from MNIST, 28 × 28 pixels: the <b>training digit</b>. "
            f"{count} <b>filters</b>, each as large as the image: 28 × 28 weights, drawn blue where negative "
            f"and red where positive.</p><p>They start as random noise. The number under each filter is "
            f"its <i>cosine similarity</i> to the digit, from −1 (the negative digit) through 0 (nothing "
            f"alike) to +1 (the digit itself).{now}</p>")


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
               f"loss {loss_text(snap.loss, 3)}.</p><p>dL/dz = {_numbers(dl)}.</p>")
    return ("<p>The <b>loss</b> is −log(probability of the right class): 0 when the network is sure and "
            "right, large when it is wrong.</p>"
            "<p>Backprop asks how the loss changes with each filter's output: <b>dL/dz<sub>k</sub></b>, "
            "again one number per filter. Its sign says whether that output should go up or down.</p>" + now)


def _gradient_is_the_image() -> str:
    return ("<p>For a 28 × 28 filter the gradient of its weights is</p>"
            "<p style='text-align:center'><b>dL/dw<sub>k</sub> = dL/dz<sub>k</sub> × x</b></p>"
            "<p>the image itself, scaled by one number. That holds whatever the optimizer: it is backprop.</p>")


def _settling(snap, optimizer: str) -> bool:
    """The screen does not show the step's state yet (the training thread is still setting it up)."""
    return snap is None or snap.config.optimizer != optimizer or snap.historical


def _sgd_step(snap) -> str:
    now = ""
    if not _settling(snap, "sgd") and snap.step > 0:
        a = anatomy(snap, 0)
        copy = abs(a.to_digit) >= COPY
        now = (f"<p>Measured for filter #1: dL/dz = {a.dl_dz:+.3g}, and the step taken Δw has a cosine of "
               f"<b>{signed(a.to_digit)}</b> to the digit — "
               + (f"it <b>is</b> a copy of {'the digit' if a.to_digit > 0 else 'the negative digit'}"
                  if copy else "not a copy") +
               (". Off the ink nothing moved (mean |Δw| there: 0)." if a.off_ink == 0 else
                f". Off the ink: mean |Δw| {a.off_ink:.2g}.") + "</p>")
    return (_gradient_is_the_image() +
            "<p>Plain <b>SGD</b> (lr 0.01, no weight decay) steps against it: Δw = −lr × dL/dz × x. "
            "So one SGD step adds a faint copy of the digit, or of its negative, and nothing where the "
            "digit is blank.</p>" + now +
            "<p><b>One step, taken apart</b> shows it: the image, dL/dz, their product (the gradient) and the "
            "step taken. Click another filter to take it apart.</p>")


def _sgd_run(snap) -> str:
    now = ""
    if not _settling(snap, "sgd") and snap.background_noise_left is not None:
        weights = np.abs(snap.class_weights)
        weakest = int(np.argmin(weights))
        now = (f"<p>Now ({_step_words(snap)[:-1]}): starting noise left where the digit is blank: "
               f"<b>{noise_range(snap.background_noise_left)}</b>. Cosines {per_filter(snap.cosine)}. Filter "
               f"#{weakest + 1} has the smallest weight to class {snap.label} ({snap.class_weights[weakest]:+.2f}) "
               f"and its cosine is {signed(snap.cosine[weakest])}"
               + (": the least digit of all." if np.nanargmin(np.abs(snap.cosine)) == weakest else ".") + "</p>")
    return ("<p>SGD, running as a <b>time-lapse</b>: a step or two a second at first, then faster (the status "
            "bar names the pace).</p><p>Each step adds another copy of the digit, so the digit grows — "
            "<b>on top of the noise</b>. Where the digit is blank the gradient is exactly 0, so SGD never touches "
            "the starting noise there: it stays for ever.</p><p>And each copy is scaled by dL/dz, which is "
            "scaled by the filter's weight to the label: a filter with a <b>small output weight</b> gets faint "
            "copies and barely learns.</p>" + now)


def _adam_step(snap) -> str:
    now = ""
    if not _settling(snap, "adam") and snap.step > 0:
        a = anatomy(snap, 0)
        lr = snap.config.lr
        now = (f"<p>Measured for filter #1: cos(Δw, digit) = <b>{signed(a.to_digit)}</b>"
               + (" — not a copy" if abs(a.to_digit) < COPY else "") +
               f"; mean |Δw| on the ink {a.on_ink:.2g}, off the ink {a.off_ink:.2g} (lr = {lr:g}).</p>")
    return ("<p>The article trained with <b>Adam</b> (lr 0.001) and <b>weight decay</b> 1e-5. The gradient is "
            "the same image × dL/dz; the step is not.</p>"
            "<p>Adam divides each weight's gradient by its own running size, so at first every weight moves by "
            "about lr, whatever its ink: the step keeps the gradient's signs, not its proportions.</p>"
            "<p>Where the digit is blank the loss gradient is exactly 0 — but weight decay adds a tiny pull, "
            "1e-5 × w, towards 0. Adam rescales that tiny pull to a full step of about lr.</p>" + now)


def _adam_run(snap) -> str:
    now = ""
    if not _settling(snap, "adam") and snap.background_noise_left is not None:
        now = (f"<p>Now ({_step_words(snap)[:-1]}): starting noise left where the digit is blank: "
               f"<b>{noise_range(snap.background_noise_left)}</b>; cosines {per_filter(snap.cosine)}.</p>")
    return ("<p>Adam with weight decay, running. Watch the background: the noise where the digit is blank fades "
            "out within about a hundred steps, while the ink takes the digit's shape.</p>"
            "<p><b>Learning added</b> splits each filter into its start and what training changed: here that "
            "change includes the <i>negative</i> of the starting noise off the ink — the noise being erased.</p>"
            + now)


def _compare_prompt() -> str:
    return ("the same digit, the same seed, three optimizers: which one draws the <b>clean</b> digit, with the "
            "background noise gone?")


def _compare_answer(snap) -> str:
    return ("<p>Only Adam <b>with weight decay</b>: its steps move the blank weights towards 0 (weight decay's pull, "
            "rescaled by Adam). Plain SGD and Adam without weight decay never move them: the gradient is exactly 0 "
            "there. The runs open side by side, each with <b>noise left off the ink</b> under its name.</p>"
            "<p>So the clean digit a class sees is Adam plus weight decay erasing the noise — not copies of the "
            "digit outweighing it.</p>")


def _negative(snap) -> str:
    if snap is None:
        now = ""
    else:
        negative = [i + 1 for i, w in enumerate(snap.class_weights) if w < 0]
        dl = snap.dl_dz.reshape(len(snap.dl_dz), -1)[:, 0]
        opposite = int(np.sum(np.sign(dl) == -np.sign(snap.class_weights)))
        now = (f"<p>Weights to class {snap.label} now: {_numbers(snap.class_weights)}. "
               + (f"Filters {', '.join(f'#{i}' for i in negative)} have a negative weight"
                  if negative else "No filter has a negative weight this time")
               + f"; their cosines: {per_filter(snap.cosine)}. dL/dz has the opposite sign of that weight for "
               f"{opposite} of {len(dl)} filters.</p>" + _flips(snap))
    return ("<p>Some filters became the <b>negative</b> digit (blue where the ink is). Why?</p>"
            "<p>Look at the output layer: each filter's output reaches the score of the target class "
            "through one weight. dL/dz = (p − 1) × that weight + what the other classes add, so while the network "
            "is unsure its sign is the <i>opposite</i> of the weight's. If that weight is <b>negative</b>, dL/dz is "
            "positive and the steps move the filter towards the negative digit. Either way the network gets it "
            "right.</p>" + now)


def _flips(snap) -> str:
    """A filter whose similarity curve first went one way, then the other: the bump, found in the record."""
    history, steps = snap.cosine_history, snap.cosine_steps
    if history.ndim != 2 or len(history) < 3:
        return ""
    for f in range(history.shape[1]):
        curve = history[:, f]
        final = np.sign(curve[-1])
        away = -final * curve
        peak = int(np.nanargmax(away))
        if final != 0 and peak > 0 and away[peak] > away[0] + 0.03 and abs(curve[-1]) > 0.5:
            weights = np.abs(snap.class_weights)
            small = (f" Its weight to class {snap.label} is {snap.class_weights[f]:+.2f} now"
                     + (", the smallest of all: with so small a weight, what the other classes add to dL/dz "
                        "can outweigh it." if int(np.argmin(weights)) == f else "."))
            return (f"<p>Look at filter #{f + 1}'s similarity curve: it first moved towards "
                    f"{'the digit' if final < 0 else 'the negative digit'} (cosine {signed(curve[peak])} at step "
                    f"{int(steps[peak]):,}), then turned round to {signed(curve[-1])}: dL/dz changed sign on the "
                    f"way — the bump in the curve.{small}</p>")
    return "<p>No filter changed direction on the way this time: every curve went one way.</p>"


def _hid(snap) -> str:
    if snap is None or snap.agreement is None:
        now = ""
    else:
        pixels = "0-255, as the article" if snap.config.pixel_scale == 255 else "0-1, as Filter Lab"
        noise = "" if snap.background_noise_left is None else \
            f"; noise left off the ink {noise_range(snap.background_noise_left)}"
        now = (f"<p>Now (pixels {pixels}, step {snap.step:,}): loss {loss_text(snap.loss, 3)}, the {snap.label}'s "
               f"probability {snap.probs[snap.label]:.6g}; binarised, {_numbers(snap.agreement, '{:.0%}')} of the "
               f"pixels agree with the digit; cosines {per_filter(snap.cosine)}{noise}.</p>")
    return ("<p>The article drew each filter as <i>filter &gt; its mean</i> in the “hot” map — white above its "
            "mean, black below: <b>as the article drew them</b>, now beside the signed filters. And its script "
            "fed the pixels as it read them, <b>0-255</b>; Filter Lab feeds 0-1. This is the article's own run, "
            f"{FORMED_STEP} steps.</p>"
            "<p><b>Raw pixels saturate the softmax:</b> z = w · x + b is 255 times larger, so within a few steps "
            "the right class's probability rounds to 1 in float32 and the loss to 0: the gradient vanishes while "
            "the filters are still mostly their random start. Only weight decay keeps moving them.</p>"
            "<p><b>The binarised picture hides it:</b> it keeps only which side of its mean each weight is on, so "
            "the noise left on the strokes and the sign disappear (a negative filter is drawn as an inverted "
            "digit), and weight decay has cleared the background, so the shape is all that shows.</p>"
            "<p><b>Pixels 0-1</b> keep z near 1: the loss falls over ~100 steps instead of a few, and keeps "
            "teaching. Switch between the two below.</p>" + now)


def _your_turn(snap) -> str:
    return ("<p><b>Your turn.</b> Draw a digit on the canvas (left button: ink, right button: erase), or "
            "pick another label (keys 0-9).</p><p>Guess first: will the filters become your drawing, or "
            "its negative? Which ones? <b>Predict, then reveal</b> holds you to it: commit a guess for one "
            "filter, and only then do the steps run, your guess beside the result. A blank canvas teaches "
            "nothing: every gradient is exactly 0.</p><p>Or paint on a filter (P, or double-click it) and "
            "watch backprop answer: on the ink the steps take your paint over, off the ink weight decay (under "
            "Adam) fades it.</p>")


def _beyond(snap) -> str:
    return ("<p>With one digit and filters as large as the image, each filter's gradient is that digit. "
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


def _step_once(settings: dict):
    def enter(window) -> None:
        window.lesson_start(LESSON_SEED, **settings)
        window.commands.step_once()
        window.show_tab("decomposition")
    return enter


def _run_slowly(settings: dict, tab: Optional[str] = None):
    def enter(window) -> None:
        window.lesson_start(LESSON_SEED, **settings)
        if tab is not None:
            window.show_tab(tab)
        window.use_lesson_pace()
        window.run.set_paused(False)
        window.commands.resume()
    return enter


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


COMPARE = Question(_compare_prompt(), tuple(name for name, _ in COMPARED), answer=2, explain=_compare_answer,
                   reveal=lambda window: window.open_comparison(COMPARED))

STEPS = (
    LessonStep("1. The stage", _stage, _start, lambda w: [w.filters, w.digit]),
    LessonStep("2. The forward pass", _forward, _start_on("prediction"), lambda w: [w.tabs]),
    LessonStep("3. The loss and dL/dz", _loss, _start_on("prediction"), lambda w: [w.loss, w.tabs]),
    LessonStep("4. The gradient is the image: one SGD step", _sgd_step, _step_once(SGD),
               lambda w: [w.decomposition]),
    LessonStep("5. SGD, run: the digit grows on top of the noise", _sgd_run, _run_slowly(SGD),
               lambda w: [w.filters, w.similarity]),
    LessonStep("6. The article's optimizer: Adam takes another step", _adam_step, _step_once({}),
               lambda w: [w.decomposition]),
    LessonStep("7. Adam + weight decay, run: the noise is erased", _adam_run, _run_slowly({}, "learned"),
               lambda w: [w.filters, w.tabs]),
    LessonStep("8. Predict: which optimizer draws the clean digit?", lambda snap: (
        "<p>Three runs from the same start, side by side. Choose, then reveal: the runs open in a window "
        "beside this one.</p>"), _start, lambda w: [w.filters], question=COMPARE),
    LessonStep("9. Why some filters become the negative digit", _negative, _formed,
               lambda w: [w.filters, w.similarity]),
    LessonStep("10. What the article's pictures hid", _hid, _original, lambda w: [w.filters, w.article],
               links=(("Raw pixels 0-255 (the article's)", lambda w: w.lesson_original(255, FORMED_STEP)),
                      ("Pixels 0-1 (Filter Lab's)", lambda w: w.lesson_original(1, FORMED_STEP)))),
    LessonStep("11. Your turn", _your_turn, _drawing, lambda w: [w.source, w.tabs],
               links=(("Predict, then reveal", lambda w: w.open_prediction()),
                      ("Paint on a filter", lambda w: w.paint_tools.toggle.setChecked(True)))),
    LessonStep("12. Beyond one digit", _beyond, lambda window: window.commands.pause(), lambda w: [],
               links=(("Small kernels (8 filters of 5 × 5)", lambda w: w.try_small_kernels()),
                      ("Many digits (all ten classes)", lambda w: w.open_experiment("set")),
                      ("The 1-D lab", lambda w: w.open_experiment("lab1d")))),
)
