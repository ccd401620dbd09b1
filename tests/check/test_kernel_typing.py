"""The typed-kernel analysis reads Cython's annotation: typed kernels pass, each kind of
untyped loop is named with its lines, and the verdict travels as JSON."""

from __future__ import annotations

import json

import pytest

from cs_conv.check import CATALOGUE, CHECKERS
from cs_conv.check.cython_annotate import MAX_SOURCE
from cs_conv.check.kernel_checks import check_kernel_typed, verdict_result
from cs_conv.check.kernel_typing import KernelTyping, analyse_kernel
from tests.oversized.fake_kernel import fake_compiled_kernel

HEADER = "%%cython\n# cython: language_level=3, boundscheck=False, wraparound=False\n"
TYPED = (
    HEADER
    + """from cython cimport floating


def copy_rows(const floating[:, ::1] src, floating[:, ::1] dst):
    cdef Py_ssize_t i, j
    with nogil:
        for i in range(src.shape[0]):
            for j in range(src.shape[1]):
                dst[i, j] = src[i, j]
"""
)


def _line(source: str, text: str) -> int:
    """1-based line of the cell that contains ``text``."""
    return next(k for k, ln in enumerate(source.splitlines(), 1) if text in ln)


def test_a_typed_kernel_passes():
    r = analyse_kernel(TYPED, "copy_rows")
    assert r.status == "typed", r.message
    assert r.passed
    assert r.problems == []
    assert r.loops == 1


def test_untyped_loop_variable_names_the_header():
    src = TYPED.replace("floating[:, ::1] dst)", "floating[:, ::1] dst, width)")
    src = src.replace("range(src.shape[1])", "range(width)").replace("i, j\n", "i\n")
    src = src.replace("    with nogil:\n", "    if True:\n")
    r = analyse_kernel(src, "copy_rows")
    assert r.status == "untyped"
    lines = [p.line for p in r.problems]
    assert _line(src, "for j in range") in lines
    assert r.mistakes == ["untyped-kernel"]
    assert "cdef Py_ssize_t" in r.problems[0].why


def test_untyped_arrays_name_the_indexing_line():
    src = HEADER + (
        "def copy_rows(src, dst):\n"
        "    cdef Py_ssize_t i, j\n"
        "    for i in range(src.shape[0]):\n"
        "        for j in range(src.shape[1]):\n"
        "            dst[i, j] = src[i, j]\n"
    )
    r = analyse_kernel(src, "copy_rows")
    by_line = {p.line: p for p in r.problems}
    body = _line(src, "dst[i, j] = src[i, j]")
    assert body in by_line, r.message
    assert "memoryview" in by_line[body].why
    assert f"line {body}:" in r.message


def test_the_last_definition_counts():
    src = TYPED.replace(
        "def copy_rows(const", "def copy_rows(src, dst):\n    pass\n\n\ndef copy_rows(const"
    )
    assert analyse_kernel(src, "copy_rows").status == "typed"


@pytest.mark.parametrize(
    ("source", "status"),
    [
        (
            "%%cython\ndef k(a):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n",
            "not-implemented",
        ),
        ("%%cython\ndef other(a):\n    return a\n", "not-found"),
        (
            "%%cython\ndef k(a):\n    cdef int i\n    for i in range(3)\n        pass\n",
            "compile-error",
        ),
    ],
)
def test_stubs_missing_kernels_and_compile_errors(source, status):
    r = analyse_kernel(source, "k")
    assert r.status == status
    assert not r.passed
    if status == "compile-error":
        assert "cell line 4" in r.message


def test_verdict_is_json_and_a_check_result():
    r = analyse_kernel(TYPED.replace("const floating[:, ::1] src", "src"), "copy_rows")
    again = KernelTyping.from_dict(json.loads(json.dumps(r.to_dict())))
    assert again == r
    result = verdict_result(again)
    assert not result.passed
    assert result.mistakes == ["untyped-kernel"]
    assert "untyped-kernel" in CATALOGUE


def test_a_python_function_is_not_compiled():
    def kernel(a):
        for i in range(3):
            a[i] = i

    result = check_kernel_typed(kernel)
    assert not result.passed
    assert result.mistakes == ["untyped-kernel"]
    assert "%%cython" in result.message


def test_split_form_on_the_source():
    checker = CHECKERS["kernel_typed"]
    assert checker.functions == ("kernel",)
    cases = checker.make_cases("hidden-x")
    assert [c.to_dict() for c in cases] == [c.to_dict() for c in checker.make_cases("hidden-x")]
    assert checker.evaluate_source(TYPED, "copy_rows").passed


# ------------------------------------------------ sources that would take the caller down
def test_brackets_nested_thousands_deep_crash_only_the_child():
    """Cython's parser overflows the C stack on them: in this process that would be a
    segmentation fault; the analysis runs in a child and says so."""
    src = "%%cython\ndef k(a):\n    for i in range(3):\n        a[i] = " + "(" * 4000 + ")" * 4000
    r = analyse_kernel(src, "k")
    assert r.status == "compile-error"
    assert "crashed on the cell (SIGSEGV)" in r.message
    assert r.mistakes == ["untyped-kernel"]


def test_a_cell_over_the_limit_is_not_compiled():
    src = TYPED + "\n# " + "x" * MAX_SOURCE
    r = analyse_kernel(src, "copy_rows")
    assert r.status == "compile-error"
    assert f"has {len(src)} characters, over the 8 KiB a %%cython kernel cell may have" in (
        r.message
    )


@pytest.mark.parametrize(
    ("pyx", "passed", "message"),
    [
        (TYPED.partition("\n")[2].encode(), True, "copy_rows: typed"),
        (2**30, False, "its .pyx source is larger than the 8 KiB"),
        (b"def copy_rows(a):\n    for i in a:\n        \xff\xfe\n", False, "not UTF-8 text"),
    ],
    ids=["typed", "a sparse GiB", "not UTF-8"],
)
def test_the_source_of_a_compiled_kernel_is_read_within_limits(tmp_path, pyx, passed, message):
    kernel = fake_compiled_kernel(tmp_path, pyx, "copy_rows")
    r = check_kernel_typed(kernel)
    assert r.passed is passed
    assert message in r.message
