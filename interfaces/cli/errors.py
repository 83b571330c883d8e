"""Turns domain errors into a Chinese message on stderr and a non-zero exit code."""

import sys

import typer


def _is_domain_error(exc: BaseException) -> bool:
    return hasattr(exc, "message_zh")


def run_app(app: typer.Typer) -> int:
    """Run the typer app; a domain error prints its Chinese message and exits 1, never a traceback."""
    try:
        result = app(standalone_mode=False)
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        typer.echo("已取消。", err=True)
        return 1
    except Exception as exc:
        if _is_domain_error(exc):
            typer.echo(f"错误：{exc.message_zh}", err=True)
            return 1
        import click

        if isinstance(exc, click.exceptions.ClickException):
            exc.show(file=sys.stderr)
            return exc.exit_code
        raise
    # Without standalone mode click returns the code of typer.Exit instead of raising it.
    return result if isinstance(result, int) else 0
