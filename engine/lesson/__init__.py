"""Lessons as files: the guided lesson's words, states, links and questions, read from a Markdown file a
teacher writes (reader.py), with placeholders filled from the snapshot on screen (placeholders.py, words.py).
The built-in lesson is such a file, in English and German (builtin.py). No Qt here."""
