"""Is a Cython kernel typed?  Judged from Cython's own annotation (``cython -a``).

A kernel is *typed* when no line of its innermost loops, loop headers included,
calls into the Python C-API: no Python-object loop variable, no indexing of an
untyped array, no arithmetic on Python numbers.  That is what the yellow lines
of ``%%cython -a`` show; this module reads the same annotation.

:func:`analyse_kernel` is pure: it takes the text of a ``%%cython`` cell and a
kernel name, runs Cython's compiler front end with annotation in a temporary
folder (no C compiler is needed) and returns a :class:`KernelTyping`, which is
JSON-serialisable (:meth:`KernelTyping.to_dict` / :meth:`KernelTyping.from_dict`).
The grader runs it on the cell's source; the notebook's check,
:func:`cs_conv.check.kernel_checks.check_kernel_typed`, runs it on the ``.pyx``
file that IPython's Cython magic keeps next to the compiled module.

Calls that only happen on an error path (raising ``IndexError`` for a bounds
check, ``ZeroDivisionError``, taking the GIL to raise) are not counted: they
cost a test and a branch, not an interpreter round trip.
"""

from __future__ import annotations

import functools
import re
import shlex
from dataclasses import asdict, dataclass, field

from .cython_annotate import annotate_html, too_large

__all__ = ["CODE", "KernelTyping", "Problem", "analyse_kernel", "innermost_loops"]

CODE = "untyped-kernel"

# one annotated source line, and the C code it became (if any)
_LINE = re.compile(
    r'<pre class="cython line score-(\d+)"[^>]*>.*?<span class="[^"]*">(\d+)</span>:.*?</pre>\n'
    r"(?:<pre class='cython code score-\d+[^']*'>(.*?)</pre>)?",
    re.S,
)
_CALL = re.compile(r"<span class='(py_c_api|pyx_c_api|py_macro_api|pyx_macro_api)'>(\w+)</span>")
# calls made only to raise an error (or to take the GIL for it)
_ERROR_PATH = re.compile(
    r"Raise|^PyErr_|AddTraceback|^PyGILState_|ErrFetch|ErrRestore|UNARY_NEG_WOULD_OVERFLOW|"
    r"^__Pyx_RefNanny"
)
# (pattern, why) in order: the first match explains the call
_WHY = (
    (r"MemoryviewSlice|__pyx_convert", "converts a Python object to a typed memoryview or C value"),
    (
        r"PyInt_As|PyIndex_As|PyLong_As|PyInt_From|PyLong_From|PyNumber_Index",
        "converts between a Python int and a C integer: declare it `cdef Py_ssize_t`",
    ),
    (r"Float_As|Float_From|PyFloat", "converts between a Python float and a C double"),
    (
        r"GetItem|SetItem|DelItem|GetSlice|SetSlice",
        "indexes a Python object: type the array as a memoryview (`double[:, ::1] a`)",
    ),
    (r"GetIter|IterNext|Iter_Next", "iterates over a Python object: loop over a C `range`"),
    (
        r"PyNumber_|PyObject_RichCompare|AddObjC|SubtractObjC|Multiply|PyInt_Eq|PyBool",
        "arithmetic or comparison on Python objects: type the variables (`cdef Py_ssize_t`)",
    ),
    (r"GetModuleGlobalName|GetBuiltinName|GetAttr|LookupAttr", "looks up a Python name"),
    (r"Call|FastCall|Vectorcall", "calls a Python function"),
    (r"Tuple|List|Sequence", "builds or reads a Python tuple or list"),
    (r"DECREF|INCREF|GOTREF|GIVEREF", "counts references of Python objects"),
)


@dataclass
class Problem:
    """One line of an innermost loop that calls into the Python C-API.

    Attributes
    ----------
    line : int
        Line number in the ``%%cython`` cell (its first line, ``%%cython``, is 1).
    text : str
        The line, stripped.
    why : str
        What the calls do, in words.
    calls : list of str
        The C-API functions the line calls (outside error paths).
    """

    line: int
    text: str
    why: str
    calls: list = field(default_factory=list)


@dataclass
class KernelTyping:
    """The verdict on one kernel.

    Attributes
    ----------
    kernel : str
        The function analysed.
    status : str
        ``"typed"``, ``"untyped"``, ``"not-implemented"`` (no loop in it yet),
        ``"not-found"``, ``"not-compiled"`` or ``"compile-error"``.
    problems : list of Problem
    message : str
        What a student reads.
    loops : int
        How many innermost loops were examined.
    """

    kernel: str
    status: str
    problems: list = field(default_factory=list)
    message: str = ""
    loops: int = 0

    @property
    def passed(self) -> bool:
        return self.status == "typed"

    @property
    def mistakes(self) -> list[str]:
        """Catalogue codes: ``["untyped-kernel"]``, ``["not-implemented"]`` or ``[]``."""
        if self.status == "typed":
            return []
        return ["not-implemented"] if self.status == "not-implemented" else [CODE]

    def to_dict(self) -> dict:
        """JSON-safe form.

        Examples
        --------
        >>> t = KernelTyping("k", "untyped", [Problem(3, "for i in range(n):", "why", ["f"])])
        >>> KernelTyping.from_dict(t.to_dict()) == t
        True
        """
        d = asdict(self)
        d["passed"] = self.passed
        return d

    @classmethod
    def from_dict(cls, d: dict) -> KernelTyping:
        """Inverse of :meth:`to_dict` (validating the types)."""
        problems = [
            Problem(int(p["line"]), str(p["text"]), str(p["why"]), [str(c) for c in p["calls"]])
            for p in d.get("problems", [])
        ]
        message, loops = str(d.get("message", "")), int(d.get("loops", 0))
        return cls(str(d["kernel"]), str(d["status"]), problems, message, loops)


def _magic_options(first_line: str) -> dict:
    """Cython options named on the ``%%cython`` line (language and level)."""
    try:
        words = shlex.split(first_line)
    except ValueError:
        words = first_line.split()
    opts = {"language_level": 3, "cplus": False}
    for w in words[1:]:
        if w in ("-2", "-3"):
            opts["language_level"] = int(w[1])
        elif w in ("--cplus", "-+"):
            opts["cplus"] = True
    return opts


def _split_cell(source: str) -> tuple[str, dict, int]:
    """``(pyx text, options, offset)``: the cell without its ``%%cython`` line."""
    first, _, body = source.partition("\n")
    if first.lstrip().startswith("%%cython"):
        return body, _magic_options(first.strip()), 1
    return source, _magic_options(""), 0


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _code_lines(lines, start: int, stop: int):
    """Indices of non-blank, non-comment lines in ``[start, stop)``."""
    return [
        k for k in range(start, stop) if lines[k].strip() and not lines[k].lstrip().startswith("#")
    ]


def _block_end(lines, header: int) -> int:
    """Index after the last line of the block opened by line ``header``."""
    base = _indent(lines[header])
    end = header + 1
    depth = _bracket_depth(lines[header])
    k = header + 1
    while k < len(lines):
        text = lines[k]
        if depth > 0:  # continuation of the header (open brackets)
            depth += _bracket_depth(text)
            end = k + 1
        elif text.strip() and not text.lstrip().startswith("#"):
            if _indent(text) <= base:
                break
            end = k + 1
        k += 1
    return end


def _bracket_depth(text: str) -> int:
    text = re.sub(r"#.*", "", text)
    return sum(text.count(o) for o in "([{") - sum(text.count(c) for c in ")]}")


_LOOP = re.compile(r"^(for|while)\b")
_DEF = r"^(?:async\s+)?c?p?def\s+(?:[\w\[\]\.,: ]+\s+)?{name}\s*\("


def innermost_loops(pyx: str, kernel: str) -> tuple[bool, list[list[int]]]:
    """``(found, loops)``: whether ``kernel`` is defined, and the 0-based line indices
    of each innermost loop of its *last* definition (header and body).

    Examples
    --------
    >>> src = "def k(n):\\n  for i in range(n):\\n    for j in range(n):\\n      f(j)\\n"
    >>> innermost_loops(src, "k")
    (True, [[2, 3]])
    >>> innermost_loops("def k(n):\\n    raise NotImplementedError()\\n", "k")
    (True, [])
    """
    lines = pyx.splitlines()
    pattern = re.compile(_DEF.format(name=re.escape(kernel)))
    starts = [k for k, ln in enumerate(lines) if pattern.match(ln.strip()) and _indent(ln) == 0]
    if not starts:
        return False, []
    start = starts[-1]
    end = _block_end(lines, start)
    body = _code_lines(lines, start + 1, end)
    headers = [k for k in body if _LOOP.match(lines[k].strip())]
    if not headers and not any("NotImplementedError" in lines[k] for k in body):
        return True, [body] if body else []  # no loop at all: every line counts
    loops = []
    for h in headers:
        stop = _block_end(lines, h)
        if any(h < other < stop for other in headers):
            continue  # contains another loop: not innermost
        loops.append(_code_lines(lines, h, max(stop, h + 1)))
    return True, loops


def _annotate(pyx: str, opts: dict) -> tuple[dict, str]:
    """Cython's annotation, ``({line: [calls]}, errors)``; line numbers 1-based.

    Cython runs in a child process (:mod:`cs_conv.check.cython_annotate`): its parser
    can crash on a cell of deeply nested expressions."""
    text, errors = annotate_html(pyx, cplus=opts["cplus"], language_level=opts["language_level"])
    if errors:
        return {}, errors
    calls = {}
    for m in _LINE.finditer(text):
        names = [name for _, name in _CALL.findall(m.group(3) or "")]
        calls[int(m.group(2))] = [n for n in names if not _ERROR_PATH.search(n)]
    return calls, ""


def _why(calls, text: str = "") -> str:
    """The two most telling reasons for ``calls`` (specific ones before reference counting)."""
    if _LOOP.match(text):
        return (
            "the loop runs on Python objects (its variable or its bound is not a C integer): "
            "declare both `cdef Py_ssize_t`"
        )
    reasons = []
    for pattern, why in _WHY:
        if any(re.search(pattern, name) for name in calls) and why not in reasons:
            reasons.append(why)
    specific = [r for r in reasons if "references" not in r]
    return "; ".join((specific or reasons or ["calls the Python C-API"])[:2])


def analyse_kernel(source: str, kernel: str) -> KernelTyping:
    """Whether ``kernel``'s innermost loops in a ``%%cython`` cell are pure C (cached).

    See :func:`_analyse`; the same source and kernel are compiled once per process.
    A cell over :data:`~cs_conv.check.cython_annotate.MAX_SOURCE` is not analysed
    (status ``"compile-error"``).
    """
    message = too_large(len(source))
    if message:
        return KernelTyping(kernel, "compile-error", message=message)
    return KernelTyping.from_dict(_analyse_cached(source, kernel))


@functools.lru_cache(maxsize=64)
def _analyse_cached(source: str, kernel: str) -> dict:
    return _analyse(source, kernel).to_dict()


def _analyse(source: str, kernel: str) -> KernelTyping:
    """Whether ``kernel``'s innermost loops in a ``%%cython`` cell are pure C.

    Parameters
    ----------
    source : str
        The cell's text, ``%%cython`` line included (or the ``.pyx`` text alone).
    kernel : str
        The name of the ``def``/``cpdef``/``cdef`` function to judge; when the
        cell defines it twice, the last definition counts (it is the one Python sees).

    Returns
    -------
    KernelTyping
        ``status == "typed"`` when no line of an innermost loop (header included)
        calls the Python C-API outside an error path; otherwise every such line,
        with its text and why.

    Examples
    --------
    >>> cell = '''%%cython
    ... def total(a):
    ...     s = 0.0
    ...     for v in a:
    ...         s += v
    ...     return s
    ... '''
    >>> r = analyse_kernel(cell, "total")
    >>> r.status, [p.line for p in r.problems]
    ('untyped', [4, 5])
    """
    pyx, opts, offset = _split_cell(source)
    found, loops = innermost_loops(pyx, kernel)
    if not found:
        return KernelTyping(
            kernel, "not-found", message=f"The cell defines no function `{kernel}`: keep its name."
        )
    if not loops:
        return KernelTyping(
            kernel,
            "not-implemented",
            message=f"`{kernel}` has no loop yet: not implemented. Write its loops, then type "
            "them.",
        )
    calls, errors = _annotate(pyx, opts)
    if errors:
        return KernelTyping(
            kernel,
            "compile-error",
            message="Cython cannot compile the cell:\n"
            + re.sub(
                r"\S*kernel_under_test\.pyx:(\d+):",
                lambda m: f"cell line {int(m.group(1)) + offset}:",
                errors,
            )[-1500:],
        )
    lines = pyx.splitlines()
    problems = []
    for k in sorted({k for loop in loops for k in loop}):
        used = calls.get(k + 1, [])
        if used:
            names = list(dict.fromkeys(used))
            text = lines[k].strip()
            problems.append(Problem(k + 1 + offset, text, _why(names, text), names))
    status = "untyped" if problems else "typed"
    message = _message(kernel, status, problems, len(loops))
    return KernelTyping(kernel, status, problems, message, len(loops))


def _message(kernel: str, status: str, problems, n_loops: int) -> str:
    if status == "typed":
        return (
            f"{kernel}: typed. The {n_loops} innermost loop(s) are white in `%%cython -a`: "
            "no line calls the Python C-API."
        )
    head = (
        f"{kernel}: untyped-kernel. {len(problems)} line(s) of its innermost loops call "
        "the Python C-API (yellow in `%%cython -a`):"
    )
    body = [f"  line {p.line}: {p.text}\n      {p.why}" for p in problems[:12]]
    fix = (
        "Fix: type the array arguments as typed memoryviews (of the fused type `floating`), "
        "the sizes and every loop variable as `cdef Py_ssize_t`, and keep Python objects "
        "(calls, attribute look-ups, NumPy functions) out of the loops; `with nogil:` around "
        "the loops proves it. Then re-run with `%%cython -a`: the innermost loop must be white."
    )
    return "\n".join([head, *body, fix])
