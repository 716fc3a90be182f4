"""--lesson, --lesson-language, --lesson-step on the command line: a mistake is one line and exit code 2."""
import pytest

from filterlab.engine.cli.launch import parse


@pytest.mark.parametrize("args,words", [
    (["--lesson", "LESSON_BAD"], "bad.md:4: unknown key 'colour'; allowed: optimizer"),
    (["--lesson", "MISSING"], "missing.md: cannot read it (No such file or directory)"),
    (["--lesson", "--lesson-step", "13"], "--lesson-step must be from 1 to 12 (the lesson has 12 steps), got 13"),
    (["--lesson", "--lesson-language", "fr"], "the built-in lesson is written in en, de; got 'fr'"),
    (["--lesson-language", "de"], "--lesson-language goes with --lesson"),
    (["--lesson-step", "2"], "--lesson-step goes with --lesson"),
    (["--lesson", "LESSON_BAD", "--lesson-language", "de"], "--lesson-language chooses the built-in lesson's"),
])
def test_a_lesson_mistake_is_one_line_and_exit_2(tmp_path, run_main, args, words):
    (tmp_path / "bad.md").write_text("# A lesson\n## One\n```filterlab\ncolour: red\n```\nWords.\n", encoding="utf-8")
    paths = {"LESSON_BAD": tmp_path / "bad.md", "MISSING": tmp_path / "missing.md"}
    code, out, err = run_main([paths.get(a, a) for a in args])
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and words in err, err


def test_the_lesson_options_reach_the_launch(tmp_path):
    launch = parse(["--lesson", "--lesson-language", "de", "--lesson-step", "4"])
    assert launch.lesson.language == "de" and launch.lesson_step == 4
    assert launch.lesson.steps[3].title == "4. Der Gradient ist das Bild: ein SGD-Schritt"
    assert parse([]).lesson is None and parse(["--lesson"]).lesson_step == 1
