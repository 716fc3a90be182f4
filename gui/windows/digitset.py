"""The digit window on a set of digits (`--classes`): minibatches, test accuracy in the status bar.

The digits come from the minibatches, so the canvas and the digit sources are off; the
filter grid's label under each filter is its cosine to the mean image of the class it
feeds most, and the similarity plot (which measures against one digit) is hidden.
"""
from __future__ import annotations

from filterlab.engine.digit.spec import DigitSpec
from filterlab.engine.digitset.spec import SetSpec
from filterlab.gui.windows.digit import DigitWindow
from filterlab.gui.worker.pace import LESSON

WHY_OFF = "Training on a set of digits: each step takes the next minibatch"


class SetWindow(DigitWindow):
    def __init__(self, spec: SetSpec, running: bool = True, speed=LESSON):
        first = DigitSpec(spec.config, spec.digits.train_images[0], int(spec.digits.train_labels[0]))
        super().__init__(first, running=running, factory=spec.build, speed=speed)
        self.setWindowTitle(f"Filter Lab — {spec.description}")
        self.source.set_enabled_sources(False, WHY_OFF)
        self.controls.paint_start.setEnabled(False)
        self.controls.paint_start.setToolTip(WHY_OFF)
        for name in ("Open image…", "Open session…", "Save session…", "Lesson"):  # one training digit
            self.actions[name].setEnabled(False)
        self.filters.caption = ("each step adds the minibatch's digits, each × its own dL/dz: "
                                "the filters keep what the set's classes share")
        # the similarity curves measure against one digit; with a set the grid's labels use
        # each filter's class mean instead, so the curves would contradict them
        self.similarity.setVisible(False)

    def scores(self, snap) -> str:
        epochs = snap.epochs
        if not epochs:
            return "   epoch 0: no test score yet"
        return f"   epoch {snap.epoch:.1f}, test accuracy {epochs[-1]['test_accuracy']:.1%}"
