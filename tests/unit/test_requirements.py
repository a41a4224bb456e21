"""conftest.require: an unmet requirement skips locally, fails with CI=true, and material
outside the repository skips everywhere (saying so)."""

from __future__ import annotations

import conftest
import pytest
from conftest import require


def test_met_requirement_does_nothing(monkeypatch):
    monkeypatch.setattr(conftest, "ON_CI", True)
    require(True, "never shown")


def test_unmet_requirement_skips_locally(monkeypatch):
    monkeypatch.setattr(conftest, "ON_CI", False)
    with pytest.raises(pytest.skip.Exception, match="no sample"):
        require(False, "no sample")


def test_unmet_requirement_fails_on_ci(monkeypatch):
    monkeypatch.setattr(conftest, "ON_CI", True)
    with pytest.raises(pytest.fail.Exception, match="no sample.*CI=true"):
        require(False, "no sample")


def test_material_outside_the_repository_skips_on_ci_too(monkeypatch):
    monkeypatch.setattr(conftest, "ON_CI", True)
    with pytest.raises(pytest.skip.Exception, match="skips on CI too"):
        require(False, "../shared missing", outside_repo=True)


def test_requires_is_a_mark_read_before_the_test_runs():
    mark = conftest.requires(False, "no browser").mark
    assert mark.name == "requirement"
    assert mark.kwargs == {"condition": False, "reason": "no browser", "outside_repo": False}


@pytest.mark.parametrize("value, expected", [("true", True), ("1", True), ("", False)])
def test_ci_is_read_from_the_environment(value, expected, monkeypatch):
    import importlib.util

    monkeypatch.setenv("CI", value)
    spec = importlib.util.spec_from_file_location("fresh_conftest", conftest.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert fresh.ON_CI is expected
