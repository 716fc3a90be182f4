"""The placeholders a lesson's words may hold: each one a documented function of the snapshot on screen.

`{name}` in a lesson's words is replaced by what the snapshot shown holds, `{name:spec}` with a
Python format spec applied to the number (for a list, to each filter's number: `{cosines:+.3f}`).
Some placeholders are *phrases*: words that follow what happened (a copy of the digit or not,
the filter whose curve turned round, if any), computed here once from the numbers so no lesson
can assert them. Phrases take no format, and come in the lesson's language where
written here (English, German), else in English.

A placeholder with nothing to show yet (no frame drawn, no step taken, a value this run does
not measure) is None: the paragraph holding it is left out rather than showing a number that
is not there. A number that is not defined (a cosine of a flat filter) shows as "—".
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from filterlab.engine.core.explain import COPY, anatomy, noise_range, optimizer_name, per_filter
from filterlab.engine.core.metrics import UNDEFINED, loss_text, signed


@dataclass(frozen=True)
class Placeholder:
    doc: str
    value: Callable  # (snapshot or None, config) -> a number, a list of numbers, words, or None
    spec: Optional[str] = None  # the format used when the lesson gives none; None: words (no format allowed)
    each: bool = False  # a value per filter: "#1 +0.85, #2 …", the spec applied to each
    show: Optional[Callable] = None  # how one number is written when the lesson gives no format

    @property
    def words(self) -> bool:
        return self.spec is None and self.show is None


def _snap(function):
    """A placeholder that needs a snapshot: None before the first frame."""
    return lambda snap, config, de: None if snap is None else function(snap)


def _phrase(function):
    """Words from a snapshot, in the lesson's language (German or English)."""
    return lambda snap, config, de: None if snap is None else function(snap, de)


def _taken(function, phrase: bool = False):
    """A placeholder about the last step of filter #1: None at step 0 and for a step replayed from the record."""
    def value(snap, config, de):
        if snap is None or snap.step == 0 or snap.historical:
            return None
        a = anatomy(snap, 0)
        return function(a, snap, de) if phrase else function(a, snap)
    return value


def _first(values) -> np.ndarray:
    return np.asarray(values).reshape(len(values), -1)[:, 0]


def _step_words(snap, de: bool) -> str:
    if snap.step == 0:
        return "Schritt 0: noch nichts trainiert." if de else "Step 0: nothing has been trained yet."
    return f"Schritt {snap.step:,}.".replace(",", ".") if de else f"Step {snap.step:,}."


def _verdict(a, snap, de: bool) -> str:
    if not np.isfinite(a.to_digit) or abs(a.to_digit) < COPY:
        return "keine Kopie" if de else "not a copy"
    if de:
        return f"er **ist** eine Kopie {'der Ziffer' if a.to_digit > 0 else 'der negativen Ziffer'}"
    return f"it **is** a copy of {'the digit' if a.to_digit > 0 else 'the negative digit'}"


def _off_ink(a, snap, de: bool) -> str:
    if a.off_ink is None:
        return "Die Ziffer lässt kein Gewicht leer." if de else "The digit leaves no weight blank."
    if a.off_ink == 0:
        return ("Abseits der Tinte hat sich nichts bewegt (mittleres |Δw| dort: 0)." if de else
                "Off the ink nothing moved (mean |Δw| there: 0).")
    return f"Abseits der Tinte: mittleres |Δw| {a.off_ink:.2g}." if de else f"Off the ink: mean |Δw| {a.off_ink:.2g}."


def _weakest(snap, de: bool) -> str:
    weakest = int(np.argmin(np.abs(snap.class_weights)))
    cosines = np.abs(np.asarray(snap.cosine, np.float64))
    least = bool(np.isfinite(cosines).any()) and int(np.nanargmin(cosines)) == weakest
    weight, cos = f"{snap.class_weights[weakest]:+.2f}", signed(snap.cosine[weakest])
    if de:
        return (f"Filter #{weakest + 1} hat das kleinste Gewicht zur Klasse {snap.label} ({weight}), und sein "
                f"Kosinus ist {cos}" + (": von allen am wenigsten die Ziffer." if least else "."))
    return (f"Filter #{weakest + 1} has the smallest weight to class {snap.label} ({weight}) and its cosine is {cos}"
            + (": the least digit of all." if least else "."))


def _negative(snap, de: bool) -> str:
    negative = ", ".join(f"#{i + 1}" for i, w in enumerate(snap.class_weights) if w < 0)
    if de:
        return (f"Filter {negative} haben ein negatives Gewicht" if negative else
                "Diesmal hat kein Filter ein negatives Gewicht")
    return f"Filters {negative} have a negative weight" if negative else "No filter has a negative weight this time"


def _opposite(snap) -> int:
    return int(np.sum(np.sign(_first(snap.dl_dz)) == -np.sign(snap.class_weights)))


def flipped_filter(snap, de: bool = False) -> Optional[str]:
    """A filter whose similarity curve first went one way, then the other: the bump, found in the record."""
    history, steps = snap.cosine_history, snap.cosine_steps
    if history.ndim != 2 or len(history) < 3:
        return None
    for f in range(history.shape[1]):
        curve = history[:, f]
        final = np.sign(curve[-1])
        away = -final * curve
        if final == 0 or not np.isfinite(away).any():
            continue
        peak = int(np.nanargmax(away))
        if peak > 0 and away[peak] > away[0] + 0.03 and abs(curve[-1]) > 0.5:
            smallest = int(np.argmin(np.abs(snap.class_weights))) == f
            weight, at = f"{snap.class_weights[f]:+.2f}", f"{int(steps[peak]):,}"
            if de:
                small = (f" Sein Gewicht zur Klasse {snap.label} ist jetzt {weight}"
                         + (", das kleinste von allen: bei so kleinem Gewicht kann überwiegen, was die anderen "
                            "Klassen zu dL/dz beitragen." if smallest else "."))
                return (f"Sieh dir die Ähnlichkeitskurve von Filter #{f + 1} an: Sie bewegte sich zuerst auf "
                        f"{'die Ziffer' if final < 0 else 'die negative Ziffer'} zu (Kosinus {signed(curve[peak])} "
                        f"bei Schritt {at.replace(',', '.')}), dann drehte sie um bis {signed(curve[-1])}: dL/dz hat "
                        f"unterwegs das Vorzeichen gewechselt — der Knick in der Kurve.{small}")
            small = (f" Its weight to class {snap.label} is {weight} now"
                     + (", the smallest of all: with so small a weight, what the other classes add to dL/dz "
                        "can outweigh it." if smallest else "."))
            return (f"Look at filter #{f + 1}'s similarity curve: it first moved towards "
                    f"{'the digit' if final < 0 else 'the negative digit'} (cosine {signed(curve[peak])} at step "
                    f"{at}), then turned round to {signed(curve[-1])}: dL/dz changed sign on the "
                    f"way — the bump in the curve.{small}")
    if de:
        return "Diesmal hat kein Filter unterwegs die Richtung gewechselt: Jede Kurve ging nur in eine Richtung."
    return "No filter changed direction on the way this time: every curve went one way."


def _pixels(snap, de: bool) -> str:
    if snap.config.pixel_scale == 255:
        return "0-255, wie im Artikel" if de else "0-255, as the article"
    return "0-1, wie in Filter Lab" if de else "0-1, as Filter Lab"


def _optimizer(snap, config, de: bool) -> str:
    name = optimizer_name(_config(snap, config))
    if de:
        name = (name.replace(" with momentum ", " mit Momentum ").replace(" + weight decay ", " + Weight Decay ")
                .replace(", no weight decay", ", ohne Weight Decay"))
    return name


def _config(snap, config):
    return config if snap is None else snap.config


PLACEHOLDERS: dict[str, Placeholder] = {
    # the run
    "step": Placeholder("the step the run is at", _snap(lambda s: s.step), ","),
    "step_words": Placeholder('"Step 0: nothing has been trained yet." or "Step 1,234."', _phrase(_step_words)),
    "label": Placeholder("the class the digit is trained as", _snap(lambda s: s.label), "d"),
    "predicted": Placeholder("the class the network gives the highest probability",
                             _snap(lambda s: int(np.argmax(s.probs))), "d"),
    "filter_count": Placeholder("how many filters (before the first frame: the step's setting)",
                                lambda s, c, de: c.filters if s is None else s.filters.shape[0], "d"),
    "optimizer": Placeholder('the optimizer and its settings, e.g. "Adam + weight decay 1e-05"',
                             _optimizer),
    "lr": Placeholder("the learning rate", lambda s, c, de: _config(s, c).lr, "g"),
    "weight_decay": Placeholder("the weight decay", lambda s, c, de: _config(s, c).weight_decay, "g"),
    "momentum": Placeholder("SGD's momentum", lambda s, c, de: _config(s, c).momentum, "g"),
    "pixels": Placeholder('"0-1, as Filter Lab" or "0-255, as the article"', _phrase(_pixels)),
    # the forward pass and the loss
    "loss": Placeholder("the loss, 3 significant digits (0 for exactly 0, never -0)", _snap(lambda s: s.loss), ".3g",
                        show=lambda v: loss_text(v, 3)),
    "probability": Placeholder("the probability the network gives the digit's own class",
                               _snap(lambda s: float(s.probs[s.label])), ".0%"),
    "z": Placeholder("each filter's output z", _snap(lambda s: _first(s.z)), "+.3f", each=True),
    "dl_dz": Placeholder("each filter's dL/dz", _snap(lambda s: _first(s.dl_dz)), "+.3f", each=True),
    "class_weights": Placeholder("each filter's weight to the digit's class", _snap(lambda s: s.class_weights),
                                 "+.3f", each=True),
    # the filters
    "cosines": Placeholder("each filter's cosine similarity to the digit", _snap(lambda s: s.cosine), "+.2f",
                           each=True, show=signed),
    "noise_left": Placeholder('the starting noise left where the digit is blank, over the filters ("96%", '
                              '"0.3%-2%")', _snap(lambda s: None if s.background_noise_left is None
                                                  else noise_range(s.background_noise_left))),
    "agreement": Placeholder("each filter's binarised agreement with the digit (the article's picture)",
                             _snap(lambda s: s.agreement), ".0%", each=True),
    "weakest_filter": Placeholder("the filter with the smallest weight to the class, its weight and cosine",
                                  _phrase(_weakest)),
    "negative_filters": Placeholder('"Filters #2, #4 have a negative weight" or "No filter has a negative '
                                    'weight this time"', _phrase(_negative)),
    "opposite_sign": Placeholder("for how many filters dL/dz has the opposite sign of the class weight",
                                 _snap(_opposite), "d"),
    "flipped_filter": Placeholder("the first filter whose similarity curve turned round, found in the record, "
                                  "or that none did", _phrase(flipped_filter)),
    # the last step of filter #1 (step 0 and a replayed step have none)
    "last_step_cosine": Placeholder("cos(Δw, digit) of filter #1's last step", _taken(lambda a, s: a.to_digit),
                                    "+.2f", show=signed),
    "step_dl_dz": Placeholder("filter #1's dL/dz at its last step", _taken(lambda a, s: a.dl_dz), "+.3g"),
    "on_ink_change": Placeholder("mean |Δw| of filter #1's last step where the digit has ink",
                                 _taken(lambda a, s: a.on_ink), ".2g"),
    "off_ink_change": Placeholder("mean |Δw| of filter #1's last step where the digit is blank",
                                  _taken(lambda a, s: a.off_ink), ".2g"),
    "step_verdict": Placeholder('"it **is** a copy of the digit" (or of the negative digit) or "not a copy", '
                                "from the step's cosine", _taken(_verdict, True)),
    "off_ink_verdict": Placeholder('"Off the ink nothing moved (mean |Δw| there: 0)." or the amount it moved',
                                   _taken(_off_ink, True)),
}


SPEC = re.compile(r"[+\- ]?\d{0,2}[,_]?(\.\d{1,2})?[defg%]?")  # sign, width, grouping, precision, type


def check_spec(name: str, spec: Optional[str]) -> Optional[str]:
    """What is wrong with `{name:spec}`, or None."""
    if name not in PLACEHOLDERS:
        return f"unknown placeholder {{{name}}}"
    if spec is None:
        return None
    if PLACEHOLDERS[name].words:
        return f"{{{name}}} is words and takes no format"
    sample = 1 if PLACEHOLDERS[name].spec in ("d", ",") else 1.5
    try:
        if not SPEC.fullmatch(spec):
            raise ValueError(spec)
        format(sample, spec)
    except ValueError:
        return f"{{{name}:{spec}}}: '{spec}' is not a number format; use e.g. .3f, +.2f, .0%, .3g, , or d"
    return None


def _number(value, spec: str) -> str:
    if isinstance(value, (float, np.floating)) and not np.isfinite(value):
        return UNDEFINED
    if isinstance(value, np.generic):
        value = value.item()
    return format(value, spec)


def fill(name: str, spec: Optional[str], snap, config, language: str = "en") -> Optional[str]:
    """The words `{name:spec}` stands for now (phrases in German for a German lesson, else in English); None if
    there is nothing to show yet."""
    placeholder = PLACEHOLDERS[name]
    value = placeholder.value(snap, config, language == "de")
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if spec is None and placeholder.show is not None:
        write = placeholder.show
    else:
        number_spec = spec or placeholder.spec
        assert number_spec is not None, f"{{{name}}} is words (a str value) or has a spec or show"
        write = lambda v: _number(v, number_spec)
    if placeholder.each:
        return per_filter(value, lambda v: write(float(v)))
    text = write(value)
    if language == "de" and isinstance(value, (int, np.integer)):
        text = text.replace(",", ".")  # 1.234 Schritte
    return text


def reference() -> str:
    """The placeholders as a Markdown list (for the docs and the error messages)."""
    return "\n".join(f"- `{{{name}}}`: {p.doc}" for name, p in PLACEHOLDERS.items())
