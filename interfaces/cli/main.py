"""Entry point of the `gongkai` console script.

Each command group lives in its own module and imports only typer at module level, so that
answering a calendar question does not pay for Prefect, SQLModel or reportlab.
"""

import typer

from interfaces.cli.errors import GongkaiGroup

app = typer.Typer(
    name="gongkai",
    cls=GongkaiGroup,  # Chinese messages and exit codes for usage and domain errors, never a traceback
    help="公开 Gongkai：依申请公开办理系统",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
_registered = False


def register() -> typer.Typer:
    """The app with every command group; registering again changes nothing."""
    global _registered
    if _registered:
        return app
    from interfaces.cli import (actions_cmd, api_cmd, art44_cmd, audit_cmd, calendar_cmd, case_cmd, desk_cmd,
                                documents_cmd, flow_cmd, mock_cmd, problem_cmd, report_cmd, up_cmd)

    _registered = True
    case_cmd.install(app)
    actions_cmd.install(app)
    app.add_typer(calendar_cmd.app, name="calendar")
    app.add_typer(report_cmd.app, name="report")
    app.add_typer(flow_cmd.app, name="flow")
    app.add_typer(flow_cmd.archive_app, name="archive")
    app.add_typer(desk_cmd.app, name="desk")
    app.add_typer(audit_cmd.app, name="audit")
    app.add_typer(problem_cmd.app, name="problem")
    app.add_typer(art44_cmd.app, name="art44")
    app.add_typer(mock_cmd.app, name="mock")
    app.add_typer(api_cmd.app, name="api")
    app.command("backup")(audit_cmd.backup)
    app.command("restore")(audit_cmd.restore)
    app.command("up")(up_cmd.up)
    app.add_typer(documents_cmd.fonts_app, name="fonts")
    app.add_typer(documents_cmd.document_app, name="document")
    app.command("doctor")(documents_cmd.doctor)
    return app


def main() -> None:
    register()(prog_name="gongkai")


if __name__ == "__main__":
    main()
