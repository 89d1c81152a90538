"""The enhancement methods by name: one registry for the CLI, the batch runner and the tables.

:data:`METHODS` maps names (``"clahe-lab"``, ``"clahe-rgb"``, ``"he"``, ``"gamma"``,
``"denoiser"``, ``"curve"``, ``"zero-dce"``) to methods. A method is any callable
``image -> image`` on the library's convention (``(H, W, 3)`` float32 RGB in ``[0, 1]``).
Entries are stored as ``"module:function"`` strings and imported on first use, so listing the
names (the CLI's ``--method`` choices) imports neither OpenCV nor TensorFlow. Other code adds
methods with :func:`register_method`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping, MutableMapping

import numpy as np

__all__ = ["Method", "MethodRegistry", "METHODS", "register_method", "get_method"]

#: An enhancement method: ``(H, W, 3)`` float32 RGB in [0, 1] in, the same convention out.
Method = Callable[[np.ndarray], np.ndarray]

#: Methods shipped with the package, as ``"module:function"`` (imported on first use).
_BUILTIN: dict[str, str] = {
    "clahe-lab": "lolenhance.classical:clahe_lab",
    "clahe-rgb": "lolenhance.classical:clahe_rgb",
    "he": "lolenhance.classical:histogram_equalization",
    "gamma": "lolenhance.classical:gamma_correction",
    "denoiser": "lolenhance.inference:denoise",
    "curve": "lolenhance.inference:enhance_curve",
    "zero-dce": "lolenhance.inference:enhance_zero_dce",
}


class MethodRegistry(MutableMapping[str, Method]):
    """A ``dict``-like registry ``name -> method`` whose entries may be imported lazily.

    Values are set either to a callable or to a ``"package.module:function"`` string; reading an
    entry imports the string's module once and returns the callable.

    Parameters
    ----------
    entries : mapping of str to (callable or str), optional

    Examples
    --------
    >>> registry = MethodRegistry({"clahe-lab": "lolenhance.classical:clahe_lab"})
    >>> list(registry)
    ['clahe-lab']
    >>> registry["clahe-lab"].__name__
    'clahe_lab'
    """

    def __init__(self, entries: Mapping[str, Method | str] | None = None) -> None:
        self._entries: dict[str, Method | str] = {}
        for name, value in (entries or {}).items():
            self[name] = value

    def __getitem__(self, name: str) -> Method:
        if name not in self._entries:
            raise KeyError(f"unknown method {name!r}; known methods: {', '.join(self._entries) or 'none'}")
        value = self._entries[name]
        if isinstance(value, str):
            module_name, _, attribute = value.partition(":")
            value = getattr(importlib.import_module(module_name), attribute)
            self._entries[name] = value
        return value

    def __setitem__(self, name: str, value: Method | str) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"method name: expected a non-empty str, got {name!r}")
        if isinstance(value, str):
            if value.count(":") != 1 or not all(value.split(":")):
                raise ValueError(f"method {name!r}: expected 'package.module:function', got {value!r}")
        elif not callable(value):
            raise TypeError(f"method {name!r}: expected a callable or 'module:function' string, got {value!r}")
        self._entries[name] = value

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"MethodRegistry({list(self._entries)})"


#: The enhancement methods by name, used by ``lolenhance enhance --method`` and the notebooks.
METHODS = MethodRegistry(_BUILTIN)


def register_method(name: str, method: Method | str, *, replace: bool = False) -> None:
    """Add an enhancement method to :data:`METHODS`.

    Parameters
    ----------
    name : str
        Name used on the command line (``--method NAME``) and in tables.
    method : callable or str
        ``image -> image`` on the library convention, or ``"package.module:function"`` to
        import on first use (keeps heavy imports such as TensorFlow out of start-up).
    replace : bool
        Allow replacing an existing entry.

    Examples
    --------
    >>> register_method("identity", lambda image: image.copy())
    >>> METHODS["identity"](np.zeros((2, 2, 3), np.float32)).shape
    (2, 2, 3)
    >>> del METHODS["identity"]
    """
    if name in METHODS and not replace:
        raise ValueError(f"method {name!r} is already registered (pass replace=True to replace it)")
    METHODS[name] = method


def get_method(method: str | Method) -> tuple[str, Method]:
    """Resolve a method given by name or as a callable.

    Parameters
    ----------
    method : str or callable

    Returns
    -------
    (str, callable)
        Its name (the callable's ``__name__`` when given a callable) and the callable.

    Raises
    ------
    KeyError
        Unknown name (the message lists the known ones).
    """
    if isinstance(method, str):
        return method, METHODS[method]
    if not callable(method):
        raise TypeError(f"method: expected a name or a callable, got {method!r}")
    return getattr(method, "__name__", type(method).__name__), method
