"""The reference implementation of each course stage, by stage name.

The benchmark notebooks time "theirs and ours" side by side; this accessor
gives them our callables without naming the modules that hold them::

    from cs_conv.bench.stages import reference
    ref = reference("fancy")
    ref.im2col(x, 3, 3, 1, 1)
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

__all__ = ["STAGES", "reference"]

# stage -> (module, {name in the namespace: name in the module})
_SOURCES = {
    "naive": ("cs_conv.naive", {"conv_forward": "conv_forward", "conv_backward": "conv_backward"}),
    "loops": ("cs_conv.im2col_loops", {"im2col": "im2col", "col2im": "col2im"}),
    "fancy": ("cs_conv.im2col_fancy", {"im2col": "im2col", "col2im": "col2im"}),
    "cython": ("cs_conv.im2col_cython", {"im2col": "im2col", "col2im": "col2im"}),
    "pool_loops": (
        "cs_conv.pooling",
        {"forward": "max_pool_forward", "backward": "max_pool_backward"},
    ),
    "pool_im2col": (
        "cs_conv.pooling_im2col",
        {"forward": "max_pool_forward", "backward": "max_pool_backward"},
    ),
}
#: every stage name :func:`reference` knows
STAGES = tuple(_SOURCES)


def reference(stage: str) -> SimpleNamespace:
    """The reference callables of one stage.

    Parameters
    ----------
    stage : str
        ``"naive"`` (``conv_forward``, ``conv_backward`` by four loops), ``"loops"``,
        ``"fancy"``, ``"cython"`` (``im2col``, ``col2im``, ``conv_forward``,
        ``conv_backward``: the im2col layer on that stage), ``"pool_loops"`` or
        ``"pool_im2col"`` (``forward``, ``backward`` of max pooling).

    Returns
    -------
    types.SimpleNamespace
        The callables as attributes.

    Raises
    ------
    ValueError
        An unknown stage; the message lists the known ones.

    Examples
    --------
    >>> import numpy as np
    >>> ref = reference("fancy")
    >>> ref.im2col(np.ones((1, 1, 3, 4)), 2, 2).shape
    (4, 6)
    >>> out, cache = ref.conv_forward(np.ones((1, 1, 3, 4)), np.ones((1, 1, 2, 2)), np.zeros(1),
    ...                               {"stride": 1, "pad": 0})
    >>> out.shape
    (1, 1, 2, 3)
    """
    if stage not in _SOURCES:
        raise ValueError(f"unknown stage {stage!r}; the stages are {list(STAGES)}")
    module_name, names = _SOURCES[stage]
    module = import_module(module_name)
    found = {ours: getattr(module, theirs) for ours, theirs in names.items()}
    if stage in ("loops", "fancy", "cython"):
        layers = import_module("cs_conv.layers")

        def conv_forward(x, w, b, conv_param):
            return layers.conv_forward(x, w, b, conv_param, backend=stage)

        found["conv_forward"] = conv_forward
        found["conv_backward"] = layers.conv_backward
    return SimpleNamespace(**found)
