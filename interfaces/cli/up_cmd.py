"""gongkai up: one command, one machine — Prefect's server, the deployments (serve) and the web desk.

    check both ports are free → Prefect's server (workflows.prefect_server: `prefect server start`, its SQLite writes
    begun IMMEDIATE; 127.0.0.1:--prefect-port, PREFECT_HOME=<var>/prefect)
    → migrate + demo data (--demo) → record the Prefect API in this installation's database
    → reconcile (triggers never delivered, steps a dead process left behind) → serve() the deployments (sweep,
    reconcile every minute, batch intake) → the task worker (each action's trigger, workflows.task_worker)
    → uvicorn web desk (--web-port)

The CLI and the desk of this installation trigger runs through the recorded API (workflows.trigger), never
through whatever answers on a well-known port; the record is cleared when `up` stops. Ctrl-C or SIGTERM
stops every child process this command started.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import typer

HOST = "127.0.0.1"


def _wait_for(url: str, seconds: int, child: subprocess.Popen) -> bool:
    """True once `url` answers 200 while `child` still runs (a server that answers after our child died is not ours)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and child.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return child.poll() is None
        except OSError:
            time.sleep(0.5)
    return False


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def up(demo: bool = typer.Option(False, "--demo", help="载入示范机关和演示用户"),
       prefect_port: int | None = typer.Option(None, "--prefect-port", show_default=False,
                                               help="Prefect 服务端口（本机 127.0.0.1；默认取 PREFECT_SERVER_API_PORT）"),
       web_port: int = typer.Option(8000, "--web-port", help="网页工作台端口")) -> None:
    """启动 Prefect 服务、流程部署和网页工作台（单机、SQLite）。"""
    from models.settings import Settings

    prefect_port = prefect_port or default_prefect_port()
    for port, what in ((prefect_port, "--prefect-port"), (web_port, "--web-port")):
        if not port_free(port):
            typer.echo(f"端口 {port} 已被占用（可能是本机另一套安装），请用 {what} 指定其他端口。", err=True)
            raise typer.Exit(1)
    settings = Settings.load()
    api = f"http://{HOST}:{prefect_port}/api"
    env = prefect_env(settings.var_dir, api)
    Path(env["PREFECT_HOME"]).mkdir(parents=True, exist_ok=True)
    children: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, _interrupt)  # a service manager stops with SIGTERM: stop the children too
    recorded = False
    try:
        typer.echo(f"启动 Prefect 服务（{HOST}:{prefect_port}）…")
        children.append(_start(["-m", "workflows.prefect_server", "--host", HOST, "--port", str(prefect_port)], env))
        if not _wait_for(f"{api}/health", 90, children[0]):
            raise typer.Exit(_fail("Prefect 服务在90秒内未就绪。"))
        _init(demo)
        _record(api)
        recorded = True
        typer.echo(f"补办遗漏的自动步骤：{_reconcile()} 件。")
        typer.echo("启动流程部署（advance-case、morning-sweep、reconcile、batch-intake、weekly-dispatch、monthly-check、quarterly-bulletin）…")
        children.append(_start(["-m", "workflows.deployments"], env))
        typer.echo("启动任务进程（每次操作后的自动步骤）…")
        children.append(_start(["-m", "workflows.task_worker"], env))
        children.append(_start(["-m", "uvicorn", "interfaces.web.app:create_app", "--factory", "--host", HOST,
                                "--port", str(web_port), "--no-proxy-headers"], env))  # GONGKAI_TRUSTED_PROXIES decides
        typer.echo(f"网页工作台：http://{HOST}:{web_port}/")
        typer.echo(f"Prefect 界面：http://{HOST}:{prefect_port}/")
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
        if recorded:
            _record(None)


def default_prefect_port() -> int:
    """Prefect's own setting (PREFECT_SERVER_API_PORT, else Prefect's default): no port is written in our code.

    Read afresh from the environment and profile, not from a settings context a caller may have entered."""
    from prefect.settings import Settings

    return Settings().server.api.port


def prefect_env(var_dir: Path, api: str) -> dict[str, str]:
    """The environment of the Prefect server, the served deployments and the task worker `gongkai up` starts (an
    operator's own PREFECT_SERVER_CONCURRENCY_LEASE_STORAGE wins)."""
    from workflows.prefect_server import LEASES_ON_DISK

    return {**LEASES_ON_DISK, **os.environ, "PREFECT_HOME": str(var_dir / "prefect"), "PREFECT_API_URL": api,
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PREFECT_UI_API_URL": api}


def _start(args: list[str], env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], env=env, start_new_session=True)


def _init(demo: bool) -> None:
    from models.db import default_engine, migrate, session_scope

    migrate(default_engine())
    if demo:
        from models.demo import seed_demo

        with session_scope() as s:
            seed_demo(s, password_hash=_demo_hash())
        from interfaces.cli.documents_cmd import demo_documents
        from models.demo import DEMO_AGENCY

        for line in demo_documents(DEMO_AGENCY):
            typer.echo(line)


def _record(api: str | None) -> None:
    """This installation's database names the Prefect API its CLI and desk trigger through (None: stopped)."""
    from models.db import session_scope
    from models.identity import record_prefect_api
    from workflows.engine import shanghai_now

    with session_scope() as s:
        record_prefect_api(s, api, now=shanghai_now())


def _reconcile() -> int:
    """At start: every case a process that died left with due steps gets them, inline, before serving."""
    from workflows.engine import reconcile, shanghai_now

    return reconcile(now=shanghai_now())


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
