"""Filter Lab: watch a tiny CNN's filters turn into the digit it is trained on.

Run `python main.py` (or `filterlab`, or `python -m filterlab`) for the window,
`python main.py --headless` for a run without one; `--help` lists the options.
"""
import errno
import os
import sys

from filterlab.engine.cli.options import EXIT_USAGE, UsageError
from filterlab.engine.core import stops
from filterlab.engine.core.user_files import for_terminal

EXIT_INTERRUPTED = stops.EXIT_INTERRUPTED  # 128 + SIGINT, as shells report a process ended by Ctrl-C
EXIT_TERMINATED = stops.EXIT_TERMINATED  # 128 + SIGTERM
EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a tool whose reader went away (`| head`)
MAX_MESSAGE = 1000  # characters of one error line


def main(argv=None) -> int:
    """0 done, 1 training diverged, 2 bad input or an output that cannot be written (one line on stderr),
    130 Ctrl-C, 143 SIGTERM (one line; every file whole, no temporary file left), 141 standard output closed
    by its reader (quietly)."""
    _open_missing_streams()
    undo = stops.install()
    try:
        return _main(argv)
    finally:
        if argv is None:  # the process's own command line: it ends now; a late signal must not print a traceback
            stops.exit_at_once()
        else:
            undo()


def _main(argv) -> int:
    try:
        try:
            code = _run(argv)
            stops.check()  # a stop Python swallowed (raised in a weakref callback) still ends the run as asked
        except SystemExit as done:  # argparse: --help, --version or a refused option (already said)
            code = done.code if isinstance(done.code, int) else int(done.code is not None)
        sys.stdout.flush()  # a full disk or a closed pipe shows here, not as Python's noise at exit
        return code
    except UsageError as error:
        say(f"filterlab: error: {error}")
        return EXIT_USAGE
    except KeyboardInterrupt as stop:  # every file is written whole or not at all (engine/core/files.py)
        stops.handled()
        say(f"\nfilterlab: {stops.described(stop)}")
        return stops.exit_code(stop)
    except BrokenPipeError:  # the reader of standard output went away (`| head`): end quietly
        _discard_stdout()
        return EXIT_PIPE
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EIO, errno.EDQUOT) or error.filename:
            raise
        _discard_stdout()
        say(f"filterlab: error: cannot write to standard output: {error.strerror}")
        return EXIT_USAGE


def _run(argv) -> int:
    from filterlab.engine.cli.launch import parse

    launch = parse(argv)
    if launch.headless:
        from filterlab.engine.cli.headless import run_headless
        return run_headless(launch)
    from filterlab.gui.app import run_window  # Qt is imported only when a window is wanted
    return run_window(launch)


def say(message: str) -> None:
    """One line on stderr, whatever it holds (control characters escaped); silent if stderr is gone."""
    lead = "\n" if message.startswith("\n") else ""
    try:
        print(lead + for_terminal(message.lstrip("\n"), MAX_MESSAGE), file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr closed by its reader: the exit code still says it
        pass


def _open_missing_streams() -> None:
    """A standard stream the caller closed (`2>&-`) is /dev/null from here on.

    Else the next file opened would take its number, and anything a library writes to
    stderr would land in that file; and sys.stderr would be None.
    """
    for fd, name, mode in ((0, "stdin", "r"), (1, "stdout", "w"), (2, "stderr", "w")):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, os.O_RDWR)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
        if getattr(sys, name) is None:  # closed at start (Python then sets it to None), or set so
            setattr(sys, name, open(os.devnull, mode, errors="backslashreplace"))


def _discard_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's own flush at exit has nowhere to fail."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
