"""The one headless runner: build the experiment, train it, write its report, say how it went.

Each experiment's registration (engine/registry.py) says how it trains and what it
writes; this is the part they share — the runtime settings, one clear line for a
failure, the exit code.
"""
from __future__ import annotations

import sys

from filterlab.engine import registry
from filterlab.engine.cli.launch import Launch
from filterlab.engine.cli.options import UsageError
from filterlab.engine.core.config import ConfigError
from filterlab.engine.core.user_files import for_terminal, os_reason, shown

EXIT_DIVERGED = 1
MAX_LINE = 2000  # characters of a line of the report


def run_headless(launch: Launch) -> int:
    """0 done, 1 training diverged (the report shows the last finite state); UsageError otherwise."""
    from filterlab.engine.core.runtime import tune_runtime

    tune_runtime()
    try:
        experiment = launch.spec.build()
    except ConfigError as error:
        raise UsageError(str(error)) from None
    try:
        lines, diverged = registry.for_spec(launch.spec).run(experiment, launch.spec, launch.steps, launch.out)
        lines += write_animation(experiment, launch)
        lines += export_code(experiment, launch)
        lines += save_session_file(experiment, launch)
    except OSError as error:
        where = f"{shown(error.filename)}: " if error.filename else ""
        raise UsageError(f"cannot write the results: {where}{os_reason(error)}") from None
    for line in lines:  # they name the outputs: a name is shown escaped, as every outside text is
        print(for_terminal(line, MAX_LINE))
    if diverged:
        print(f"warning: {for_terminal(experiment.diverged, MAX_LINE)}", file=sys.stderr)
        return EXIT_DIVERGED
    return 0


def write_animation(trainer, launch: Launch) -> list[str]:
    """--gif: the filters forming as the window exports them (a one-digit run), --gif-width px wide; the line."""
    if launch.gif is None:
        return []
    from filterlab.engine.render.animation import save_animation
    from filterlab.engine.render.frames import gif_frames
    count = save_animation(gif_frames(trainer.record, trainer.image_history), launch.gif,
                           width=launch.gif_width)
    return [f"wrote {launch.gif}: {count} frames, {launch.gif_width:,} px wide"]


def save_session_file(trainer, launch: Launch) -> list[str]:
    """--save-session: the session after training, the very file File > Save session writes; the line to print."""
    if launch.save_session is None:
        return []
    from filterlab.engine.digit.session import save_session
    save_session(trainer, launch.save_session)
    return [f"wrote {launch.save_session} (step {trainer.step_count:,}): carry on with --load {launch.save_session}"]


def export_code(experiment, launch: Launch) -> list[str]:
    """The run as trained, written as a script and a notebook if asked (engine/export); the lines to print."""
    if launch.export_script is None and launch.export_notebook is None:
        return []
    from filterlab.engine.export.files import write_notebook, write_script
    from filterlab.engine.export.record import ExportError, run_record
    try:
        record = run_record(experiment)
    except ExportError as error:
        raise UsageError(str(error)) from None
    lines = []
    if launch.export_script is not None:
        write_script(record, launch.export_script)
        lines.append(f"wrote {launch.export_script}: `python {launch.export_script.name}` trains this run again")
    if launch.export_notebook is not None:
        write_notebook(record, launch.export_notebook)
        lines.append(f"wrote {launch.export_notebook}: the same run as a notebook")
    return lines
