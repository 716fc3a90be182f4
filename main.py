"""Filter Lab: watch a tiny CNN's filters turn into the digit it is trained on.

Run `python main.py` (or `filterlab`, or `python -m filterlab`) for the window,
`python main.py --headless` for a run without one; `--help` lists the options.
"""
import sys

from filterlab.engine.cli.options import EXIT_USAGE, UsageError


def main(argv=None) -> int:
    from filterlab.engine.cli.launch import parse

    try:
        launch = parse(argv)
        if launch.headless:
            from filterlab.engine.cli.headless import run_headless
            return run_headless(launch)
        from filterlab.gui.app import run_window  # Qt is imported only when a window is wanted
        return run_window(launch)
    except UsageError as error:
        print(f"filterlab: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
