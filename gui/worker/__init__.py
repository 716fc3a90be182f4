"""Training on its own thread, so the window never waits for torch and torch never waits for the window.

* `commands`: what the window asks for, as typed messages on a thread-safe queue;
* `pace`: how fast training goes (as fast as possible, a fixed speed, the lesson's time-lapse);
* `loop`: the training loop itself, Qt-free: it drains the queue between chunks of steps
  and publishes the newest frame into a one-slot `mailbox`;
* `thread`: the loop on a QThread, with the signals that tell the window a frame is waiting.
"""
