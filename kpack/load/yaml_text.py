"""YAML text to data: PyYAML's safe loader (its C version when installed), refusing what
would never end (alias cycles, "billion laughs") and the values JSON cannot hold.

YAML files are small and rare (dev configs): `kpack.load.source` imports this module, and
this module imports PyYAML, only when one is read.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from kpack.diagnostics import Rule, Span
from kpack.load import rules as R
from kpack.load.json_text import MAX_DEPTH
from kpack.load.source import FINDINGS_MAX, Budget, SourceFile

MAX_YAML_VALUES = 100_000  # composed PyYAML nodes cost about 600 bytes each
MAX_ALIAS_EXPANSION = 100_000  # values that aliases may add to a YAML document


MERGE_TAG = "tag:yaml.org,2002:merge"


class OwnKeys(NamedTuple):
    """A mapping holding a merge key, as written (before PyYAML flattens it)."""

    own: frozenset[int]  # ids of the key nodes written in the mapping itself
    # Keys repeated in a mapping written inline after `<<:` (name, start, end): found
    # before flattening, which may drop them (PyYAML 6.0.3 keeps a merged key's first).
    repeated: tuple[tuple[str, int, int], ...]


def compose(text: str) -> tuple[Any, dict[int, OwnKeys]]:
    """The node tree of YAML text that `parse_yaml` has read before without a problem, as
    `parse_yaml` leaves it (merge keys flattened), and its `own_keys`."""
    from kpack.load.pyyaml import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    try:
        root = loader.get_single_node()
        own = own_keys(root, text)
        if root is not None:
            loader.construct_document(root)
        return root, own
    finally:
        loader.dispose()


def own_keys(root: Any, text: str) -> dict[int, OwnKeys]:
    """Before PyYAML flattens merge keys (`<<: *base` puts the merged members first and
    the mapping's own after them): each mapping holding one, by id. An own key overriding
    a merged one is what a merge is for, not a duplicate key (L002); a key repeated in a
    mapping written inline after `<<:` is one (no pointer reaches that mapping)."""
    if root is None or "<<" not in text:  # no merge key can be there
        return {}
    from kpack.load.pyyaml import yaml

    found: dict[int, OwnKeys] = {}
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:  # aliases share nodes
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            merged = [value for key, value in node.value if key.tag == MERGE_TAG]
            if merged:
                own = frozenset(id(key) for key, _ in node.value if key.tag != MERGE_TAG)
                found[id(node)] = OwnKeys(own, _repeated_inline(node, merged, yaml))
            stack.extend(child for pair in node.value for child in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return found


def _repeated_inline(node: Any, merged: list[Any], yaml: Any) -> tuple[tuple[str, int, int], ...]:
    """The keys repeated within a mapping merged into `node` and written inside it (an
    anchored one elsewhere is indexed, and its duplicates found, where it is)."""
    sources = [
        source for value in merged
        for source in (value.value if isinstance(value, yaml.SequenceNode) else [value])
        if isinstance(source, yaml.MappingNode)
        and node.start_mark.index <= source.start_mark.index < node.end_mark.index
    ]
    repeated: list[tuple[str, int, int]] = []
    for source in sources:
        names: set[str] = set()
        for key, _ in source.value:
            if key.tag != MERGE_TAG:
                if str(key.value) in names:
                    repeated.append((str(key.value), key.start_mark.index, key.end_mark.index))
                names.add(str(key.value))
    return tuple(repeated)


def parse_yaml(source: SourceFile) -> None:
    """Parse `source.text` into `source.data`, or report why not."""
    from kpack.load.pyyaml import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    if len(source.text) > MAX_YAML_VALUES and yaml_values_over(source.text, MAX_YAML_VALUES):
        source.report(
            R.TOO_LARGE,
            f"the YAML document holds more than {MAX_YAML_VALUES:,} values",
            Span(1, 1, 1, 1),
        )
        return
    loader = loader_class(source.text)
    try:
        root = loader.get_single_node()
        refused = _alias_problem(root) if root is not None else None
        if refused is not None:  # constructing (then walking) the data would never end
            rule, message, mark = refused
            source.report(rule, message, _span_in_text(source.text, mark.line + 1, mark.column + 1))
            return
        own = own_keys(root, source.text)  # before construction flattens the merges
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = exc.problem or exc.context or "invalid YAML"
        source.report(R.YAML_SYNTAX, problem, _span_in_text(source.text, line, column))
        return
    except yaml.YAMLError as exc:
        source.report(R.YAML_SYNTAX, str(exc).splitlines()[0], Span(1, 1, 1, 1))
        return
    except RecursionError:
        source.report(R.TOO_DEEP, "arrays and objects are nested too deeply", Span(1, 1, 1, 1))
        return
    except ValueError:  # an integer beyond Python's digit limit
        from kpack.load.json_errors import report_big_integer

        report_big_integer(source)
        return
    finally:
        loader.dispose()
    if root is None:
        source.report(R.EMPTY_FILE, "the YAML file holds no document", Span(1, 1, 1, 1))
        return
    source.yaml_root = root
    source.yaml_own_keys = own
    source.data = data
    source.readable = True
    source.has_duplicates = True  # the index finds them; YAML files are small and rare
    if _report_non_json_values(source, data):
        # Rules and pointers expect JSON's string keys (`? ` is a None key, `1:` an int).
        _string_keys(data)


def _report_non_json_values(source: SourceFile, data: Any) -> bool:
    """Report the values and keys JSON cannot hold; whether there are any."""
    found = _non_json_values(data, "")
    budget = Budget()
    for pointer, what in found:
        if not budget.take(len(pointer) + len(what)):
            budget.report(source, "values with no JSON form")
            break
        source.report(
            R.NON_JSON_VALUE,
            f"{what} has no JSON form",
            source.span(pointer, at_value=True),
            pointer,
            help="quote the value to make it a string",
        )
    return bool(found)


def _span_in_text(text: str, line: int, column: int) -> Span:
    """A one-character span at a parser's (line, column), kept inside `text`: PyYAML marks
    the end of the stream on a line after the last one."""
    lines = text.split("\n")
    if line > len(lines):
        line, column = len(lines), len(lines[-1]) + 1
    column = min(column, len(lines[line - 1]) + 1)
    at_end = line == len(lines) and column > len(lines[-1])
    return Span(line, column, line, column if at_end else column + 1)


def yaml_values_over(text: str, limit: int) -> bool:
    """Whether the YAML text holds more than `limit` values, counted on the parser's
    events: composing nodes first would cost their memory (a 2 MiB flow sequence of
    numbers makes a million nodes, 600 MB). A syntax error stops the count: the parse
    that follows reports it."""
    from kpack.load.pyyaml import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)
    kinds = (yaml.ScalarEvent, yaml.AliasEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
    count = 0
    try:
        while loader.check_event():
            if isinstance(loader.get_event(), kinds):
                count += 1
                if count > limit:
                    return True
    except yaml.YAMLError:
        return False
    finally:
        loader.dispose()
    return False


def _string_keys(value: Any) -> None:
    seen: set[int] = set()
    stack = [value]
    while stack:
        value = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            if any(not isinstance(key, str) for key in value):
                items = [(str(key), item) for key, item in value.items()]
                value.clear()
                value.update(items)
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _alias_problem(root: Any) -> tuple[Rule, str, Any] | None:
    """Aliases make the node graph a DAG, or a cycle (`&x [*x]`): refuse a cycle, nesting
    beyond MAX_DEPTH, and aliases that multiply the values ("billion laughs"). One
    iterative walk with memoised sizes and depths, linear in the number of nodes."""
    from kpack.load.pyyaml import yaml

    size: dict[int, int] = {}  # node id -> values in its expanded tree (memo: done)
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        if children_done:
            on_path.discard(key)
            size[key] = 1 + sum(size[id(c)] for c in children)
            depth[key] = 1 + max((depth[id(c)] for c in children), default=0)
            if depth[key] > MAX_DEPTH:
                return (R.TOO_DEEP, f"arrays and objects are nested more than {MAX_DEPTH} "
                        "levels deep", node.start_mark)
            continue
        if key in size:
            continue
        on_path.add(key)
        stack.append((node, True))
        for child in children:
            if id(child) in on_path:
                return (R.TOO_DEEP, "an alias refers to a value that contains it: the "
                        "document would nest forever", child.start_mark)
            if id(child) not in size:
                stack.append((child, False))
    if size[id(root)] - len(size) > MAX_ALIAS_EXPANSION:
        return (R.TOO_LARGE, f"aliases expand the document to {size[id(root)]:,} values "
                f"(more than {MAX_ALIAS_EXPANSION:,} repeated ones)", root.start_mark)
    return None


def _non_json_values(value: Any, pointer: str) -> list[tuple[str, str]]:
    """The pointers of the values and keys that JSON cannot hold. The walk carries each
    value's path as a chain of (parent, token) pairs and spells a pointer only for what it
    reports: spelling every pointer costs the key lengths times the items below them."""
    from kpack.diagnostics import join_pointer

    Chain = tuple[Any, str] | None  # (the parent's chain, this token)

    def spell(chain: Chain) -> str:
        tokens = []
        while chain is not None:
            chain, token = chain
            tokens.append(token)
        return join_pointer(pointer, *reversed(tokens))

    found: list[tuple[str, str]] = []
    stack: list[tuple[Any, Chain]] = [(value, None)]
    while stack:
        value, chain = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                member = (chain, str(key))
                if not isinstance(key, str):
                    found.append((spell(member), f"the key {key!r}"))
                stack.append((item, member))
        elif isinstance(value, list):
            stack.extend((item, (chain, str(i))) for i, item in enumerate(value))
        elif not (value is None or isinstance(value, (str, bool, int, float))):
            found.append((spell(chain), f"a YAML {type(value).__name__} value"))
        elif isinstance(value, float) and (
            value != value or value in (float("inf"), -float("inf"))
        ):
            found.append((spell(chain), "a non-finite number"))
        if len(found) > FINDINGS_MAX:
            break
    return sorted(found)
