"""The CLI's administration commands call models.admin: the same checks as the desk, each change in admin_event."""

import pytest
from sqlmodel import Session, select

from models.passwords import verify_password
from models.tables import AdminEvent, User


@pytest.fixture
def cli(tmp_path, monkeypatch):
    """The CLI in this process, on a database of its own with the demo agency (no passwords: nothing logs in)."""
    from typer.testing import CliRunner

    from interfaces.cli.main import register
    from models.db import default_engine, migrate
    from models.demo import seed_demo

    monkeypatch.setenv("GONGKAI_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("GONGKAI_TODAY", "2026-03-02")
    monkeypatch.delenv("GONGKAI_USER", raising=False)
    engine = default_engine()
    migrate(engine)
    with Session(engine) as s:
        seed_demo(s)

    def run(*args, ok=True):
        result = CliRunner().invoke(register(), list(args))
        assert (result.exit_code == 0) == ok, result.output
        return result

    run.engine = engine
    return run


def test_user_and_department_commands_change_and_log(cli):
    cli("user", "set", "dept_sifa", "--role", "clerk", "-u", "admin")
    cli("user", "deactivate", "counsel")
    cli("user", "reset-password", "clerk", "--password", "new-pass-2026")
    cli("department", "set", "示范区人民政府", "区财政局", "--contact", "0539-8000001")
    shown = cli("agency", "show", "示范区人民政府").stdout
    assert "系统管理员 修改用户 dept_sifa：角色 承办单位经办人 → 公开办经办人；所属承办单位 区司法局 → （空）" in shown
    assert "命令行操作员 停用用户 counsel" in shown and "命令行操作员 重置密码 clerk" in shown
    assert "修改承办单位 区财政局：联系方式 （空） → 0539-8000001" in shown
    with Session(cli.engine) as s:
        users = {u.username: u for u in s.exec(select(User))}
        assert not users["counsel"].active and verify_password(users["clerk"].password_hash, "new-pass-2026")
        assert len(s.exec(select(AdminEvent)).all()) == 4
    listed = cli("user", "list", "--agency", "示范区人民政府").stdout
    assert "counsel" in listed and "已停用" in listed


@pytest.mark.parametrize(("args", "words"), [
    (("user", "set", "clerk", "--government-counsel"), "只有法律顾问"),
    (("user", "set", "clerk", "--role", "admin", "-u", "head"), "只有系统管理员"),
    (("user", "reset-password", "clerk", "--password", "short"), "密码至少8位"),
    (("agency", "set", "示范区人民政府", "--repeat-window-days", "0"), "1至3650"),
], ids=["government-counsel-not-counsel", "head-is-not-admin", "short-password", "repeat-window"])
def test_a_refused_admin_command_prints_chinese_and_writes_nothing(cli, args, words):
    result = cli(*args, ok=False)
    assert result.exit_code == 1 and words in result.stderr
    with Session(cli.engine) as s:
        assert s.exec(select(AdminEvent)).all() == []


def test_the_repeat_window_is_set_from_the_cli(cli):
    assert "repeat_window_days：730" in cli("agency", "set", "示范区人民政府", "--repeat-window-days", "730").stdout
    assert "重复申请比对天数：730" in cli("agency", "show", "示范区人民政府").stdout
