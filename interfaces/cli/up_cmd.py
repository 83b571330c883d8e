"""gongkai up: one command, one machine — Prefect's server, the deployments (serve) and the web desk.

    prefect server start (127.0.0.1:4200, PREFECT_HOME=var/prefect, analytics off)
    → migrate + demo data (--demo) → reconcile → serve() the deployments → uvicorn web desk (:8000)
Ctrl-C stops every child process this command started.
"""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import typer

API = "http://127.0.0.1:4200/api"


def _wait_for(url: str, seconds: int) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def up(demo: bool = typer.Option(False, "--demo", help="载入示范机关和演示用户"),
       web_port: int = typer.Option(8000, help="网页工作台端口")) -> None:
    """启动 Prefect 服务、流程部署和网页工作台（单机、SQLite）。"""
    from models.settings import Settings

    settings = Settings.load()
    env = {**os.environ, "PREFECT_HOME": str(settings.var_dir / "prefect"), "PREFECT_API_URL": API,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_API_URL": API}
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    children: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager stops with SIGTERM: stop the children too
    try:
        typer.echo("启动 Prefect 服务（127.0.0.1:4200）…")
        children.append(subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                                          "--port", "4200"], env=env, start_new_session=True))
        if not _wait_for(f"{API}/health", 90):
            raise typer.Exit(_fail("Prefect 服务在90秒内未就绪。"))
        _init(demo)
        typer.echo("启动流程部署（advance-case、morning-sweep、reconcile、batch-intake）…")
        children.append(subprocess.Popen([sys.executable, "-m", "workflows.deployments"], env=env, start_new_session=True))
        children.append(subprocess.Popen([sys.executable, "-m", "uvicorn", "interfaces.web.app:create_app", "--factory",
                                          "--host", "127.0.0.1", "--port", str(web_port)], env=env,
                                         start_new_session=True))
        typer.echo(f"网页工作台：http://127.0.0.1:{web_port}/")
        typer.echo("Prefect 界面：http://127.0.0.1:4200/")
        if demo:
            from models.demo import DEMO_PASSWORD, USERS

            typer.echo(f"演示用户（密码 {DEMO_PASSWORD}）：" + "、".join(f"{u[0]}（{u[2].label}）" for u in USERS))
        typer.echo("按 Ctrl-C 停止。")
        while all(c.poll() is None for c in children):
            time.sleep(1)
        typer.echo("有子进程退出，正在停止全部服务。", err=True)
    except KeyboardInterrupt:
        typer.echo("正在停止…")
    finally:
        for child in reversed(children):
            _stop(child)


def _init(demo: bool) -> None:
    from models.db import default_engine, migrate, session_scope

    migrate(default_engine())
    if demo:
        from models.demo import seed_demo

        with session_scope() as s:
            seed_demo(s, password_hash=_demo_hash())


def _demo_hash() -> str:
    from models.demo import DEMO_PASSWORD
    from models.passwords import hash_password

    return hash_password(DEMO_PASSWORD)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)


def _fail(message: str) -> int:
    typer.echo(message, err=True)
    return 1
