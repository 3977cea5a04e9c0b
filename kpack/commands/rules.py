"""`kpack rules`, `kpack rule CODE` and `kpack schema KIND`: the catalogue and the schemas."""

from __future__ import annotations

import sys

from kpack.commands.output import print_error
from kpack.status import ExitStatus


def list_rules(output_format: str) -> ExitStatus:
    """Every rule: code, name, default severity, summary (a table, or JSON)."""
    from kpack.rules.catalogue import all_rules
    from kpack.rules.docs import fix_label

    if output_format not in ("text", "json"):
        return print_error("--format must be text or json")
    rules = all_rules()
    if output_format == "json":
        import json

        listing = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity.value,
                "kind": r.kind.value if r.kind else None,
                "summary": r.summary,
                "fix": fix_label(r),
            }
            for r in rules
        ]
        print(json.dumps(listing, indent=2))
        return ExitStatus.CLEAN
    from kpack.escape import printable
    from kpack.terminal import rules_table, width

    for line in rules_table(rules, width(sys.stdout)):
        print(printable(line))
    return ExitStatus.CLEAN


def complete_rule(incomplete: str) -> list[str]:
    """Shell completion of a rule code or name: those that start with the word, in any
    case, completed after what was typed (Typer keeps only what starts with it;
    `kpack rule a002` is `kpack rule A002`)."""
    from kpack.rules.catalogue import all_rules

    word = incomplete.lower()
    return [
        incomplete + value[len(incomplete):]
        for r in all_rules() for value in (r.code, r.name) if value.lower().startswith(word)
    ]


def show_rule(code: str) -> ExitStatus:
    """One rule's documentation, as docs/rules.md has it."""
    from kpack.rules.catalogue import get_rule
    from kpack.rules.docs import rule_markdown

    rule = get_rule(code)
    if rule is None:
        return print_error(f"no rule {code!r} (see `kpack rules`)")
    from kpack.escape import printable_lines

    print(printable_lines(rule_markdown(rule)))
    return ExitStatus.CLEAN


def show_schema(kind: str | None, path: bool) -> ExitStatus:
    """The installed JSON Schema of a kind (or, with `path`, where it is)."""
    from kpack.schemas import installed_path

    if kind is None and not path:
        return print_error("give a kind (manifest, account-type or dev-config), or --path")
    where = installed_path(kind)
    if path:
        print(str(where))
        return ExitStatus.CLEAN
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as exc:
        return print_error(f"cannot read {where}: {exc.strerror or exc} (reinstall kpack)")
    sys.stdout.write(text)
    return ExitStatus.CLEAN
