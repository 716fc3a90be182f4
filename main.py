"""Filter Lab: watch a tiny CNN's filters turn into the digit it is trained on.

Run `python main.py` (or `filterlab`, or `python -m filterlab`) for the window,
`python main.py --headless` for a run without one; `--help` lists the options.
"""
import sys

from filterlab.engine.cli.options import EXIT_USAGE, UsageError

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process ended by Ctrl-C


def main(argv=None) -> int:
    """0 done, 1 training diverged, 2 bad input (one line on stderr), 130 Ctrl-C (one line; every file whole)."""
    try:
        from filterlab.engine.cli.launch import parse

        launch = parse(argv)
        if launch.headless:
            from filterlab.engine.cli.headless import run_headless
            return run_headless(launch)
        from filterlab.gui.app import run_window  # Qt is imported only when a window is wanted
        return run_window(launch)
    except UsageError as error:
        print(f"filterlab: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # every file is written whole or not at all (engine/core/files.py)
        print("\nfilterlab: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
