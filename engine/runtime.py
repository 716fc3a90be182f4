"""Process-wide torch settings that suit a model this small.

A step here is a few thousand multiply-adds: far too little work to share between
threads, so torch's thread pool only adds hand-off overhead. The app's entry points
(headless run, window worker) call this; library users keep torch's defaults.
"""
import torch


def tune_threads() -> None:
    torch.set_num_threads(1)
