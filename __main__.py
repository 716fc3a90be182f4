"""`python -m filterlab`: the same as the `filterlab` command and `python main.py`."""
import sys

from filterlab.main import main

sys.exit(main())
