"""Calculated-field formulas (schema/formulas.py): malformed formulas are refused with a message
naming the column, the token and what was expected; good ones get their types."""

from __future__ import annotations

import pytest

from callsheet.schema.default import default_schema
from callsheet.schema.formulas import FormulaFault, check_formula

SCHEMA = default_schema()


FORMULA_ERRORS: list[tuple[str, str | None, str]] = [
    ("", None, "the formula is empty"),
    ("{sg_cut_in} +", None, r"column 14 \(the end of the formula\): expected a value"),
    ("{sg_cut_in} + * 2", None, r"column 15 \('\*'\): expected a value"),
    ("CONCAT({code}", None, r"column 14 .*expected ',' or '\)' in the arguments of CONCAT"),
    ("CONCAT({code},)", None, "expected an argument of CONCAT"),
    ("(1 + 2", None, r"expected '\)' to close the '\(' at column 1"),
    ("1 + 2)", None, r"column 6 \('\)'\): expected an operator or the end"),
    ("{nope}", None, r"column 1 \('\{nope\}'\): unknown field Shot\.nope"),
    ("{sg_sequence.Sequence.nope}", None, r"unknown field Sequence\.nope"),
    ("{sg_sequence.Asset.code}", None, r"Shot\.sg_sequence does not link to 'Asset'"),
    ("{assets.Asset.code}", None, r"Shot\.assets is a 'multi_entity' field; only single-entity"),
    ("{sg_sequence.code}", None, r"a linked field \{link\.EntityType\.field\}"),
    ("{image}", None, r"Shot\.image is a 'image' field, which formulas cannot use"),
    ("{}", None, "needs a field name inside the braces"),
    ("{code", None, r"'\{' is never closed by '\}'"),
    ('CONCAT("abc, {code})', None, 'never closed by "'),
    ("FOO(1)", None, r"column 1 \('FOO'\): unknown function FOO"),
    ("code", None, r"unknown name 'code'; fields are written in braces, e.g. \{code\}"),
    ("CONCAT", None, r"CONCAT is a function: write CONCAT\(\.\.\.\)"),
    ("{code} + 1", None, r"'\+' adds numbers; join text with CONCAT"),
    ("{sg_cut_in} * {code}", None, r"'\*' expects a decimal number or a whole number, got text"),
    ("{created_at} - 1", None, "use DATEADD or DATEDIFF with dates"),
    ("1 < 2 < 3", None, "comparisons cannot be chained"),
    ('{code} < "b"', None, "text and true/false compare with = or !="),
    ("{code} = 1", None, "cannot compare text with a whole number"),
    ("{code} = NULL", None, r"test with ISNULL\(value\)"),
    ("IF(1, 2, 3)", None, r"column 4 \('1'\): the condition of IF expects true/false"),
    ('IF(TRUE, 1, "a")', None, "IF's values must be of one type"),
    ("IF(TRUE, 1)", None, r"IF takes 3 argument\(s\), got 2"),
    ("UPPER(1)", None, "argument 1 of UPPER expects text, got a whole number"),
    ("LEFT({code}, 1.5)", None, "argument 2 of LEFT expects a whole number"),
    ("ROUND(1.5, 0.5)", None, "decimal places"),
    ("MAX(1)", None, r"MAX takes at least 2 argument\(s\), got 1"),
    ("TODAY(1)", None, r"TODAY takes 0 argument\(s\), got 1"),
    ('DATEADD({created_at}, 1, "fortnight")', None, "unknown unit 'fortnight'"),
    ("DATEADD({created_at}, 1, {code})", None, "DATEADD's unit is written as text"),
    ('DATEADD(TODAY(), 1, "hours")', None, "a date moves by days or weeks"),
    ("1.2.3", None, "at most one decimal point"),
    ("1 # 2", None, r"column 3 \('#'\): this character has no meaning"),
    ("{sg_cut_in} / 2", "number", "gives a decimal number, which output type 'number' cannot"),
    ("{code}", "date", "gives text, which output type 'date' cannot show"),
    ("{code}", "colour", "Unknown output type 'colour'"),
    ("1" * 501, None, "at most 500 characters"),
]


@pytest.mark.parametrize(("formula", "output", "message"), FORMULA_ERRORS)
def test_malformed_formulas_are_refused_with_the_mistake_named(
    formula: str, output: str | None, message: str
) -> None:
    with pytest.raises(FormulaFault, match=message):
        check_formula(SCHEMA, "Shot", formula, output)


@pytest.mark.parametrize(
    ("formula", "output", "inferred"),
    [
        ("{sg_cut_out} - {sg_cut_in} + 1", None, "number"),
        ("{sg_cut_in} / 24", None, "float"),
        ('CONCAT("A_", {code})', None, "text"),
        ("{sg_cut_in} > 3", None, "checkbox"),
        ('DATEADD({created_at}, 1, "day")', None, "date_time"),
        ("TODAY()", None, "date"),
        ("NULL", None, "text"),
        ("{sg_cut_in}", "duration", "duration"),
        ("{sg_cut_in}", "text", "text"),
        ("{created_at}", "text", "text"),
        ("if({sg_cut_in} > 3, 1, 2.5)", "currency", "currency"),
    ],
)
def test_output_types_are_inferred_or_checked(formula: str, output: str | None, inferred: str):
    assert check_formula(SCHEMA, "Shot", formula, output).output_type == inferred


def test_the_checked_tree_knows_the_linked_fields_it_reads() -> None:
    tree = check_formula(SCHEMA, "Shot", "{sg_sequence.Sequence.project.Project.name}").tree
    assert [f.qualified_name for f in tree.fields] == [  # type: ignore[attr-defined]
        "Shot.sg_sequence",
        "Sequence.project",
        "Project.name",
    ]
