"""ShotGrid's calculated-field formulas: tokenizer, parser and type checker.

A formula (`properties.calculated_function` of a `calculated` field) is text such as
`{sg_cut_out} - {sg_cut_in} + 1` or `CONCAT("A_", UPPER({code}))`. `check_formula` parses it
into a tree of small frozen nodes and gives every node its value type, looking each `{field}` up
in the schema, so a mistake is a `FormulaFault` naming its column and token before any SQL
exists; store/kinds/calculated.py compiles the checked tree to SQL.

Where the rules come from (docs/schema.md has the full table):
- Autodesk's "Calculated fields" help page: field references in braces by system name, `+ - * /`,
  CONCAT/UPPER/LOWER and the other function families (string, date, type conversion, logical,
  comparison), formulas of at most 500 characters, an output type chosen when the field is made.
- ksallee/sg-groundtruth `field_types/calculated.md` (a live site, 2026): function names in any
  case (`to_days({workload})/ceiling(to_days({duration}))`), a formula may use another computed
  field, division by zero reads null, numbers turned into text get thousands separators
  (`CONCAT({code}, {id})` reads "charA1,226"), `renderer` is the output type.
- Linked fields follow the API's deep-link path inside the braces:
  `{sg_sequence.Sequence.code}` (single-entity links only).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from callsheet.faults import SchemaFault

if TYPE_CHECKING:
    from callsheet.schema.model import Field, Schema

MAX_FORMULA_CHARS = 500  # "Calculated field formulas are limited to 500 characters by default."

# Value types of formula expressions. "null" is the type of the NULL literal (fits anywhere).
NUMBER, FLOAT, TEXT, DATE, DATE_TIME, BOOLEAN, NULL = (
    "number",
    "float",
    "text",
    "date",
    "date_time",
    "boolean",
    "null",
)
NUMERIC = frozenset({NUMBER, FLOAT})
TYPE_WORDS = {
    NUMBER: "a whole number",
    FLOAT: "a decimal number",
    TEXT: "text",
    DATE: "a date",
    DATE_TIME: "a date and time",
    BOOLEAN: "true/false",
    NULL: "NULL",
}

# The value type each stored data type gives a formula; other types cannot be used in one.
DATA_TYPE_VALUES: dict[str, str] = {
    "number": NUMBER,
    "duration": NUMBER,  # minutes
    "percent": NUMBER,
    "float": FLOAT,
    "currency": FLOAT,
    "text": TEXT,
    "list": TEXT,
    "status_list": TEXT,
    "entity_type": TEXT,
    "date": DATE,
    "date_time": DATE_TIME,
    "checkbox": BOOLEAN,
}

# Output types ShotGrid offers when a calculated field is made (stored as `renderer`), each with
# the data type its values read as and the formula types that fit it.
OUTPUT_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "text": ("text", frozenset({NUMBER, FLOAT, TEXT, DATE, DATE_TIME, BOOLEAN, NULL})),
    "number": ("number", frozenset({NUMBER, NULL})),
    "duration": ("duration", frozenset({NUMBER, NULL})),
    "percent": ("percent", frozenset({NUMBER, NULL})),
    "float": ("float", frozenset({NUMBER, FLOAT, NULL})),
    "currency": ("currency", frozenset({NUMBER, FLOAT, NULL})),
    "date": ("date", frozenset({DATE, NULL})),
    "date_time": ("date_time", frozenset({DATE, DATE_TIME, NULL})),
    "checkbox": ("checkbox", frozenset({BOOLEAN, NULL})),
}
# The output type a formula gets when none is declared.
INFERRED_OUTPUT = {
    NUMBER: "number",
    FLOAT: "float",
    TEXT: "text",
    DATE: "date",
    DATE_TIME: "date_time",
    BOOLEAN: "checkbox",
    NULL: "text",
}

# DATEADD's units, in minutes, and which of them a plain date accepts.
DATE_UNITS_MINUTES = {
    "minute": 1,
    "minutes": 1,
    "hour": 60,
    "hours": 60,
    "day": 1440,
    "days": 1440,
    "week": 10080,
    "weeks": 10080,
}
WHOLE_DAY_UNITS = frozenset({"day", "days", "week", "weeks"})


class FormulaFault(SchemaFault):
    """A formula ShotGrid's field editor would refuse, with where the mistake is."""


# -- the tree -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    position: int  # offset of the node's first character in the formula
    type: str = ""  # filled in by the checker


@dataclass(frozen=True)
class Literal(Node):
    value: Any = None


@dataclass(frozen=True)
class FieldRef(Node):
    """`{name}` or `{link.Type.name}`: `fields` holds each link followed, then the field read."""

    path: tuple[str, ...] = ()
    fields: tuple[Field, ...] = ()


@dataclass(frozen=True)
class Unary(Node):
    operator: str = "-"
    operand: Node | None = None


@dataclass(frozen=True)
class Binary(Node):
    operator: str = "+"
    left: Node | None = None
    right: Node | None = None


@dataclass(frozen=True)
class Call(Node):
    name: str = ""
    args: tuple[Node, ...] = ()


# -- tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, field, name, op, end
    text: str
    position: int
    value: Any = None


OPERATORS = ("<=", ">=", "!=", "<>", "==", "+", "-", "*", "/", "(", ")", ",", "=", "<", ">")
QUOTES = {'"': '"', "'": "'", "\u201c": "\u201d", "\u2018": "\u2019"}  # the help page's “ ”


def _fault(formula: str, position: int, token: str, problem: str) -> FormulaFault:
    near = "the end of the formula" if not token else repr(token)
    return FormulaFault(
        f"Formula error at column {position + 1} ({near}): {problem}. Formula: {formula}"
    )


def tokenize(formula: str) -> list[Token]:
    """The tokens of `formula`, ending with an `end` token."""
    tokens: list[Token] = []
    i, n = 0, len(formula)
    while i < n:
        ch = formula[i]
        if ch.isspace():
            i += 1
        elif ch == "{":
            end = formula.find("}", i)
            if end < 0:
                raise _fault(
                    formula, i, formula[i : i + 20], "a field reference '{' is never closed by '}'"
                )
            inner = formula[i + 1 : end].strip()
            if not inner:
                raise _fault(
                    formula, i, "{}", "a field reference needs a field name inside the braces"
                )
            tokens.append(Token("field", formula[i : end + 1], i, inner))
            i = end + 1
        elif ch in QUOTES:
            close = QUOTES[ch]
            end = formula.find(close, i + 1)
            if end < 0:
                raise _fault(
                    formula,
                    i,
                    formula[i : i + 20],
                    f"the text starting here is never closed by {close}",
                )
            tokens.append(Token("string", formula[i : end + 1], i, formula[i + 1 : end]))
            i = end + 1
        elif ch.isdigit() or (ch == "." and i + 1 < n and formula[i + 1].isdigit()):
            j = i
            while j < n and (formula[j].isdigit() or formula[j] == "."):
                j += 1
            text = formula[i:j]
            if text.count(".") > 1:
                raise _fault(formula, i, text, "a number has at most one decimal point")
            value: Any = float(text) if "." in text else int(text)
            tokens.append(Token("number", text, i, value))
            i = j
        elif ch.isalpha() or ch == "_":
            j = i
            while j < n and (formula[j].isalnum() or formula[j] == "_"):
                j += 1
            tokens.append(Token("name", formula[i:j], i, formula[i:j].upper()))
            i = j
        else:
            op = next((o for o in OPERATORS if formula.startswith(o, i)), None)
            if op is None:
                raise _fault(formula, i, ch, "this character has no meaning in a formula")
            tokens.append(Token("op", op, i))
            i += len(op)
    tokens.append(Token("end", "", n))
    return tokens


# -- parsing --------------------------------------------------------------------------------------

COMPARISONS = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    ">": ">",
    "<=": "<=",
    ">=": ">=",
}
CONSTANTS = {"TRUE": (True, BOOLEAN), "FALSE": (False, BOOLEAN), "NULL": (None, NULL)}


class _Parser:
    """Recursive descent: comparison > additive (+ -) > term (* /) > unary minus > primary."""

    def __init__(self, formula: str) -> None:
        self.formula = formula
        self.tokens = tokenize(formula)
        self.at = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def fault(self, problem: str, token: Token | None = None) -> FormulaFault:
        token = token or self.token
        return _fault(self.formula, token.position, token.text, problem)

    def take(self) -> Token:
        token = self.token
        self.at += 1
        return token

    def is_op(self, *ops: str) -> bool:
        return self.token.kind == "op" and self.token.text in ops

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise self.fault("the formula is empty")
        node = self.comparison()
        if self.token.kind != "end":
            raise self.fault("expected an operator or the end of the formula")
        return node

    def comparison(self) -> Node:
        left = self.additive()
        if self.is_op(*COMPARISONS):
            op = self.take()
            right = self.additive()
            if self.is_op(*COMPARISONS):
                raise self.fault("comparisons cannot be chained; combine them with AND(...)")
            return Binary(op.position, operator=COMPARISONS[op.text], left=left, right=right)
        return left

    def additive(self) -> Node:
        node = self.term()
        while self.is_op("+", "-"):
            op = self.take()
            node = Binary(op.position, operator=op.text, left=node, right=self.term())
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.is_op("*", "/"):
            op = self.take()
            node = Binary(op.position, operator=op.text, left=node, right=self.unary())
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            op = self.take()
            return Unary(op.position, operator="-", operand=self.unary())
        if self.is_op("+"):
            self.take()
            return self.unary()
        return self.primary()

    def primary(self) -> Node:
        token = self.token
        if token.kind == "number" or token.kind == "string":
            self.take()
            return Literal(
                token.position,
                value=token.value,
                type=NUMBER
                if isinstance(token.value, int)
                else FLOAT
                if token.kind == "number"
                else TEXT,
            )
        if token.kind == "field":
            self.take()
            return FieldRef(token.position, path=tuple(p.strip() for p in token.value.split(".")))
        if token.kind == "name":
            self.take()
            if self.is_op("("):
                return self.call(token)
            if token.value in CONSTANTS:
                value, kind = CONSTANTS[token.value]
                return Literal(token.position, value=value, type=kind)
            if token.value in FUNCTIONS:
                raise self.fault(f"{token.value} is a function: write {token.value}(...)")
            raise self.fault(
                f"unknown name {token.text!r}; fields are written in braces, e.g. {{{token.text}}}",
                token,
            )
        if token.kind == "op" and token.text == "(":
            self.take()
            node = self.comparison()
            if not self.is_op(")"):
                raise self.fault(f"expected ')' to close the '(' at column {token.position + 1}")
            self.take()
            return node
        if token.kind == "end":
            raise self.fault("expected a value (a number, text, {field} or function)")
        raise self.fault("expected a value (a number, text, {field} or function)")

    def call(self, name: Token) -> Node:
        if name.value not in FUNCTIONS:
            raise self.fault(
                f"unknown function {name.text}; known functions: {', '.join(sorted(FUNCTIONS))}",
                name,
            )
        self.take()  # (
        args: list[Node] = []
        if not self.is_op(")"):
            while True:
                if self.is_op(",", ")"):
                    raise self.fault(f"expected an argument of {name.value}")
                args.append(self.comparison())
                if self.is_op(","):
                    self.take()
                    continue
                if self.is_op(")"):
                    break
                raise self.fault(f"expected ',' or ')' in the arguments of {name.value}")
        self.take()  # )
        return Call(name.position, name=name.value, args=tuple(args))


def parse_formula(formula: str) -> Node:
    """The tree of `formula` (FormulaFault names the first mistake)."""
    if not isinstance(formula, str):
        raise FormulaFault(f"A formula must be text, got {formula!r}.")
    if len(formula) > MAX_FORMULA_CHARS:
        raise FormulaFault(
            f"A formula has at most {MAX_FORMULA_CHARS} characters; this one has {len(formula)}."
        )
    return _Parser(formula).parse()


# -- type checking --------------------------------------------------------------------------------

ValueTypeOf = Callable[["Field"], "str | None"]


def stored_value_type(field: Field) -> str | None:
    """The formula type of a stored field's value (None: not usable in a formula)."""
    return DATA_TYPE_VALUES.get(field.data_type)


@dataclass(frozen=True)
class FunctionSpec:
    min_args: int
    max_args: int | None  # None: any number
    result: Callable[[_Checker, Call, list[Node]], str]


class _Checker:
    def __init__(
        self, formula: str, schema: Schema, entity_type: str, value_type_of: ValueTypeOf
    ) -> None:
        self.formula = formula
        self.schema = schema
        self.entity_type = entity_type
        self.value_type_of = value_type_of

    def fault(self, node: Node, problem: str) -> FormulaFault:
        return _fault(self.formula, node.position, _token_at(self.formula, node.position), problem)

    def check(self, node: Node) -> Node:
        return getattr(self, f"check_{type(node).__name__.lower()}")(node)

    def check_literal(self, node: Literal) -> Node:
        return node

    def check_fieldref(self, node: FieldRef) -> Node:
        path, entity_type, fields = node.path, self.entity_type, []
        if len(path) % 2 == 0 or any(not p for p in path):
            raise self.fault(node, "a field is {field} or a linked field {link.EntityType.field}")
        for i in range(0, len(path) - 1, 2):
            link = self._field(node, entity_type, path[i])
            if link.traits.link != "single":
                raise self.fault(
                    node,
                    f"{link.qualified_name} is a '{link.data_type}' field; only single-entity "
                    "links can be followed in a formula",
                )
            target = path[i + 1]
            if target not in link.valid_types or target not in self.schema:
                raise self.fault(
                    node,
                    f"{link.qualified_name} does not link to {target!r}; it links to "
                    f"{sorted(t for t in link.valid_types if t in self.schema)}",
                )
            fields.append(link)
            entity_type = target
        final = self._field(node, entity_type, path[-1])
        value_type = self.value_type_of(final)
        if value_type is None:
            raise self.fault(
                node,
                f"{final.qualified_name} is a '{final.data_type}' field, which formulas cannot use",
            )
        fields.append(final)
        return replace(node, fields=tuple(fields), type=value_type)

    def _field(self, node: Node, entity_type: str, name: str) -> Field:
        entity = self.schema.entity(entity_type)
        if name not in entity.fields:
            raise self.fault(node, f"unknown field {entity_type}.{name}")
        return entity.fields[name]

    def check_unary(self, node: Unary) -> Node:
        operand = self.check(node.operand)  # type: ignore[arg-type]
        self.expect(operand, NUMERIC, "'-'")
        return replace(node, operand=operand, type=operand.type if operand.type != NULL else NUMBER)

    def check_binary(self, node: Binary) -> Node:
        left = self.check(node.left)  # type: ignore[arg-type]
        right = self.check(node.right)  # type: ignore[arg-type]
        op = node.operator
        if op in ("+", "-", "*", "/"):
            for side in (left, right):
                if side.type == TEXT and op == "+":
                    raise self.fault(side, "'+' adds numbers; join text with CONCAT(a, b)")
                if side.type in (DATE, DATE_TIME):
                    raise self.fault(
                        side, f"'{op}' works on numbers; use DATEADD or DATEDIFF with dates"
                    )
                self.expect(side, NUMERIC, f"'{op}'")
            kind = FLOAT if op == "/" else _number_of(left.type, right.type)
            return replace(node, left=left, right=right, type=kind)
        # comparisons
        for side in (left, right):
            if side.type == NULL:
                raise self.fault(side, "nothing compares equal to NULL; test with ISNULL(value)")
        if not _comparable(left.type, right.type):
            raise self.fault(
                right,
                f"cannot compare {TYPE_WORDS[left.type]} with {TYPE_WORDS[right.type]}",
            )
        if op not in ("=", "!=") and left.type in (TEXT, BOOLEAN):
            raise self.fault(
                node, f"'{op}' compares numbers and dates; text and true/false compare with = or !="
            )
        return replace(node, left=left, right=right, type=BOOLEAN)

    def check_call(self, node: Call) -> Node:
        spec = FUNCTIONS[node.name]
        count = len(node.args)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            wanted = (
                f"{spec.min_args}"
                if spec.min_args == spec.max_args
                else f"at least {spec.min_args}"
                if spec.max_args is None
                else f"{spec.min_args} to {spec.max_args}"
            )
            raise self.fault(node, f"{node.name} takes {wanted} argument(s), got {count}")
        args = [self.check(a) for a in node.args]
        result = spec.result(self, node, args)
        return replace(node, args=tuple(args), type=result)

    def expect(self, node: Node, types: frozenset[str] | set[str], where: str) -> None:
        if node.type != NULL and node.type not in types:
            wanted = " or ".join(TYPE_WORDS[t] for t in sorted(types))
            raise self.fault(node, f"{where} expects {wanted}, got {TYPE_WORDS[node.type]}")


def _token_at(formula: str, position: int) -> str:
    for token in tokenize(formula):
        if token.position == position:
            return token.text
    return formula[position : position + 1]


def _number_of(*types: str) -> str:
    return FLOAT if FLOAT in types else NUMBER


def _comparable(a: str, b: str) -> bool:
    return (a in NUMERIC and b in NUMERIC) or a == b


def _unify(checker: _Checker, node: Node, args: Sequence[Node], name: str) -> str:
    """The one type several values share (numbers mix as decimals; NULL fits anything)."""
    typed = [a for a in args if a.type != NULL]
    if not typed:
        return NULL
    first = typed[0].type
    if all(a.type in NUMERIC for a in typed):
        return _number_of(*(a.type for a in typed))
    for other in typed[1:]:
        if other.type != first:
            raise checker.fault(
                other,
                f"{name}'s values must be of one type: {TYPE_WORDS[first]} and "
                f"{TYPE_WORDS[other.type]} do not mix",
            )
    return first


def _fixed(result: str, *arg_types: frozenset[str]) -> Callable[[_Checker, Call, list[Node]], str]:
    def rule(checker: _Checker, node: Call, args: list[Node]) -> str:
        for i, arg in enumerate(args):
            checker.expect(
                arg, arg_types[min(i, len(arg_types) - 1)], f"argument {i + 1} of {node.name}"
            )
        return result

    return rule


def _same_numeric(checker: _Checker, node: Call, args: list[Node]) -> str:
    for arg in args:
        checker.expect(arg, NUMERIC, node.name)
    return _number_of(*(a.type for a in args))


def _round(checker: _Checker, node: Call, args: list[Node]) -> str:
    checker.expect(args[0], NUMERIC, f"argument 1 of {node.name}")
    if len(args) == 2:
        checker.expect(args[1], {NUMBER}, f"argument 2 (decimal places) of {node.name}")
        return FLOAT
    return NUMBER


def _extreme(checker: _Checker, node: Call, args: list[Node]) -> str:
    for arg in args:
        checker.expect(arg, NUMERIC | {DATE, DATE_TIME}, node.name)
    return _unify(checker, node, args, node.name)


def _if(checker: _Checker, node: Call, args: list[Node]) -> str:
    checker.expect(args[0], {BOOLEAN}, "the condition of IF")
    return _unify(checker, node, args[1:], "IF")


def _anything(result: str) -> Callable[[_Checker, Call, list[Node]], str]:
    return lambda checker, node, args: result


def _date_add(checker: _Checker, node: Call, args: list[Node]) -> str:
    date, amount, unit = args
    checker.expect(date, {DATE, DATE_TIME}, "argument 1 of DATEADD")
    checker.expect(amount, {NUMBER}, "argument 2 of DATEADD")
    if not isinstance(unit, Literal) or not isinstance(unit.value, str):
        raise checker.fault(unit, 'DATEADD\'s unit is written as text, e.g. "days"')
    word = unit.value.lower()
    if word not in DATE_UNITS_MINUTES:
        raise checker.fault(
            unit, f"unknown unit {unit.value!r}; units: minutes, hours, days, weeks"
        )
    if date.type == DATE and word not in WHOLE_DAY_UNITS:
        raise checker.fault(unit, "a date moves by days or weeks; hours need a date and time")
    return date.type if date.type != NULL else DATE


def _date_diff(checker: _Checker, node: Call, args: list[Node]) -> str:
    for i, arg in enumerate(args):
        checker.expect(arg, {DATE, DATE_TIME}, f"argument {i + 1} of DATEDIFF")
    return NUMBER


FUNCTIONS: dict[str, FunctionSpec] = {
    # string
    "CONCAT": FunctionSpec(1, None, _anything(TEXT)),
    "UPPER": FunctionSpec(1, 1, _fixed(TEXT, frozenset({TEXT}))),
    "LOWER": FunctionSpec(1, 1, _fixed(TEXT, frozenset({TEXT}))),
    "TRIM": FunctionSpec(1, 1, _fixed(TEXT, frozenset({TEXT}))),
    "LEN": FunctionSpec(1, 1, _fixed(NUMBER, frozenset({TEXT}))),
    "LEFT": FunctionSpec(2, 2, _fixed(TEXT, frozenset({TEXT}), frozenset({NUMBER}))),
    "RIGHT": FunctionSpec(2, 2, _fixed(TEXT, frozenset({TEXT}), frozenset({NUMBER}))),
    "MID": FunctionSpec(3, 3, _fixed(TEXT, frozenset({TEXT}), frozenset({NUMBER}))),
    "SUBSTITUTE": FunctionSpec(3, 3, _fixed(TEXT, frozenset({TEXT}))),
    # math
    "ABS": FunctionSpec(1, 1, _same_numeric),
    "ROUND": FunctionSpec(1, 2, _round),
    "FLOOR": FunctionSpec(1, 1, _fixed(NUMBER, NUMERIC)),
    "CEILING": FunctionSpec(1, 1, _fixed(NUMBER, NUMERIC)),
    "CEIL": FunctionSpec(1, 1, _fixed(NUMBER, NUMERIC)),
    "MIN": FunctionSpec(2, None, _extreme),
    "MAX": FunctionSpec(2, None, _extreme),
    # dates
    "TODAY": FunctionSpec(0, 0, _anything(DATE)),
    "NOW": FunctionSpec(0, 0, _anything(DATE_TIME)),
    "YEAR": FunctionSpec(1, 1, _fixed(NUMBER, frozenset({DATE, DATE_TIME}))),
    "MONTH": FunctionSpec(1, 1, _fixed(NUMBER, frozenset({DATE, DATE_TIME}))),
    "DAY": FunctionSpec(1, 1, _fixed(NUMBER, frozenset({DATE, DATE_TIME}))),
    "DATEADD": FunctionSpec(3, 3, _date_add),
    "DATEDIFF": FunctionSpec(2, 2, _date_diff),
    # type conversion (durations are minutes)
    "TO_DAYS": FunctionSpec(1, 1, _fixed(FLOAT, NUMERIC)),
    "TO_HOURS": FunctionSpec(1, 1, _fixed(FLOAT, NUMERIC)),
    # logic
    "IF": FunctionSpec(3, 3, _if),
    "AND": FunctionSpec(2, None, _fixed(BOOLEAN, frozenset({BOOLEAN}))),
    "OR": FunctionSpec(2, None, _fixed(BOOLEAN, frozenset({BOOLEAN}))),
    "NOT": FunctionSpec(1, 1, _fixed(BOOLEAN, frozenset({BOOLEAN}))),
    "ISNULL": FunctionSpec(1, 1, _anything(BOOLEAN)),
}


@dataclass(frozen=True)
class CheckedFormula:
    """A formula's tree with every node typed, and the output type its field reads as."""

    tree: Node
    output_type: str


def check_formula(
    schema: Schema,
    entity_type: str,
    formula: Any,
    output_type: Any = None,
    value_type_of: ValueTypeOf = stored_value_type,
) -> CheckedFormula:
    """Parse and type-check a formula of an `entity_type` field (FormulaFault when wrong).

    `output_type` None infers it from the formula; `value_type_of` gives the formula type of a
    referenced field (the store's kinds know computed fields' types).
    """
    tree = parse_formula(formula)
    checked = _Checker(formula, schema, entity_type, value_type_of).check(tree)
    if output_type is None or output_type == "":
        return CheckedFormula(checked, INFERRED_OUTPUT[checked.type])
    if output_type not in OUTPUT_TYPES:
        raise FormulaFault(
            f"Unknown output type {output_type!r}; valid output types: {sorted(OUTPUT_TYPES)}."
        )
    if checked.type not in OUTPUT_TYPES[output_type][1]:
        hint = " (round it with ROUND, FLOOR or CEILING)" if checked.type == FLOAT else ""
        raise FormulaFault(
            f"The formula gives {TYPE_WORDS[checked.type]}, which output type {output_type!r} "
            f"cannot show{hint}. Formula: {formula}"
        )
    return CheckedFormula(checked, output_type)
