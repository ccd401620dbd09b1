"""Settings declared once: the command line and docs/settings.md are derived from them;
the supervisor-worker protocol is typed on both sides."""

import dataclasses
import json
from pathlib import Path

import pytest

from autograder import settings
from autograder.cli import register
from autograder.sandbox import protocol
from autograder.settings import DEMO_LIMITS, GradeOptions, Limits

ROOT = Path(__file__).resolve().parents[2]


def _parser():
    import argparse

    parser = argparse.ArgumentParser(prog="cs-conv")
    register(parser.add_subparsers(dest="command", required=True))
    return parser


def test_docs_settings_page_is_generated_from_the_declarations():
    assert (ROOT / "docs" / "settings.md").read_text() == settings.markdown(), (
        "regenerate: python -c 'from autograder.settings import markdown; "
        'open("docs/settings.md", "w").write(markdown())\''
    )


@pytest.mark.parametrize(("command", "limits"), [("grade", Limits()), ("demo", DEMO_LIMITS)])
def test_every_flagged_setting_is_an_option_with_its_default_in_the_help(command, limits):
    parser = _parser()
    sub = parser._subparsers._group_actions[0].choices[command]
    options = {a.option_strings[0]: a for a in sub._actions if a.option_strings}
    for cls, defaults in ((GradeOptions, GradeOptions()), (Limits, limits)):
        for f in dataclasses.fields(cls):
            flag = f.metadata.get("flag")
            if not flag:
                continue
            assert flag in options, flag
            shown = settings.default_text(f, getattr(defaults, f.name))
            if shown and f.type != "bool":
                assert f"(default {shown})" in options[flag].help, (flag, options[flag].help)


def test_the_command_line_reaches_the_limits():
    from autograder.cli import _limits, _options

    args = _parser().parse_args(
        ["grade", "subs", "--timeout", "7", "--memory-gb", "1.5", "--workers", "3", "--force"]
    )
    limits = _limits(args, Limits())
    assert limits.test_timeout == 7.0
    assert limits.memory == int(1.5 * 1024**3)
    assert limits.cell_timeout == Limits().cell_timeout
    options = _options(args, limits)
    assert (options.workers, options.force, options.limits) == (3, True, limits)
    demo = _limits(_parser().parse_args(["demo"]), DEMO_LIMITS)
    assert demo == DEMO_LIMITS


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"test_timeout": -5}, "test_timeout must be a positive number"),
        ({"cell_timeout": 0}, "cell_timeout must be a positive number"),
        ({"memory": True}, "memory must be a positive number"),
    ],
)
def test_limits_refuse_what_would_zero_a_class(changes, match):
    with pytest.raises(ValueError, match=match):
        Limits(**changes)


def test_grade_options_name_an_unknown_option():
    with pytest.raises(TypeError, match=r"unknown grading option\(s\) \['wokers'\]"):
        GradeOptions().but(wokers=2)
    with pytest.raises(ValueError, match="workers must be a positive integer"):
        GradeOptions(workers=0)


def test_a_worker_job_survives_its_json():
    job = protocol.WorkerJob(
        cells=(protocol.CellTask(3, "x = 1"),),
        tests=(protocol.TestTask("t", "im2col", {"im2col": "f"}, "loops", "k", [{"a": 1}]),),
        skip_cells=(3,),
        uid=61001,
        forbidden=("cs_conv",),
        rlimits={"memory": 1},
    )
    assert protocol.WorkerJob.from_json(job.to_json()) == job


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        b'{"ev": "nope"}',
        b'{"ev": 3}',
        b'{"ev": "cell_start", "i": -1}',
        b'{"ev": "cell_start", "i": true}',
        b'{"ev": "cell_start", "i": "0"}',
        b'{"ev": "test_end", "id": ["unhashable"]}',
        b'{"ev": "test_end", "id": "t", "hook_removed": "yes"}',
        b'{"ev": "integrity", "patched": []}',
    ],
)
def test_malformed_events_are_noise(line):
    assert protocol.decode(line) is None


def test_events_round_trip_and_unknown_fields_are_dropped():
    for event in (
        protocol.Ready(pid=3, net_isolated=True),
        protocol.CellEnd(i=2, status="error", error="boom", seconds=0.5, output="tail"),
        protocol.TestEnd(id="t", reference_calls=["cs_conv.naive.conv_forward"], hook_removed=True),
        protocol.Done(),
    ):
        assert protocol.decode(protocol.encode(event)) == event
    line = json.dumps({"ev": "cell_start", "i": 4, "extra": "x"}).encode()
    assert protocol.decode(line) == protocol.CellStart(i=4)
