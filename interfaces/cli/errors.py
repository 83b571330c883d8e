"""How the `gongkai` command ends on an error: a Chinese message on stderr and an exit code, not a traceback.

    domain error (has message_zh)        错误：<its message>                          exit 1
    usage error (click's UsageError)     错误：<the problem, named in Chinese>（click's detail）
                                         请运行「gongkai … --help」查看用法。          exit 2
    BadValue (an option value refused    错误：<its Chinese message>
      by our own date/enum parsers)      请运行「gongkai … --help」查看用法。          exit 2
    any other click exception            错误：<click's message>                      its exit code
    typer.Exit(n) / typer.Abort          –  / 已取消。                               n / 1
    an argument holding control          错误：<the argument, escaped> 含有控制字符…
      characters or invalid UTF-8        请运行「gongkai --help」查看用法。             exit 2

Messages quote what the user typed: control characters in them are printed escaped (\x1b), never raw.

The handling lives in the root group's `main()`, so the console script and `CliRunner` behave alike.
Any other exception is a bug and keeps its traceback.
This typer vendors click (`typer._click`): its exceptions derive from `typer.TyperException`, not from
the `click` package's, so they are recognised by that public base and by click's class names.
"""

import sys
from typing import Any

import typer
from typer.core import TyperGroup

USAGE_EXIT_CODE = 2  # click's convention for usage errors
_KIND_ZH = {"option": "选项", "argument": "参数"}


class BadValue(typer.BadParameter):
    """An option value refused by the command's own parser (a date, an enum): a usage error with a Chinese message."""

    def __init__(self, problem_zh: str):
        super().__init__(problem_zh)
        self.problem_zh = problem_zh


def _is_domain_error(exc: BaseException) -> bool:
    return hasattr(exc, "message_zh")


def _is_usage_error(exc: BaseException) -> bool:
    return isinstance(exc, typer.TyperException) and getattr(exc, "exit_code", None) == USAGE_EXIT_CODE


def _kinds(exc: BaseException) -> set[str]:
    """click's class names along the exception's MRO (NoSuchOption, MissingParameter, BadParameter, …)."""
    return {cls.__name__ for cls in type(exc).__mro__}


def _parameter(exc: BaseException) -> tuple[str, str | None]:
    """The kind (选项/参数) and the name of the parameter a usage error is about, when click knows it."""
    param = getattr(exc, "param", None)
    kind = getattr(param, "param_type_name", None) or getattr(exc, "param_type", None)
    hint = getattr(exc, "param_hint", None)
    if hint is None and param is not None:
        hint = param.opts if kind == "option" else getattr(param, "display_name_raw", None) or param.name.upper()
    if hint is not None and not isinstance(hint, str):
        hint = " / ".join(hint)
    return _KIND_ZH.get(kind, "参数"), hint.strip("'\"") if hint else None


def usage_problem_zh(exc: BaseException) -> str:
    """The problem of a usage error, named in Chinese."""
    if isinstance(exc, BadValue):
        return exc.problem_zh.rstrip("。")
    kinds = _kinds(exc)
    kind, name = _parameter(exc)
    if "NoSuchOption" in kinds:
        similar = sorted(getattr(exc, "possibilities", None) or [])
        return f"没有选项「{exc.option_name}」" + (f"，相近的选项：{'、'.join(similar)}" if similar else "")
    if "MissingParameter" in kinds:
        return f"缺少{kind}「{name}」" if name else f"缺少{kind}"
    if "BadParameter" in kinds:
        return f"{kind}「{name}」的值无效" if name else "参数值无效"
    if "BadOptionUsage" in kinds:
        return f"选项「{exc.option_name}」的用法有误"
    return "命令用法有误"


def _help_hint(exc: BaseException) -> str:
    ctx = getattr(exc, "ctx", None)
    if ctx is None:
        return "请运行「gongkai --help」查看用法。"
    return f"请运行「{ctx.command_path} {ctx.help_option_names[0]}」查看用法。"


def _say(text: str) -> None:
    from models.validation import visible

    typer.echo(visible(text), err=True)


def report_error(exc: Exception) -> int:
    """Print a Chinese message for an error that ended a command; the exit code. Unknown errors propagate."""
    if _is_domain_error(exc):
        _say(f"错误：{exc.message_zh}")
        return 1
    if not isinstance(exc, typer.TyperException):
        raise exc
    if "NoArgsIsHelpError" in _kinds(exc):  # a group called without a command: its help, as click does
        exc.show()
        return exc.exit_code
    if _is_usage_error(exc):
        detail = "" if isinstance(exc, BadValue) else f"（{exc.format_message()}）"
        _say(f"错误：{usage_problem_zh(exc)}。{detail}")
        _say(_help_hint(exc))
        return USAGE_EXIT_CODE
    _say(f"错误：{exc.format_message()}")
    return getattr(exc, "exit_code", 1)


def check_arguments(args: list[str]) -> None:
    """Every argument, before any command reads it: no control characters (a line break may separate the lines of
    a --text), no invalid UTF-8 (which Python hands over as lone surrogates): a usage error, exit 2."""
    from models.errors import ValidationFailed
    from models.validation import check_clean, visible

    for arg in args:
        shown = visible(arg)
        try:
            check_clean(arg, what=f"参数「{shown[:60]}{'…' if len(shown) > 60 else ''}」", field="argv", multiline=True)
        except ValidationFailed as exc:
            raise BadValue(exc.message_zh) from None


class GongkaiGroup(TyperGroup):
    """The root command group: usage and domain errors end with a Chinese message and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode: bool = True, **extra: Any) -> Any:
        if not standalone_mode:  # the caller handles exceptions and exit codes itself
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        args = list(sys.argv[1:] if args is None else args)
        try:
            check_arguments(args)
            # Without standalone mode typer returns the code of typer.Exit instead of raising it.
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
            code = result if isinstance(result, int) else 0
        except typer.Abort:
            typer.echo("已取消。", err=True)
            code = 1
        except Exception as exc:  # report_error re-raises what it does not know
            code = report_error(exc)
        sys.exit(code)
