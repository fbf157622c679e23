"""A mapping's ``fields`` blocks as generated Python functions.

The checked operation model (``hub.mapping.operations``) is turned, once per loaded mapping, into the source
of one function per ``fields`` block, compiled with ``compile()``: path reads, ``first``, ``lookup``, ``money``,
``date``, one-step ``call`` and the modifiers (blank handling, ``default``, ``as``, ``required``) are written
out inline, so a field costs the work it needs and not a chain of closure calls. The interpreted closures stay
the reference: each piece of code written here does what the closure it replaces does, in the same order,
inside the same ``try`` regions, so values and error messages are the same (tests/mapping checks every golden
case both ways). Operations not written out (``sum``, ``split``, ``each``, nested ``fields``) are called as
their compiled closures; a nested ``fields`` block (inside ``each`` or ``fields``) gets a function of its own.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable
from itertools import count
from typing import Any

from hub.mapping.errors import MappingInputError
from hub.mapping.functions import decimal_text, get_function, to_decimal
from hub.mapping.functions.core import amount_text, shown
from hub.mapping.operations import (
    MAX_INTEGER_DIGITS,
    Call,
    Const,
    Copy,
    DateOp,
    First,
    Lookup,
    MoneyOp,
    Operation,
    Spec,
    Tables,
    _call_error,
    blank_to_none,
    coerce,
    present,
    within,
)
from hub.mapping.paths import parse_path, read_parts

Build = Callable[[Any, Any], dict[str, Any]]
_serial = count()  # names each generated function's pseudo file apart, for tracebacks


def lookup_refused(key: Any, table: dict[str, Any]) -> MappingInputError:
    """The error of a strict lookup, worded as the interpreted lookup words it."""
    return MappingInputError(f"{shown(key)} is not one of {', '.join(map(repr, table))}")


class _Writer:
    """Source lines of one function and the objects its names refer to."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "isinstance": isinstance,
            "str": str,
            "dict": dict,
            "list": list,
            "bool": bool,
            "len": len,
            "int": int,
            "ValueError": ValueError,
            "ArithmeticError": ArithmeticError,
            "MappingInputError": MappingInputError,
            "within": within,
            "read_parts": read_parts,
            "present": present,
            "blank_to_none": blank_to_none,
            "coerce": coerce,
            "to_decimal": to_decimal,
            "amount_text": amount_text,
            "decimal_text": decimal_text,
            "call_error": _call_error,
            "lookup_refused": lookup_refused,
        }
        self._count = count()
        # First-level reads of the function's ``root`` and ``current``, each done once at its start: a field
        # block reads the same segment (PO1, BEG) for many fields, and the input is not changed while mapped.
        self.hoisted: dict[tuple[str, str], str] = {}
        self.forms: dict[tuple[str, str], str] = {}

    def line(self, depth: int, text: str) -> None:
        self.lines.append("    " * depth + text)

    def constant(self, value: Any) -> str:
        name = f"k{next(self._count)}"
        self.names[name] = value
        return name

    def temp(self) -> str:
        return f"t{next(self._count)}"

    # -- what compile_spec gives ------------------------------------------------------------------------

    def spec(self, spec: Spec | None, out: str, depth: int) -> None:
        if spec is None:
            self.line(depth, f"{out} = None")
        elif isinstance(spec, str):
            self.read(spec, out, depth, clean=False)
        else:
            self.operation(spec, out, depth)

    def operation(self, op: Operation, out: str, depth: int) -> None:
        """``op.compile``: the producer, the presentation of its value, then the modifiers in their order."""
        presents = self.producer(op, out, depth)
        if not presents:
            self.line(depth, f"if isinstance({out}, str):")
            self.line(depth + 1, f"{out} = {out}.strip() or None")
            self.line(depth, f"elif isinstance({out}, list) and not {out}:")
            self.line(depth + 1, f"{out} = None")
        if op.default is not None:
            self.line(depth, f"if {out} is None:")
            self.line(depth + 1, f"{out} = {self.constant(op.default)}")
        if op.as_ is not None:
            self.coercion(op.as_, out, depth)
        if op.required:
            source = self.constant(op.copy_ if isinstance(op, Copy) else "")
            self.line(depth, f"if {out} is None:")
            message = "a value is required but the input has none"
            self.line(depth + 1, f"raise MappingInputError({message!r}, source={source})")

    def coercion(self, kind: str, out: str, depth: int) -> None:
        self.line(depth, f"if {out} is not None:")
        if kind == "integer":  # whole-number text, the commonest case, as ``coerce`` reads it
            self.line(
                depth + 1,
                f"if isinstance({out}, str) and {out}.isdigit() and {out}.isascii()"
                f" and len({out}) <= {MAX_INTEGER_DIGITS}:",
            )
            self.line(depth + 2, f"{out} = int({out})")
            self.line(depth + 1, "else:")
            self.line(depth + 2, f"{out} = coerce({out}, 'integer')")
        elif kind == "string":  # text stays as it is (``str`` of a str is itself)
            self.line(depth + 1, f"if {out}.__class__ is not str:")
            self.line(depth + 2, f"{out} = coerce({out}, 'string')")
        else:
            self.line(depth + 1, f"{out} = coerce({out}, {kind!r})")

    def producer(self, op: Operation, out: str, depth: int) -> bool:
        """Write the operation's own work into ``out``; True when its value needs no presentation pass."""
        if isinstance(op, Copy):
            self.read(op.copy_, out, depth, clean=True)
        elif isinstance(op, Const):  # its presentation is the same every time: done here, once
            self.line(depth, f"{out} = {self.constant(present(op.const))}")
            return True
        elif isinstance(op, First):
            self.first(op, out, depth)
        elif isinstance(op, Lookup):
            self.lookup(op, out, depth)
        elif isinstance(op, DateOp):
            raw = self.temp()
            self.spec(op.date, raw, depth)
            self.line(depth, f"{out} = None if {raw} is None else {self.constant(op._convert)}({raw})")
        elif isinstance(op, MoneyOp):
            self.money(op, out, depth)
        elif isinstance(op, Call):
            self.call(op, out, depth)
        else:  # sum, split, each, fields: their compiled closure
            self.line(depth, f"{out} = {self.constant(op.producer(self.tables))}(root, current)")
        return op.presents

    def read(self, path: str, out: str, depth: int, *, clean: bool) -> None:
        """``operations.reader``: ``clean`` is ``present`` (empty lists read as None too), else blank_to_none."""
        from_root, parts = parse_path(path)
        source = "root" if from_root else "current"
        finish = self.constant(present if clean else blank_to_none)
        slow = f"{out} = {finish}(read_parts({source}, {self.constant(parts)}, {self.constant(path)}))"
        keys = all(isinstance(part, str) for part in parts)
        if not keys or len(parts) not in (1, 2):
            self.line(depth, slow)
            return
        first = self.hoist(source, str(parts[0]))
        if len(parts) == 1:  # the key's value as read (and cleaned) once, at the function's start
            self.line(depth, f"if {source}_is_dict:")
            self.line(depth + 1, f"{out} = {self.hoisted_form(first, 'present' if clean else 'blank')}")
        else:  # a segment's element: the segment looked at once, at the function's start
            self.line(depth, f"if {self.hoisted_form(first, 'dict')}:")
            self.line(depth + 1, f"{out} = {first}.get({parts[1]!r})")
            self.cleaned(out, depth + 1, clean=clean)
            self.line(depth, f"elif {first} is None and {source}_is_dict:")
            self.line(depth + 1, f"{out} = None")
        self.line(depth, "else:")
        self.line(depth + 1, slow)

    def hoist(self, source: str, key: str) -> str:
        name = self.hoisted.get((source, key))
        if name is None:
            name = self.hoisted[source, key] = f"h{next(self._count)}"
        return name

    def hoisted_form(self, name: str, form: str) -> str:
        """A name for ``name``'s value in ``form``, worked out once in the prelude: "dict" (whether it is an
        object), "present" (as ``present`` gives it) or "blank" (as ``blank_to_none`` gives it)."""
        return self.forms.setdefault((name, form), f"{name}_{form}")

    def prelude(self) -> list[str]:
        """The function's first lines: whether root and current are objects, their keys read once, and the
        forms of those values the reads use (none of which can fail)."""
        lines = ["    root_is_dict = isinstance(root, dict)", "    current_is_dict = isinstance(current, dict)"]
        for (source, key), name in self.hoisted.items():
            lines.append(f"    {name} = {source}.get({key!r}) if {source}_is_dict else None")
            for form in ("dict", "present", "blank"):
                formed = self.forms.get((name, form))
                if formed is not None:
                    lines.append(f"    {formed} = {_FORMS[form].format(name)}")
        return lines

    def cleaned(self, out: str, depth: int, *, clean: bool) -> None:
        self.line(depth, f"if isinstance({out}, str):")
        self.line(depth + 1, f"{out} = {out}.strip() or None")
        if clean:
            self.line(depth, f"elif isinstance({out}, list) and not {out}:")
            self.line(depth + 1, f"{out} = None")

    def first(self, op: First, out: str, depth: int) -> None:
        for position, candidate in enumerate(op.first):
            if position:
                self.line(depth, f"if {out} is None:")
                depth += 1
            self.spec(candidate, out, depth)

    def lookup(self, op: Lookup, out: str, depth: int) -> None:
        table = self.tables[op.lookup] if isinstance(op.lookup, str) else op.lookup
        key, text, name = self.temp(), self.temp(), self.constant(table)
        self.spec(op.from_, key, depth)
        self.line(depth, f"if {key} is None:")
        self.line(depth + 1, f"{out} = None")
        self.line(depth, "else:")
        self.line(depth + 1, f"{text} = str({key}).lower() if isinstance({key}, bool) else str({key})")
        self.line(depth + 1, f"if {text} in {name}:")
        self.line(depth + 2, f"{out} = {name}[{text}]")
        self.line(depth + 1, "else:")
        if op.strict:
            self.line(depth + 2, f"raise lookup_refused({key}, {name})")
        else:
            self.line(depth + 2, f"{out} = None")

    def money(self, op: MoneyOp, out: str, depth: int) -> None:
        raw, amount, currency = self.temp(), self.temp(), self.temp()
        self.line(depth, "try:")
        self.spec(op.money, raw, depth + 1)
        self.line(depth + 1, f"{amount} = amount_text({raw})")  # to_decimal, then decimal_text of it
        self.line(depth, "except ValueError as exc:")
        self.line(depth + 1, "raise MappingInputError(str(exc)) from None")
        self.line(depth, f"if {amount} is None:")
        self.line(depth + 1, f"{out} = None")
        self.line(depth, "else:")
        self.spec(op.currency, currency, depth + 1)
        self.line(depth + 1, f"{out} = {{'amount': {amount}, 'currency': {currency}}}")

    def call(self, op: Call, out: str, depth: int) -> None:
        values = [self.temp() for _ in op.args]
        self.line(depth, "try:")
        for value, argument in zip(values, op.args, strict=True):
            self.spec(argument, value, depth + 1)
        named = all(key.isidentifier() and not keyword.iskeyword(key) for key in op.options)
        if named:  # each option as its own keyword: no dict unpacked per call
            values += [f"{key}={self.constant(option)}" for key, option in op.options.items()]
        elif op.options:
            values.append(f"**{self.constant(op.options)}")
        self.line(depth + 1, f"{out} = {self.constant(get_function(op.call))}({', '.join(values)})")
        self.line(depth, "except (ValueError, ArithmeticError) as exc:")
        self.line(depth + 1, f"raise call_error({op.call!r}, exc) from None")


# The forms of a hoisted value (see ``_Writer.hoisted_form``), as expressions of its name.
_FORMS = {
    "dict": "isinstance({0}, dict)",
    "present": "({0}.strip() or None) if isinstance({0}, str) else None if isinstance({0}, list) and not {0} else {0}",
    "blank": "({0}.strip() or None) if isinstance({0}, str) else {0}",
}


def generated_fields(fields: dict[str, Spec], tables: Tables) -> Build:
    """One function building the object of a ``fields`` block, as ``operations.interpreted_fields`` does:
    each field's value, left out when None; an error names the field it happened in."""
    writer = _Writer(tables)
    writer.line(0, "def build(root, current):")
    writer.line(1, "result = {}")
    for name, spec in fields.items():
        writer.line(1, "try:")
        writer.spec(spec, "value", 2)
        writer.line(1, "except MappingInputError as exc:")
        writer.line(2, f"raise within(exc, {name!r}) from None")
        writer.line(1, "if value is not None:")
        writer.line(2, f"result[{name!r}] = value")
    writer.line(1, "return result")
    lines = writer.lines[:2] + writer.prelude() + writer.lines[2:]
    source = "\n".join(lines) + "\n"
    filename = f"<mapping fields {next(_serial)}: {', '.join(fields)[:60]}>"
    exec(compile(source, filename, "exec"), writer.names)  # noqa: S102 - source written above from the checked model
    build: Build = writer.names["build"]
    build.source = source  # type: ignore[attr-defined]  # for tests and for reading what a mapping became
    return build
