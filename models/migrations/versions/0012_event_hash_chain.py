"""Hash-chained, append-only events; archive locations relative to GONGKAI_VAR_DIR

Revision ID: 0012
Revises: 0011

Every event gets its hash and the hashes of the previous event of its case and of the installation
(models.audit); the existing events are chained in id order. Archive locations written as absolute paths under
the var dir become relative (`archive/3/2026-000123`) in archive_package and in the archive events' data,
before those events are hashed. Then triggers make the database refuse UPDATE and DELETE on events
(and TRUNCATE on PostgreSQL), and refuse to delete or rewind the chain head.
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import op

import models.tables
from models import audit
from models.settings import Settings

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_event = sa.table(
    "event",
    sa.column("id", sa.Integer()), sa.column("application_id", sa.Integer()), sa.column("action", sa.String()),
    sa.column("actor_id", sa.Integer()), sa.column("actor_name", sa.String()),
    sa.column("at", models.tables.AwareDateTime()), sa.column("from_status", sa.String()),
    sa.column("to_status", sa.String()), sa.column("data", sa.JSON()), sa.column("sha256", sa.String()),
    sa.column("prev_case_sha256", sa.String()), sa.column("prev_log_sha256", sa.String()),
)
_application = sa.table("application", sa.column("id", sa.Integer()), sa.column("agency_id", sa.Integer()),
                        sa.column("number", sa.String()))
_package = sa.table("archive_package", sa.column("id", sa.Integer()), sa.column("location", sa.String()))

SQLITE_TRIGGERS = (
    """CREATE TRIGGER event_no_update BEFORE UPDATE ON event
       BEGIN SELECT RAISE(ABORT, 'event rows are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER event_no_delete BEFORE DELETE ON event
       BEGIN SELECT RAISE(ABORT, 'event rows are append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
       BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be deleted'); END""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON audit_head WHEN NEW.events < OLD.events
       BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END""",
)
POSTGRES_TRIGGERS = (
    """CREATE FUNCTION gongkai_refuse_event_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'event rows are append-only: % refused', TG_OP; END $$""",
    """CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
       FOR EACH ROW EXECUTE FUNCTION gongkai_refuse_event_change()""",
    """CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event
       FOR EACH STATEMENT EXECUTE FUNCTION gongkai_refuse_event_change()""",
    """CREATE FUNCTION gongkai_audit_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF TG_OP = 'DELETE' OR NEW.events < OLD.events THEN
           RAISE EXCEPTION 'the audit chain head only moves forward';
         END IF;
         RETURN NEW;
       END $$""",
    """CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head
       FOR EACH ROW EXECUTE FUNCTION gongkai_audit_head_forward()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("events", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.add_column("event", sa.Column("sha256", sa.String(length=64), nullable=True))
    op.add_column("event", sa.Column("prev_case_sha256", sa.String(length=64), nullable=True))
    op.add_column("event", sa.Column("prev_log_sha256", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    _relative_locations(bind, Settings.load().var_dir)
    count, last = _chain_existing(bind)
    bind.execute(sa.text("INSERT INTO audit_head (id, events, sha256) VALUES (:id, :n, :s)"),
                 {"id": audit.HEAD_ID, "n": count, "s": last})
    op.create_index("ux_event_prev_log", "event", ["prev_log_sha256"], unique=True)
    for statement in SQLITE_TRIGGERS if bind.dialect.name == "sqlite" else POSTGRES_TRIGGERS:
        op.execute(statement)


def _relative(location: str, var_dir: Path) -> str:
    """An absolute location under the var dir, relative to it; anything else unchanged (audit verify names it)."""
    path = Path(location)
    if not path.is_absolute():
        return location
    try:
        return path.resolve().relative_to(var_dir.resolve()).as_posix()
    except ValueError:
        return location


def _relative_locations(bind, var_dir: Path) -> None:
    for row_id, location in bind.execute(sa.select(_package.c.id, _package.c.location)).all():
        if _relative(location, var_dir) != location:
            bind.execute(_package.update().where(_package.c.id == row_id)
                         .values(location=_relative(location, var_dir)))
    archived = bind.execute(sa.select(_event.c.id, _event.c.data).where(_event.c.action == "archive")).all()
    for row_id, data in archived:
        location = (data or {}).get("location")
        if location and _relative(location, var_dir) != location:
            bind.execute(_event.update().where(_event.c.id == row_id)
                         .values(data=dict(data, location=_relative(location, var_dir))))


def _chain_existing(bind, chunk: int = 5000) -> tuple[int, str | None]:
    """Hash every existing event in id order, within its case and across the installation (a page at a time)."""
    query = (sa.select(_event.c.id, _event.c.application_id, _application.c.agency_id, _application.c.number,
                       _event.c.action, _event.c.actor_id, _event.c.actor_name, _event.c.at, _event.c.from_status,
                       _event.c.to_status, _event.c.data)
             .join(_application, _application.c.id == _event.c.application_id)
             .where(_event.c.id > sa.bindparam("after")).order_by(_event.c.id).limit(chunk))
    update = (_event.update().where(_event.c.id == sa.bindparam("event_id"))
              .values(sha256=sa.bindparam("h"), prev_case_sha256=sa.bindparam("pc"),
                      prev_log_sha256=sa.bindparam("pl")))
    count, last, case_last, after = 0, None, {}, 0
    while rows := bind.execute(query, {"after": after}).all():
        batch = []
        for r in rows:
            fields = audit.content(application_id=r.application_id, case=audit.case_key(r.agency_id, r.number),
                                   action=r.action, actor_id=r.actor_id, actor_name=r.actor_name, at=r.at,
                                   from_status=r.from_status, to_status=r.to_status, data=r.data or {})
            prev_case = case_last.get(r.application_id)
            sha = audit.digest(fields, prev_case=prev_case, prev_log=last)
            batch.append({"event_id": r.id, "h": sha, "pc": prev_case, "pl": last})
            last = case_last[r.application_id] = sha
        bind.execute(update, batch)
        count, after = count + len(rows), rows[-1].id
    return count, last


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in ("event_no_update", "event_no_delete", "audit_head_no_delete", "audit_head_forward_only"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_append_only ON event")
        op.execute("DROP TRIGGER IF EXISTS event_no_truncate ON event")
        op.execute("DROP TRIGGER IF EXISTS audit_head_forward_only ON audit_head")
        op.execute("DROP FUNCTION IF EXISTS gongkai_refuse_event_change()")
        op.execute("DROP FUNCTION IF EXISTS gongkai_audit_head_forward()")
    op.drop_index("ux_event_prev_log", table_name="event")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("prev_log_sha256")
        batch.drop_column("prev_case_sha256")
        batch.drop_column("sha256")
    op.drop_table("audit_head")
