"""gongkai api token create / revoke / list: bearer tokens for staff systems calling the JSON API (/api/v1).

Thin over models.api_tokens; run by the server's operator (or a 系统管理员 named with --as), logged in admin_event.
"""

import typer

from interfaces.cli.runtime import JSON, emit

app = typer.Typer(help="JSON 接口（/api/v1）", no_args_is_help=True)
token_app = typer.Typer(help="接口令牌：按用户的机关和角色授权，只保存哈希值", no_args_is_help=True)
app.add_typer(token_app, name="token")
OPERATOR = typer.Option(None, "--as", help="操作人（系统管理员）用户名，记入管理日志；不填时记为命令行操作员")


@token_app.command("create")
def create(user: str = typer.Option(..., "--user", "-u", help="令牌代表的用户（令牌的机关和角色即该用户的）"),
           label: str = typer.Option("", help="用途说明，如「省级平台」"), operator: str = OPERATOR,
           as_json: bool = JSON) -> None:
    """生成接口令牌：只显示这一次，请妥善保存。"""
    from interfaces.cli.case_cmd import admin_context
    from models.api_tokens import create_token
    from models.enums import Role

    with admin_context(operator) as ctx:
        made = create_token(ctx, username=user, label=label)
        row = made.row
        emit({"id": row.id, "token": made.token, "user": user, "role": Role(row.role).value,
              "agency_id": row.agency_id}, as_json=as_json, lines=[
            made.token,
            f"令牌 {row.id}（{row.prefix}…）代表用户 {user}（{Role(row.role).label}），只显示这一次，请妥善保存。",
            "调用时在请求头中提供：Authorization: Bearer <令牌>。"])


@token_app.command("revoke")
def revoke(token_id: int = typer.Argument(..., help="令牌编号（见 gongkai api token list）"), operator: str = OPERATOR,
           as_json: bool = JSON) -> None:
    """吊销接口令牌：立即失效。"""
    from interfaces.cli.case_cmd import admin_context
    from models.api_tokens import revoke_token

    with admin_context(operator) as ctx:
        row = revoke_token(ctx, token_id=token_id)
        emit({"id": row.id, "revoked_at": row.revoked_at}, as_json=as_json,
             lines=[f"令牌 {row.id}（{row.prefix}…）已于 {row.revoked_at:%Y-%m-%d %H:%M} 吊销。"])


@token_app.command("list")
def list_tokens(user: str = typer.Option(None, "--user", "-u", help="只看该用户的令牌"), as_json: bool = JSON) -> None:
    """接口令牌清单（不显示令牌本身）。"""
    from interfaces.cli.runtime import session
    from models.api_tokens import tokens
    from models.enums import Role

    with session() as s:
        rows = tokens(s, username=user)
        data = [{"id": t.id, "prefix": t.prefix, "user": u.username, "role": Role(t.role).value, "label": t.label,
                 "created_at": t.created_at, "revoked_at": t.revoked_at} for t, u in rows]
    emit({"tokens": data}, as_json=as_json, lines=[
        f"{d['id']}  {d['prefix']}…  {d['user']}  {Role(d['role']).label}  {d['label'] or '—'}  "
        f"{'已吊销' if d['revoked_at'] else '有效'}" for d in data] or ["没有接口令牌。"])
