"""Test configuration: ``pytest --device cuda`` runs the same tests on a GPU (default ``cpu``)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))  # so tests can `import checks`

try:
    from hypothesis import settings

    settings.register_profile("default", deadline=None, max_examples=25, derandomize=True)
    settings.register_profile("thorough", deadline=None, max_examples=300)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
except ImportError:  # hypothesis is part of the test extra; tests that use it skip without it
    pass


def pytest_addoption(parser):
    parser.addoption("--device", action="store", default="cpu",
                     help="device to run the device-generic tests on: cpu (default), cuda, cuda:N")


def pytest_configure(config):
    device = config.getoption("--device")
    if device != "cpu":
        import backends

        try:
            backends.get_backend(device)
        except Exception as exc:
            raise pytest.UsageError(f"--device {device}: {exc}")


@pytest.fixture
def device(request):
    """The device the test runs on (``--device``, default cpu)."""
    return request.config.getoption("--device")


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same seed, so failures reproduce."""
    import autograd_core

    autograd_core.manual_seed(0)
    yield
