"""Every resource method has an ``_async`` twin with the same signature (a guard against
sync and async drifting apart, since each pair is written as two one-line methods)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable
from typing import Any

import pytest

import r9s.resources
from r9s.resources._base import Resource


def resource_classes() -> list[type[Resource]]:
    for info in pkgutil.iter_modules(r9s.resources.__path__):
        importlib.import_module(f"r9s.resources.{info.name}")
    found: list[type[Resource]] = []
    pending = list(Resource.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return sorted(found, key=lambda cls: cls.__qualname__)


def public_methods(cls: type[Resource]) -> dict[str, Callable[..., Any]]:
    return {
        name: member
        for name, member in vars(cls).items()
        if not name.startswith("_") and callable(member)
    }


@pytest.mark.parametrize("cls", resource_classes(), ids=lambda cls: cls.__qualname__)
def test_every_method_has_an_async_twin_with_the_same_signature(cls: type[Resource]) -> None:
    methods = public_methods(cls)
    for name, method in methods.items():
        if name.endswith("_async"):
            assert name.removesuffix("_async") in methods, f"{cls.__name__}.{name} has no sync twin"
            continue
        twin = methods.get(f"{name}_async")
        assert twin is not None, f"{cls.__name__}.{name} has no {name}_async"
        assert inspect.iscoroutinefunction(twin), f"{cls.__name__}.{name}_async is not async"
        sync_sig = inspect.signature(method).replace(return_annotation=inspect.Signature.empty)
        async_sig = inspect.signature(twin).replace(return_annotation=inspect.Signature.empty)
        assert sync_sig == async_sig, f"{cls.__name__}.{name}: {sync_sig} != {async_sig}"
        assert (method.__doc__ or "").strip(), f"{cls.__name__}.{name} has no docstring"


NO_RAW_TWIN = frozenset({"run_tools", "run_tools_async"})
"""Calls that are not one HTTP exchange, so have no one response to return: a tool run
sends several requests and runs tools in between (its result's ``request_id`` is the
last request's)."""


@pytest.mark.parametrize("cls", resource_classes(), ids=lambda cls: cls.__qualname__)
def test_every_method_has_a_raw_twin(cls: type[Resource]) -> None:
    """``r9s.with_raw_response.<resource>`` has every method of the resource (its class is
    named after it, in its module), so ``with_raw_response`` misses no call; only those
    that are no one HTTP exchange are left out, on purpose."""
    module = importlib.import_module(cls.__module__)
    twin = getattr(module, f"{cls.__name__}WithRawResponse", None)
    assert twin is not None, f"{cls.__module__} has no {cls.__name__}WithRawResponse"
    methods = set(public_methods(cls))
    missing = methods - set(public_methods(twin))
    assert missing == methods & NO_RAW_TWIN, f"{twin.__name__} lacks {sorted(missing)}"
    for name in methods - NO_RAW_TWIN:
        assert getattr(twin, name).__doc__ == getattr(cls, name).__doc__


def test_every_resource_of_the_client_has_its_raw_twin() -> None:
    from r9s.client import R9S, R9SWithRawResponse, _Resource

    resources = {name for name, value in vars(R9S).items() if isinstance(value, _Resource)}
    twins = {
        name for name, value in vars(R9SWithRawResponse).items() if isinstance(value, _Resource)
    }
    assert resources == twins and len(resources) == 13
    client = R9S(api_key="sk-test-0123456789abcdef")
    for name in sorted(resources):
        assert type(getattr(client.with_raw_response, name)).__name__.endswith("WithRawResponse")
    client.close()
