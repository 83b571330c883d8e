"""`gongkai desk`: the web desk for clerks, departments, counsel, leaders and supervisors (uvicorn)."""

import typer

app = typer.Typer(help="网页工作台", no_args_is_help=False, add_completion=False)


@app.callback(invoke_without_command=True)
def desk(
    host: str = typer.Option("127.0.0.1", help="监听地址"),
    port: int = typer.Option(8000, help="监听端口"),
    demo: bool = typer.Option(False, "--demo", help="迁移数据库并创建示范机关和各角色演示用户"),
) -> None:
    """启动网页工作台。"""
    import uvicorn

    from interfaces.web.app import create_app
    from models.db import default_engine, migrate, session_scope

    engine = default_engine()
    if demo:
        from models.demo import DEMO_PASSWORD, USERS, seed_demo
        from models.passwords import hash_password

        migrate(engine)
        with session_scope(engine) as session:
            created = seed_demo(session, password_hash=hash_password(DEMO_PASSWORD))
        typer.echo("示范机关已创建。" if created else "示范机关已存在。")
        typer.echo(f"演示用户（密码均为 {DEMO_PASSWORD}）：")
        for username, full_name, role, department, _ in USERS:
            typer.echo(f"  {username:<14}{full_name}（{role.label}{'，' + department if department else ''}）")
        from interfaces.cli.documents_cmd import demo_documents
        from models.demo import DEMO_AGENCY

        for line in demo_documents(DEMO_AGENCY):
            typer.echo(line)
    typer.echo(f"工作台：http://{host}:{port}/    申请人查询：http://{host}:{port}/status")
    # proxy_headers=False: the desk itself decides whose X-Forwarded-For to believe (GONGKAI_TRUSTED_PROXIES);
    # uvicorn's default believes any from 127.0.0.1, which let one client pass for many.
    uvicorn.run(create_app(engine), host=host, port=port, log_level="info", proxy_headers=False)
