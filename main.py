"""Filter Lab: watch a tiny CNN's filters turn into the digit it is trained on.

Run `python main.py` for the window, `python main.py --headless` for a run without one;
`python main.py --help` lists the options.
"""
import sys

from filterlab.engine.cli.common import EXIT_USAGE, UsageError, build_parser, check_run_options, run_headless


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_run_options(args)
        if args.headless:
            return run_headless(args)
        from filterlab.gui.app import run_window  # Qt is imported only when a window is wanted
        return run_window(args)
    except UsageError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
