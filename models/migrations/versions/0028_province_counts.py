"""Province figures from maintained counts: open cases per (agency, status, due date); table 三 without the join

Revision ID: 0028
Revises: 0024

bench/province_bench.py (300 agencies, 10M applications, 1M open) found the province dashboard walking the 1M open
cases for each view and table 三 hashing 2M applicants to read each case's applicant kind. So:

- open_case_count holds the number of open cases (models.dashboard.OPEN, a due date set) per agency, status and due
  date, kept by triggers in the transaction that inserts, changes or deletes the application (whatever code does it:
  the desk, a flow, an import, a bulk UPDATE). The province dashboard groups those ≈100k rows instead of 1M cases;
  tests/models/test_province_counts.py holds it equal to the recount for every status.
- application.applicant_kind is the principal applicant's kind (the table 三 column), copied by triggers when the
  application is inserted or moved to another applicant and when the applicant's kind is corrected.
- ix_application_statistics becomes (agency_id, closed_on, receipt_date, status, outcome, applicant_kind): table 三
  of one agency or of all of them is two index ranges per agency (still open; closed in or after the year), read
  from the index alone.
- ix_assignment_department_answers: one department's answers of the year (models.dashboard.answer_times) are a
  short range instead of a filter over every department's.
"""

import sqlalchemy as sa
from alembic import op

revision = "0028"
down_revision = "0024"
branch_labels = None
depends_on = None

# models.dashboard.OPEN when this was written; tests/models/test_province_counts.py fails if they part
OPEN = ("registered", "awaiting_confirmation", "awaiting_supplement", "routed", "coordinating", "joint_consultation",
        "consulting", "awaiting_fee", "fee_review", "drafting", "legal_review", "returned_for_revision", "approved",
        "issued", "deemed_abandoned", "fee_unpaid")
_OPEN_SQL = ", ".join(f"'{s}'" for s in OPEN)

RECOUNT = (
    "DELETE FROM open_case_count",
    "INSERT INTO open_case_count (agency_id, status, due_date, n) SELECT agency_id, status, due_date, count(*) "
    f"FROM application WHERE due_date IS NOT NULL AND status IN ({_OPEN_SQL}) GROUP BY agency_id, status, due_date",
)

_UPSERT = ("INSERT INTO open_case_count (agency_id, status, due_date, n) {values} "
           "ON CONFLICT (agency_id, status, due_date) DO UPDATE SET n = open_case_count.n + 1")
_DECREMENT = ("UPDATE open_case_count SET n = n - 1 "
              "WHERE agency_id = OLD.agency_id AND status = OLD.status AND due_date = OLD.due_date")
_KIND = "(SELECT kind FROM applicant WHERE applicant.id = NEW.applicant_id)"
_MOVED = ("OLD.agency_id IS NOT NEW.agency_id OR OLD.status IS NOT NEW.status "
          "OR OLD.due_date IS NOT NEW.due_date")

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER application_open_count_insert AFTER INSERT ON application
       WHEN NEW.due_date IS NOT NULL AND NEW.status IN ({_OPEN_SQL})
       BEGIN {_UPSERT.format(values="VALUES (NEW.agency_id, NEW.status, NEW.due_date, 1)")}; END""",
    f"""CREATE TRIGGER application_open_count_delete AFTER DELETE ON application
       WHEN OLD.due_date IS NOT NULL AND OLD.status IN ({_OPEN_SQL})
       BEGIN {_DECREMENT}; END""",
    f"""CREATE TRIGGER application_open_count_update AFTER UPDATE OF agency_id, status, due_date ON application
       WHEN {_MOVED}
       BEGIN
         {_DECREMENT} AND OLD.status IN ({_OPEN_SQL});
         {_UPSERT.format(values="SELECT NEW.agency_id, NEW.status, NEW.due_date, 1 WHERE NEW.due_date IS NOT NULL "
                                f"AND NEW.status IN ({_OPEN_SQL})")};
       END""",
    f"""CREATE TRIGGER application_applicant_kind_insert AFTER INSERT ON application
       BEGIN UPDATE application SET applicant_kind = {_KIND} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER application_applicant_kind_update AFTER UPDATE OF applicant_id ON application
       BEGIN UPDATE application SET applicant_kind = {_KIND} WHERE id = NEW.id; END""",
    """CREATE TRIGGER applicant_kind_copied AFTER UPDATE OF kind ON applicant WHEN OLD.kind IS NOT NEW.kind
       BEGIN UPDATE application SET applicant_kind = NEW.kind WHERE applicant_id = NEW.id; END""",
)

POSTGRES_TRIGGERS = (
    # The two counter rows of a move are taken in key order: two cases moving opposite ways cannot deadlock.
    f"""CREATE FUNCTION gongkai_count_open_cases() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      was_open boolean := TG_OP <> 'INSERT' AND OLD.due_date IS NOT NULL AND OLD.status IN ({_OPEN_SQL});
      is_open boolean := TG_OP <> 'DELETE' AND NEW.due_date IS NOT NULL AND NEW.status IN ({_OPEN_SQL});
      old_first boolean := TG_OP = 'DELETE' OR (TG_OP = 'UPDATE'
        AND ROW(OLD.agency_id, OLD.status, OLD.due_date) < ROW(NEW.agency_id, NEW.status, NEW.due_date));
    BEGIN
      IF was_open AND old_first THEN {_DECREMENT}; END IF;
      IF is_open THEN {_UPSERT.format(values="VALUES (NEW.agency_id, NEW.status, NEW.due_date, 1)")}; END IF;
      IF was_open AND NOT old_first THEN {_DECREMENT}; END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER application_open_count AFTER INSERT OR DELETE ON application
       FOR EACH ROW EXECUTE FUNCTION gongkai_count_open_cases()""",
    f"""CREATE TRIGGER application_open_count_update AFTER UPDATE OF agency_id, status, due_date ON application
       FOR EACH ROW WHEN ({_MOVED.replace(" IS NOT ", " IS DISTINCT FROM ")})
       EXECUTE FUNCTION gongkai_count_open_cases()""",
    f"""CREATE FUNCTION gongkai_application_kind() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.applicant_kind := {_KIND}; RETURN NEW; END $$""",
    """CREATE TRIGGER application_applicant_kind BEFORE INSERT OR UPDATE OF applicant_id ON application
       FOR EACH ROW EXECUTE FUNCTION gongkai_application_kind()""",
    """CREATE FUNCTION gongkai_applicant_kind_copied() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE application SET applicant_kind = NEW.kind WHERE applicant_id = NEW.id; RETURN NULL; END $$""",
    """CREATE TRIGGER applicant_kind_copied AFTER UPDATE OF kind ON applicant
       FOR EACH ROW WHEN (OLD.kind IS DISTINCT FROM NEW.kind) EXECUTE FUNCTION gongkai_applicant_kind_copied()""",
)

DROP_SQLITE = ("application_open_count_insert", "application_open_count_delete", "application_open_count_update",
               "application_applicant_kind_insert", "application_applicant_kind_update", "applicant_kind_copied")
DROP_POSTGRES = ("DROP TRIGGER applicant_kind_copied ON applicant",
                 "DROP TRIGGER application_applicant_kind ON application",
                 "DROP TRIGGER application_open_count_update ON application",
                 "DROP TRIGGER application_open_count ON application",
                 "DROP FUNCTION gongkai_applicant_kind_copied()", "DROP FUNCTION gongkai_application_kind()",
                 "DROP FUNCTION gongkai_count_open_cases()")


def upgrade() -> None:
    op.create_table(
        "open_case_count",
        sa.Column("agency_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agency.id"]),
        sa.PrimaryKeyConstraint("agency_id", "status", "due_date"),
    )
    op.add_column("application", sa.Column("applicant_kind", sa.String(length=40), nullable=True))
    bind = op.get_bind()
    op.execute("UPDATE application SET applicant_kind = applicant.kind FROM applicant "
               "WHERE applicant.id = application.applicant_id")  # SQLite ≥ 3.33 and PostgreSQL alike
    for statement in RECOUNT:
        op.execute(statement)
    for statement in SQLITE_TRIGGERS if bind.dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)
    op.drop_index("ix_application_statistics", table_name="application")
    op.create_index("ix_application_statistics", "application",
                    ["agency_id", "closed_on", "receipt_date", "status", "outcome", "applicant_kind"])
    op.create_index("ix_assignment_department_answers", "assignment",
                    ["status", "department_id", "answered_on", "routed_on", "due_date"])


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in DROP_SQLITE:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for statement in DROP_POSTGRES:
            op.execute(statement)
    op.drop_index("ix_assignment_department_answers", table_name="assignment")
    op.drop_index("ix_application_statistics", table_name="application")
    op.create_index("ix_application_statistics", "application",
                    ["agency_id", "receipt_date", "closed_on", "outcome", "applicant_id"])
    op.drop_column("application", "applicant_kind")  # SQLite ≥ 3.35 drops a column in place
    op.drop_table("open_case_count")
