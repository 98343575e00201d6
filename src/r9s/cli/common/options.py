"""``-o/--option KEY VALUE``, ``--reasoning`` and ``--extra JSON``: the request options of a
chat, checked against the API in use and written into each API's own request fields.

An option has one name on the command line (``max_tokens``, ``reasoning_effort``...) and
the field each API calls it (``max_output_tokens`` on Responses, ``reasoning.effort``,
Anthropic's ``thinking.budget_tokens``...). A key the API does not take, or a value of
the wrong kind, is a one-line usage error before anything is sent; ``--extra`` sends
anything else as it is. Templates and agents keep options by the same names
(:func:`check_kept`), checked for an API when a chat uses them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from r9s.cli.common.errors import UsageError
from r9s.cli.common.i18n import _

APIS = ("chat", "responses", "messages")
EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
# Anthropic's thinking budget for each effort (budget_tokens must be >= 1024).
THINKING_BUDGETS = {"minimal": 1024, "low": 2048, "medium": 8192, "high": 16384, "xhigh": 32000}


class OptionError(UsageError):
    """An option that cannot be sent as given (one line, exit 2)."""


@dataclass(frozen=True)
class Option:
    """One ``-o`` key: its kind, its bounds, and its field in each API (``None``: the API
    has no such option). A dotted field is nested (``reasoning.effort``)."""

    name: str
    kind: str  # "float", "int", "bool", "str", "choice", "strings"
    help: str
    fields: Mapping[str, str | None]
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    highs: Mapping[str, float] = field(default_factory=dict)  # a tighter bound on one API

    def apis(self) -> list[str]:
        return [api for api in APIS if self.fields.get(api)]


def _all(name: str) -> dict[str, str | None]:
    return {api: name for api in APIS}


OPTIONS: tuple[Option, ...] = (
    Option("temperature", "float", "randomness", _all("temperature"), 0, 2, highs={"messages": 1}),
    Option("top_p", "float", "nucleus sampling", _all("top_p"), 0, 1),
    Option("top_k", "int", "sample from the K likeliest tokens", {"messages": "top_k"}, 1),
    Option(
        "max_tokens",
        "int",
        "most tokens to generate",
        {"chat": "max_tokens", "responses": "max_output_tokens", "messages": "max_tokens"},
        1,
        aliases=("max_output_tokens", "max_completion_tokens"),
    ),
    Option("seed", "int", "for repeatable sampling", {"chat": "seed"}),
    Option(
        "stop",
        "strings",
        "stop at this text (a JSON list for several)",
        {"chat": "stop", "messages": "stop_sequences"},
        aliases=("stop_sequences",),
    ),
    Option("frequency_penalty", "float", "less repetition", {"chat": "frequency_penalty"}, -2, 2),
    Option("presence_penalty", "float", "new topics", {"chat": "presence_penalty"}, -2, 2),
    Option(
        "reasoning_effort",
        "choice",
        "how hard a reasoning model thinks (as --reasoning)",
        {"chat": "reasoning_effort", "responses": "reasoning.effort", "messages": "thinking"},
        choices=EFFORTS,
        aliases=("reasoning", "effort"),
    ),
    Option(
        "thinking_budget",
        "int",
        "Anthropic's thinking budget in tokens (1024 or more)",
        {"messages": "thinking"},
        1024,
        aliases=("budget_tokens",),
    ),
    Option(
        "verbosity",
        "choice",
        "how long the answer is",
        {"chat": "verbosity", "responses": "text.verbosity"},
        choices=("low", "medium", "high"),
    ),
    Option("user", "str", "an end-user id", {**_all("user"), "messages": "metadata.user_id"}),
    Option("service_tier", "str", "e.g. auto, default, flex, priority", _all("service_tier")),
    Option(
        "parallel_tool_calls",
        "bool",
        "let the model call several tools at once",
        {"chat": "parallel_tool_calls", "responses": "parallel_tool_calls"},
    ),
    Option("logprobs", "bool", "return log probabilities", {"chat": "logprobs"}),
    Option(
        "top_logprobs",
        "int",
        "how many likely tokens per position",
        {"chat": "top_logprobs", "responses": "top_logprobs"},
        0,
        20,
    ),
    Option(
        "store",
        "bool",
        "let the provider keep the exchange",
        {"chat": "store", "responses": "store"},
    ),
    Option(
        "truncation",
        "choice",
        "drop the oldest input when too long",
        {"responses": "truncation"},
        choices=("auto", "disabled"),
    ),
)

_BY_NAME = {name: option for option in OPTIONS for name in (option.name, *option.aliases)}


def find(key: str) -> Option:
    """The option named ``key`` (or one of its aliases); a usage error naming the closest."""
    option = _BY_NAME.get(key.strip().lower().replace("-", "_"))
    if option is not None:
        return option
    import difflib

    close = difflib.get_close_matches(key, list(_BY_NAME), n=1, cutoff=0.6)
    if close:
        raise OptionError(
            _(
                "-o {key}: unknown option; did you mean {close}? (r9s chat --help lists them; "
                "--extra JSON sends anything else)"
            ).format(key=key, close=close[0])
        )
    raise OptionError(
        _(
            "-o {key}: unknown option (r9s chat --help lists them; --extra JSON sends anything "
            "else)"
        ).format(key=key)
    )


def parse_value(option: Option, raw: str, api: str | None = None) -> Any:
    """``raw`` as the option's kind, within its bounds; a usage error naming the problem."""
    text = raw.strip()
    name = option.name
    if option.kind in ("float", "int"):
        try:
            number: float = int(text) if option.kind == "int" else float(text)
        except ValueError:
            what = _("a whole number") if option.kind == "int" else _("a number")
            raise OptionError(
                _("-o {name}: {value!r} is not {what}").format(name=name, value=raw, what=what)
            ) from None
        high = option.highs.get(api or "", option.high)
        if (option.low is not None and number < option.low) or (high is not None and number > high):
            raise OptionError(_bounds_message(option, raw, high, api))
        return number
    if option.kind == "bool":
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise OptionError(
            _("-o {name}: {value!r} is not true or false").format(name=name, value=raw)
        )
    if option.kind == "choice":
        if text.lower() not in option.choices:
            raise OptionError(
                _("-o {name}: {value!r} is not one of {choices}").format(
                    name=name, value=raw, choices=", ".join(option.choices)
                )
            )
        return text.lower()
    if option.kind == "strings" and text.startswith("["):
        try:
            values = json.loads(text)
        except ValueError:
            values = None
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise OptionError(
                _("-o {name}: {value!r} is not a JSON list of strings").format(name=name, value=raw)
            )
        return values
    return raw


def _bounds_message(option: Option, raw: str, high: float | None, api: str | None) -> str:
    if high is not None and option.low is not None:
        bounds = _("from {low:g} to {high:g}").format(low=option.low, high=high)
    elif option.low is not None:
        bounds = _("{low:g} or more").format(low=option.low)
    else:
        bounds = _("{high:g} or less").format(high=high)
    if api is not None and api in option.highs:
        return _("-o {name} {value}: out of range (the {api} API takes {bounds})").format(
            name=option.name, value=raw, api=api, bounds=bounds
        )
    return _("-o {name} {value}: out of range ({bounds})").format(
        name=option.name, value=raw, bounds=bounds
    )


def parse_pairs(pairs: list[list[str]] | None) -> dict[str, str]:
    """``-o KEY VALUE`` pairs by option name (the last one given wins), unchecked values."""
    found: dict[str, str] = {}
    for key, value in pairs or []:
        found[find(key).name] = value
    return found


def check(api: str, raw: Mapping[str, Any]) -> dict[str, Any]:
    """The options, parsed and checked for ``api``; a usage error for one it lacks."""
    checked: dict[str, Any] = {}
    for name, value in raw.items():
        option = find(name)
        if not option.fields.get(api):
            raise OptionError(_not_for_api(option, api, value))
        checked[option.name] = (
            parse_value(option, str(value), api) if isinstance(value, str) else value
        )
    return checked


def check_kept(values: Mapping[str, Any], api: str | None = None) -> dict[str, Any]:
    """Options kept in a file (a template's ``[options]``, an agent's ``[params]``): by
    their names (an alias becomes the name), each value of its option's kind and within
    its bounds (``api``'s, when given); which API takes them is checked when a chat
    uses them."""
    checked: dict[str, Any] = {}
    for key, value in values.items():
        option = find(key)
        if isinstance(value, bool) and option.kind != "bool":
            text = str(value).lower()  # not a number: parse_value says so
        elif isinstance(value, list):
            text = json.dumps(value)
        else:
            text = str(value)
        checked[option.name] = parse_value(option, text, api)
    return checked


def applies(api: str, name: str) -> bool:
    option = _BY_NAME.get(name)
    return option is not None and bool(option.fields.get(api))


def _not_for_api(option: Option, api: str, value: Any) -> str:
    others = ", ".join(option.apis())
    try:
        sent = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        sent = value
    extra = json.dumps({option.name: sent})
    return _(
        "-o {name}: the {api} API has no such option (it works with --api {others}); "
        "--extra '{extra}' sends it anyway"
    ).format(name=option.name, api=api, others=others, extra=extra)


def parse_extra(values: list[str] | None) -> dict[str, Any]:
    """``--extra JSON`` (repeatable; later ones win): top-level fields sent as they are."""
    merged: dict[str, Any] = {}
    for text in values or []:
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise OptionError(
                _("--extra: not valid JSON ({problem}): {text}").format(problem=exc, text=text[:80])
            ) from None
        if not isinstance(value, dict):
            raise OptionError(
                _("--extra takes a JSON object, such as '{{\"seed\": 7}}', not {text}").format(
                    text=text[:80]
                )
            )
        merged.update(value)
    return merged


def thinking_budget(options: Mapping[str, Any]) -> int | None:
    """Anthropic's budget_tokens from ``thinking_budget`` or ``reasoning_effort``."""
    budget = options.get("thinking_budget")
    if budget is not None:
        return int(budget)
    effort = options.get("reasoning_effort")
    return THINKING_BUDGETS.get(effort) if isinstance(effort, str) else None


def apply(api: str, options: Mapping[str, Any], params: dict[str, Any]) -> None:
    """Write ``options`` (checked for ``api``) into ``params`` under each API's names."""
    writers: dict[str, Callable[[Any], None]] = {}
    if api == "messages":
        budget = thinking_budget(options)
        effort = options.get("reasoning_effort")

        def thinking(_value: Any) -> None:
            if budget is not None:
                params["thinking"] = {"type": "enabled", "budget_tokens": budget}
            elif effort == "none":
                params["thinking"] = {"type": "disabled"}

        writers["reasoning_effort"] = writers["thinking_budget"] = thinking
    for name, value in options.items():
        option = _BY_NAME[name]
        if name in writers:
            writers[name](value)
            continue
        target = option.fields.get(api)
        if not target:
            continue
        if option.kind == "strings" and api == "messages" and isinstance(value, str):
            value = [value]
        _set(params, target, value)


def _set(params: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    node = params
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[last] = value


def merge_extra(params: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """``--extra`` over ``params``: objects are merged key by key, anything else replaced."""
    for key, value in extra.items():
        current = params.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            params[key] = {**current, **value}
        else:
            params[key] = value


def help_table(api: str | None = None) -> str:
    """The ``-o`` keys, for ``--help`` and ``r9s models show``: name, kind, which APIs."""
    rows = []
    for option in OPTIONS:
        if api is not None and not option.fields.get(api):
            continue
        kind = "|".join(option.choices) if option.kind == "choice" else option.kind
        where = "" if len(option.apis()) == len(APIS) else f" [{', '.join(option.apis())}]"
        rows.append(f"  {option.name:<20} {kind:<8} {option.help}{where}")
    return "\n".join(rows)
