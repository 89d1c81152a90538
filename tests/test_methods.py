"""lolenhance.methods: the method registry (smoke, exceptions)."""

from __future__ import annotations

import pytest

from lolenhance import classical
from lolenhance.methods import METHODS, MethodRegistry, get_method, register_method


def test_registry_lists_the_classical_methods():
    assert {"clahe-lab", "clahe-rgb", "he", "gamma"} <= set(METHODS)
    assert METHODS["clahe-lab"] is classical.clahe_lab
    assert METHODS["clahe-rgb"] is classical.clahe_rgb
    assert METHODS["he"] is classical.histogram_equalization
    assert METHODS["gamma"] is classical.gamma_correction


def test_method_registry_is_lazy_and_extensible():
    registry = MethodRegistry({"later": "lolenhance.classical:clahe_lab"})
    assert registry._entries["later"] == "lolenhance.classical:clahe_lab"  # not imported yet
    assert registry["later"] is classical.clahe_lab
    registry["double"] = lambda image: image
    assert list(registry) == ["later", "double"]
    with pytest.raises(KeyError, match="known methods: later, double"):
        registry["nope"]
    with pytest.raises(ValueError, match="module:function"):
        registry["bad"] = "no_colon"
    with pytest.raises(TypeError, match="callable"):
        registry["bad"] = 42


def test_register_method_refuses_silent_replacement():
    with pytest.raises(ValueError, match="already registered"):
        register_method("clahe-lab", classical.clahe_rgb)
    register_method("test-identity", lambda image: image.copy())
    try:
        assert get_method("test-identity")[0] == "test-identity"
    finally:
        del METHODS["test-identity"]
    assert get_method(classical.clahe_lab) == ("clahe_lab", classical.clahe_lab)
