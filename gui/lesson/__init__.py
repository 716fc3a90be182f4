"""The guided lesson (Help > Lesson, `--lesson`): the experiment retold step by step in the window."""
