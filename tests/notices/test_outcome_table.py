"""docs/outcomes.md lists every outcome with its guard, citations, remedy clause and table 三 row, as the code has them."""

from models.guards import GUARDS
from models.outcomes import TABLE3_ROWS, Outcome
from notices.outcome_table import DOC, document, remedy_text


def test_the_outcome_table_is_generated_from_the_code():
    assert DOC.read_text(encoding="utf-8") == document(), "run: python -m notices.outcome_table"


def test_every_outcome_is_one_row_with_its_guard_and_its_table3_row():
    rows = [line for line in document().splitlines() if line.startswith("| `")]
    assert [line.split("`")[1] for line in rows] == [o.value for o in Outcome]
    labels = {r.key: r.label for r in TABLE3_ROWS}
    for outcome, line in zip(Outcome, rows):
        assert labels[outcome.table3_row] in line
    for guard in GUARDS:
        assert sum(guard.rule_zh in line for line in rows) == len(guard.outcomes)


def test_the_remedy_column_is_the_clause_the_notice_prints():
    assert "应当先自收到本答复之日起六十日内向{复议机关}申请行政复议" in remedy_text(Outcome.state_secret)
    assert remedy_text(Outcome.disclosed).startswith("如对本答复不服，可以自收到本答复之日起六十日内")
