import pytest

from autograder.sandbox import launch as sandbox


@pytest.fixture(params=["bwrap", "plain"])
def kind(request):
    if request.param == "bwrap" and sandbox.detect_kind("auto") != "bwrap":
        pytest.skip("bubblewrap is not usable here")
    return request.param
