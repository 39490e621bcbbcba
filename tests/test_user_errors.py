"""Every user error a page or the API can show is a catalog template, never a built sentence.

A user error built with an f-string (or `%`, `.format`, `+`) carries English a page cannot
translate; `UserError(N_("... %(name)s ..."), values={...})` is said in the user's language.
The walk below reads the source with `ast` and names each file and line that breaks the rule.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import armsbridge

SRC = Path(armsbridge.__file__).parent
# The CLI speaks English only (no language setting, no catalog): its own commands may say their
# errors as f-strings. So may the synthetic scenario, which only `armsbridge synth` reaches.
CLI_ONLY = ("synth/",)
NOT_CODE = ("db/migrations/",)


def _cli_only(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return (
        name in ("cli.py", "commands.py")
        or name.endswith("_commands.py")
        or rel.startswith(CLI_ONLY)
    )


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(NOT_CODE) or _cli_only(rel):
            continue
        found.append((rel, path))
    return found


def user_error_names(trees: list[ast.Module]) -> set[str]:
    """The names of UserError and of every class that derives from it in `trees`."""
    names = {"UserError"}
    classes = [
        (node.name, {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases})
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    ]
    grew = True
    while grew:
        grew = False
        for name, bases in classes:
            if name not in names and bases & names:
                names.add(name)
                grew = True
    return names


def _called(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def _built(node: ast.expr) -> bool:
    """True for a sentence built at run time: f-string, `%`, `.format()`, or `+` of such."""
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _text(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return any(_built(side) or _text(side) for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr == "format" and _text(node.func.value)
    return False


def violations(source: str | ast.Module, errors: set[str], where: str) -> list[str]:
    """Each `raise <user error>(<built sentence>)` of `source`, as "where:line: message"."""
    tree = ast.parse(source) if isinstance(source, str) else source
    nodes = list(ast.walk(tree))
    # A sentence built first in a variable, then raised, counts as built too.
    built_names = {
        target.id
        for node in nodes
        if isinstance(node, ast.Assign) and _built(node.value)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    found = []
    for node in nodes:
        if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
            continue
        call = node.exc
        cls = _called(call.func)
        message = call.args[0] if call.args else None
        for kw in call.keywords:
            if kw.arg == "message":
                message = kw.value
        if cls not in errors or message is None:
            continue
        if _built(message) or (isinstance(message, ast.Name) and message.id in built_names):
            found.append(
                f"{where}:{node.lineno}: {cls} with a built message; write "
                f'{cls}(N_("... %(name)s ..."), values={{"name": ...}})'
            )
    return found


def test_no_user_error_is_built_as_a_sentence() -> None:
    """No module a page or the API reaches raises a user error with an f-string message."""
    trees = {
        path.relative_to(SRC).as_posix(): ast.parse(path.read_text(encoding="utf-8"))
        for path in SRC.rglob("*.py")
    }
    errors = user_error_names(list(trees.values()))
    assert {"ValidationFailed", "Conflict", "MappingError", "PeerRefused"} <= errors
    found = []
    for rel, _path in _modules():
        found.extend(violations(trees[rel], errors, rel))
    assert not found, "user errors a page cannot translate:\n" + "\n".join(found)


FAKE = {"UserError", "Conflict"}


@pytest.mark.parametrize(
    "source",
    [
        'def f(name):\n    raise Conflict(f"the case {name} is closed")\n',
        'def f(name):\n    raise UserError("the case %s is closed" % name)\n',
        'def f(name):\n    raise UserError("the case {} is closed".format(name))\n',
        'def f(name):\n    raise UserError("the case " + name)\n',
        'def f(name):\n    text = f"the case {name}"\n    raise UserError(text)\n',
    ],
)
def test_the_walk_finds_a_built_message(source: str) -> None:
    """The check fails on each way of building the sentence, naming the file and line."""
    found = violations(source, FAKE, "x.py")
    assert len(found) == 1 and found[0].startswith("x.py:")


def test_the_walk_accepts_a_template() -> None:
    """A catalog template with values, or a fixed sentence, passes."""
    source = (
        "def f(name):\n"
        '    raise Conflict(N_("the case %(ref)s is closed"), values={"ref": name})\n'
        "def g():\n"
        '    raise UserError(N_("no such case"))\n'
        "def h(name):\n"
        '    raise ValueError(f"internal {name}")\n'
    )
    assert violations(source, FAKE, "x.py") == []


def test_a_problem_expected_as_a_phrase_is_said_in_the_language() -> None:
    """A field problem's `expected` (a Phrase) and an error's Label values are translated."""
    from armsbridge.errors import ValidationFailed
    from armsbridge.i18n_marker import N_, Label, Phrase
    from armsbridge.web.i18n import Formatter

    expected = Phrase(N_("at most %(count)s characters"), {"count": 500})
    assert str(expected) == "at most 500 characters"
    assert Formatter("mk").gettext(expected) == "најмногу 500 знаци"
    refused = ValidationFailed(
        N_("your role (%(role)s) may not link records"),
        values={"role": Label("Auditor (data protection)")},
    )
    assert str(refused) == "your role (Auditor (data protection)) may not link records"
    assert (
        Formatter("sr").error(refused)
        == "vaša uloga (Revizor (zaštita podataka)) ne sme da povezuje zapise"
    )
