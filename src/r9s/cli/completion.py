"""Shell completion scripts generated from the argparse tree (``build_parser(full=True)``),
so every command and option is covered and the scripts cannot drift from the parser.

One walk over the tree gives, for every command path (``""``, ``"chat"``, ``"config set"``):
its subcommands, its options, which options take a value (and which values: choices or
files), and its positional choices. Each shell gets the same tables in its own syntax.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field, replace

FILE = "@file"
FILE_METAVARS = {"PATH", "FILE", "IMAGE", "DIR", "FILE|DIR", "AUDIO"}


@dataclass
class Option:
    strings: list[str]
    help: str
    values: list[str] | None  # None: a flag; [] any value; [FILE]: a path; else choices


@dataclass
class Node:
    path: str
    help: str = ""
    options: list[Option] = field(default_factory=list)
    children: dict[str, str] = field(default_factory=dict)  # name -> help
    positionals: list[str] = field(default_factory=list)  # choices, or FILE
    # After this many positional arguments everything belongs to another program
    # (`r9s run TOOL ARGS...`): the scripts then switch to the node "<path> --".
    rest_after: int | None = None
    # How many positional words the command takes (None: any number). One more, be it a
    # command it does not have, and the scripts switch to the node UNKNOWN: no offers.
    max_words: int | None = 0


REST = "--"
"""The last word of the pseudo command path for words r9s passes on untouched."""

UNKNOWN = "?"
"""The pseudo command path after a word the parser would reject: nothing is offered."""


def _values(action: argparse.Action) -> list[str]:
    if action.choices is not None:
        return [str(choice) for choice in action.choices]
    metavar = action.metavar if isinstance(action.metavar, str) else ""
    if metavar.upper() in FILE_METAVARS or "PATH" in metavar.upper():
        return [FILE]
    return []


def walk(parser: argparse.ArgumentParser) -> list[Node]:
    nodes: list[Node] = []

    def visit(current: argparse.ArgumentParser, path: str, help_text: str) -> None:
        node = Node(path, help_text)
        nodes.append(node)
        positionals = 0
        for action in current._actions:
            if isinstance(action, argparse._SubParsersAction):
                helps = {choice.dest: choice.help or "" for choice in action._choices_actions}
                seen: dict[int, str] = {}
                for name, child in action.choices.items():
                    canonical = seen.setdefault(id(child), name)
                    text = helps.get(canonical, "")
                    node.children[name] = text
                    if canonical == name:
                        visit(child, f"{path} {name}".strip(), text)
                    else:
                        # an alias: the same node under another name
                        nodes.append(
                            _alias(nodes, f"{path} {canonical}".strip(), f"{path} {name}".strip())
                        )
            elif action.option_strings:
                if action.help == argparse.SUPPRESS:
                    continue  # a hidden option (an old spelling) is not offered
                values = None if action.nargs == 0 else _values(action)
                node.options.append(Option(list(action.option_strings), action.help or "", values))
            elif action.nargs == argparse.REMAINDER:
                node.rest_after = positionals
                node.max_words = None
                nodes.append(Node(f"{node.path} {REST}", positionals=[FILE], max_words=None))
            else:
                positionals += 1
                node.positionals.extend(_values(action))
                words = action.nargs if isinstance(action.nargs, int) else _WORDS[action.nargs]
                if node.max_words is not None:
                    node.max_words = None if words is None else node.max_words + words

    visit(parser, "", parser.description or "")
    return nodes


_WORDS: dict[str | None, int | None] = {None: 1, argparse.OPTIONAL: 1, "*": None, "+": None}
"""Positional words an argument takes, by its nargs (None: any number)."""


def _alias(nodes: list[Node], canonical: str, alias: str) -> Node:
    original = next(node for node in nodes if node.path == canonical)
    return replace(original, path=alias)


def _q(text: str) -> str:
    """Single-quoted for sh, bash, zsh and fish."""
    return "'" + text.replace("'", "'\\''") + "'"


def _fish_q(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _takes_value_cases(nodes: list[Node]) -> list[str]:
    return [
        f"{node.path}|{string}"
        for node in nodes
        for option in node.options
        if option.values is not None
        for string in option.strings
    ]


def _sub_cases(nodes: list[Node]) -> list[str]:
    return [f"{node.path}|{child}" for node in nodes for child in node.children]


def _rest_cases(nodes: list[Node]) -> list[str]:
    """``PATH|N``: after N positional words under PATH, the rest is another program's."""
    return [f"{node.path}|{node.rest_after}" for node in nodes if node.rest_after is not None]


def _too_many_cases(nodes: list[Node]) -> list[str]:
    """``PATH|N``: the Nth positional word is one more than PATH takes (the scripts count
    one by one, so the first word too many is enough)."""
    return [f"{node.path}|{node.max_words + 1}" for node in nodes if node.max_words is not None]


# ------------------------------------------------------------------ bash


def _values_function(nodes: list[Node], echo: str) -> list[str]:
    """``__r9s_values COMMAND OPTION``: the choices an option takes (bash and zsh alike)."""
    out = ["__r9s_values() {", '    case "$1|$2" in']
    for node in nodes:
        for option in node.options:
            if option.values:
                patterns = "|".join(_q(f"{node.path}|{s}") for s in option.strings)
                out.append(f"        {patterns}) {echo} {_q(' '.join(option.values))} ;;")
    return [*out, "    esac", "}", ""]


def bash(parser: argparse.ArgumentParser) -> str:
    nodes = walk(parser)
    out = ["# bash completion for r9s (generated by `r9s completion bash`)", ""]
    out += _sh_case("__r9s_takes_value", _takes_value_cases(nodes))
    out += _sh_case("__r9s_is_sub", _sub_cases(nodes))
    out += _sh_case("__r9s_rest", _rest_cases(nodes))
    out += _sh_case("__r9s_too_many", _too_many_cases(nodes))
    out += _values_function(nodes, "echo")
    out += ["__r9s_words() {", '    case "$1" in']
    for node in nodes:
        words = [*node.children, *(s for o in node.options for s in o.strings), *node.positionals]
        out.append(f"        {_q(node.path)}) echo {_q(' '.join(words))} ;;")
    out += ["    esac", "}", ""]
    out += [
        "__r9s_path() {",
        '    # the command path ("config set") of the words before the cursor; "run --"',
        "    # once the words are the tool's",
        '    local path="" skip=0 n=0 w i',
        "    for ((i = 1; i < COMP_CWORD; i++)); do",
        '        w="${COMP_WORDS[i]}"',
        "        if ((skip)); then skip=0; continue; fi",
        '        case "$w" in',
        '            -*) __r9s_takes_value "$path" "$w" && skip=1; continue ;;',
        "        esac",
        '        if __r9s_is_sub "$path" "$w"; then path="${path:+$path }$w"; n=0; continue; fi',
        "        n=$((n + 1))",
        f'        if __r9s_rest "$path" "$n"; then path="$path {REST}"; break; fi',
        f'        if __r9s_too_many "$path" "$n"; then path="{UNKNOWN}"; break; fi',
        "    done",
        '    echo "$path"',
        "}",
        "",
        "_r9s() {",
        '    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"',
        "    local path words",
        "    path=$(__r9s_path)",
        "    COMPREPLY=()",
        f'    if [[ "$path" == *" {REST}" ]]; then',
        '        mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
        "        return 0",
        "    fi",
        '    if [[ "$prev" == -* ]] && __r9s_takes_value "$path" "$prev"; then',
        '        words=$(__r9s_values "$path" "$prev")',
        f'        if [[ "$words" == "{FILE}" ]]; then',
        '            mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
        '        elif [[ -n "$words" ]]; then',
        '            mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")',
        "        fi",
        "        return 0",
        "    fi",
        '    words=$(__r9s_words "$path")',
        f'    if [[ "$cur" != -* && " $words " == *" {FILE} "* ]]; then',
        '        mapfile -t COMPREPLY < <(compgen -f -- "$cur")',
        "    fi",
        f'    words="${{words//{FILE}/}}"',
        '    COMPREPLY+=($(compgen -W "$words" -- "$cur"))',
        "    return 0",
        "}",
        "",
        "complete -o filenames -F _r9s r9s",
        "",
    ]
    return "\n".join(out)


def _sh_case(name: str, cases: list[str]) -> list[str]:
    lines = [f"{name}() {{", '    case "$1|$2" in']
    for start in range(0, len(cases), 4):
        chunk = cases[start : start + 4]
        lines.append("        " + "|".join(_q(case) for case in chunk) + ") return 0 ;;")
    lines += ["    esac", "    return 1", "}", ""]
    return lines


# ------------------------------------------------------------------ zsh


def zsh(parser: argparse.ArgumentParser) -> str:
    nodes = walk(parser)
    out = ["#compdef r9s", "# zsh completion for r9s (generated by `r9s completion zsh`)", ""]
    out += _sh_case("__r9s_takes_value", _takes_value_cases(nodes))
    out += _sh_case("__r9s_is_sub", _sub_cases(nodes))
    out += _sh_case("__r9s_rest", _rest_cases(nodes))
    out += _sh_case("__r9s_too_many", _too_many_cases(nodes))
    out += _values_function(nodes, "print -r --")
    out += ["__r9s_items() {", '    case "$1" in']
    for node in nodes:
        items = [f"{name}:{text}" for name, text in node.children.items()]
        items += [
            f"{string}:{option.help}".replace("\n", " ")
            for option in node.options
            for string in option.strings
        ]
        items += [value for value in node.positionals if value != FILE]
        body = " ".join(_q(item) for item in items)
        files = " 1" if FILE in node.positionals else ""
        out.append(f"        {_q(node.path)}) reply=({body}); REPLY={_q(files.strip())} ;;")
    out += ["    esac", "}", ""]
    out += [
        "_r9s() {",
        "    local cmdpath='' w i skip=0 n=0",
        "    for ((i = 2; i < CURRENT; i++)); do",
        '        w="${words[i]}"',
        "        if ((skip)); then skip=0; continue; fi",
        '        case "$w" in',
        '            -*) __r9s_takes_value "$cmdpath" "$w" && skip=1; continue ;;',
        "        esac",
        '        if __r9s_is_sub "$cmdpath" "$w"; then',
        '            cmdpath="${cmdpath:+$cmdpath }$w"; n=0; continue',
        "        fi",
        "        n=$((n + 1))",
        f'        if __r9s_rest "$cmdpath" "$n"; then cmdpath="$cmdpath {REST}"; break; fi',
        f'        if __r9s_too_many "$cmdpath" "$n"; then cmdpath="{UNKNOWN}"; break; fi',
        "    done",
        '    local prev="${words[CURRENT-1]}"',
        f'    if [[ "$cmdpath" == *" {REST}" ]]; then _files; return; fi',
        '    if [[ "$prev" == -* ]] && __r9s_takes_value "$cmdpath" "$prev"; then',
        '        local values="$(__r9s_values "$cmdpath" "$prev")"',
        f'        if [[ "$values" == "{FILE}" ]]; then _files',
        '        elif [[ -n "$values" ]]; then compadd -- ${=values}',
        "        else _message 'value'",
        "        fi",
        "        return",
        "    fi",
        "    local -a reply; local REPLY",
        '    __r9s_items "$cmdpath"',
        "    local -a items; items=($reply)",
        "    local ret=1",
        "    _describe -t r9s 'r9s' items && ret=0",
        '    if [[ -n "$REPLY" && "${words[CURRENT]}" != -* ]]; then _files && ret=0; fi',
        "    return ret",
        "}",
        "",
        'if [[ "$funcstack[1]" == _r9s ]]; then _r9s "$@"; else compdef _r9s r9s; fi',
        "",
    ]
    return "\n".join(out)


# ------------------------------------------------------------------ fish


def fish(parser: argparse.ArgumentParser) -> str:
    nodes = walk(parser)
    out = ["# fish completion for r9s (generated by `r9s completion fish`)", ""]
    out += _fish_switch("__r9s_takes_value", _takes_value_cases(nodes))
    out += _fish_switch("__r9s_is_sub", _sub_cases(nodes))
    out += _fish_switch("__r9s_rest", _rest_cases(nodes))
    out += _fish_switch("__r9s_too_many", _too_many_cases(nodes))
    out += [
        "function __r9s_path",
        "    set -l tokens (commandline -opc)",
        "    set -e tokens[1]",
        "    set -l path ''",
        "    set -l skip 0",
        "    set -l n 0",
        "    for w in $tokens",
        "        if test $skip = 1",
        "            set skip 0",
        "            continue",
        "        end",
        "        if string match -q -- '-*' $w",
        '            __r9s_takes_value "$path" $w; and set skip 1',
        "            continue",
        "        end",
        '        if __r9s_is_sub "$path" $w',
        '            set path (string trim -- "$path $w")',
        "            set n 0",
        "            continue",
        "        end",
        "        set n (math $n + 1)",
        '        if __r9s_rest "$path" $n',
        f'            set path "$path {REST}"',
        "            break",
        "        end",
        '        if __r9s_too_many "$path" $n',
        f"            set path '{UNKNOWN}'",
        "            break",
        "        end",
        "    end",
        '    echo "$path"',
        "end",
        "",
        "function __r9s_path_is",
        '    test (__r9s_path) = "$argv[1]"',
        "end",
        "",
        "complete -c r9s -f",
    ]
    for node in nodes:
        cond = f"-n {_fish_q('__r9s_path_is ' + _q(node.path))}"
        for name, text in node.children.items():
            out.append(f"complete -c r9s {cond} -a {_fish_q(name)} -d {_fish_q(text)}")
        for option in node.options:
            parts = []
            for string in option.strings:
                if string.startswith("--"):
                    parts.append(f"-l {_fish_q(string[2:])}")
                elif len(string) == 2:
                    parts.append(f"-s {_fish_q(string[1:])}")
                else:
                    parts.append(f"-o {_fish_q(string[1:])}")
            if option.values == [FILE]:
                parts.append("-r -F")
            elif option.values:
                parts.append(f"-x -a {_fish_q(' '.join(option.values))}")
            elif option.values is not None:
                parts.append("-x")
            out.append(f"complete -c r9s {cond} {' '.join(parts)} -d {_fish_q(option.help)}")
        choices = [value for value in node.positionals if value != FILE]
        if choices:
            out.append(f"complete -c r9s {cond} -a {_fish_q(' '.join(choices))}")
        if FILE in node.positionals:
            out.append(f"complete -c r9s {cond} -F")
    out.append("")
    return "\n".join(out)


def _fish_switch(name: str, cases: list[str]) -> list[str]:
    lines = [f"function {name}", '    switch "$argv[1]|$argv[2]"']
    if cases:
        lines.append("        case " + " ".join(_fish_q(case) for case in cases))
        lines.append("            return 0")
    lines += ["    end", "    return 1", "end", ""]
    return lines


SHELLS = {"bash": bash, "zsh": zsh, "fish": fish}
