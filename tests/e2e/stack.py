"""The system as a user starts it: `gongkai up` or `gongkai desk` as a subprocess, on free ports, in a tmp folder.

Each stack gets its own GONGKAI_VAR_DIR, SQLite database and PREFECT_HOME under one folder; the environment is
the user's minus anything that would point it elsewhere (PREFECT_API_URL, GONGKAI_ENGINE, GONGKAI_CONFIG …).
The `gongkai` run is the one beside the interpreter running the tests (the repository's `.venv`), with the
repository first on PYTHONPATH so that the code under test is this checkout's.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from models.db import make_engine
from models.tables import Installation

REPO = Path(__file__).resolve().parents[2]
GONGKAI = Path(sys.executable).parent / "gongkai"  # the console script of the venv running the tests
HOST = "127.0.0.1"
START_SECONDS = 120  # `gongkai up` on 2 cores: ≈40 s (Prefect's server, then the deployments and the desk)
STOP_SECONDS = 30
LAUNCHED: list["Stack"] = []  # every stack this test session started, for the failure reports (conftest)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def user_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment a user would start Gongkai with, pointed at `root`; nothing of the test runner's Prefect."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "GONGKAI_"))}
    env.update({
        "GONGKAI_VAR_DIR": str(root / "var"),
        "GONGKAI_DATABASE_URL": f"sqlite:///{root / 'var' / 'gongkai.db'}",
        "PREFECT_HOME": str(root / "var" / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    })
    env.update(extra)
    return env


@dataclass
class Stack:
    """One running installation: its folder, environment, process and ports."""

    name: str
    root: Path
    env: dict[str, str]
    web_port: int
    prefect_port: int | None = None  # None: `gongkai desk` alone
    process: subprocess.Popen | None = None
    args: list[str] = field(default_factory=list)
    log_path: Path | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def web(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    @property
    def var(self) -> Path:
        return Path(self.env["GONGKAI_VAR_DIR"])

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.env["GONGKAI_DATABASE_URL"])
        return self._engine

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def installation(self) -> Installation:
        with self.session() as s:
            return s.exec(select(Installation)).one()

    def prefect_api(self) -> str:
        """The Prefect API this installation recorded at start (what its CLI and desk trigger through)."""
        url = self.installation().prefect_api_url
        assert url, f"{self.name}: no Prefect API recorded in the database\n{self.output()}"
        return url

    def cli(self, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        """`gongkai …` against this installation, as its administrator would type it."""
        done = subprocess.run([str(GONGKAI), *args], env=self.env, cwd=self.root, capture_output=True, text=True,
                              timeout=timeout)
        if check:
            assert done.returncode == 0, f"gongkai {' '.join(args)} → {done.returncode}\n{done.stdout}\n{done.stderr}"
        return done

    def output(self, tail: int = 8000) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text("utf-8", errors="replace")
        return f"--- output of {self.name} ({self.log_path}) ---\n" + text[-tail:]

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        stop(self.process)
        if self._engine is not None:
            self._engine.dispose()


def launch(stack: Stack, args: list[str]) -> Stack:
    """Start `gongkai <args>` for `stack`, its output to <root>/<name>.log; `ready()` waits for it."""
    stack.root.mkdir(parents=True, exist_ok=True)
    stack.log_path = stack.root / f"{stack.name}.log"
    stack.args = args
    LAUNCHED.append(stack)
    with stack.log_path.open("wb") as log:
        stack.process = subprocess.Popen([str(GONGKAI), *args], env=stack.env, cwd=stack.root, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
    return stack


def ready(stack: Stack, seconds: float = START_SECONDS) -> Stack:
    """Wait (bounded) until the stack's desk answers /login; stop it and fail with its output otherwise."""
    command = f"gongkai {' '.join(stack.args)}"
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not stack.alive():
            raise AssertionError(f"{command} exited with {stack.process.returncode}\n{stack.output()}")
        try:
            if httpx.get(f"{stack.web}/login", timeout=2).status_code == 200:
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stack.stop()
    raise AssertionError(f"the desk of {command} did not answer within {seconds:.0f} s\n{stack.output()}")


def launch_up(name: str, root: Path, **extra_env: str) -> Stack:
    """`gongkai up --demo` on free ports: Prefect's server, the served deployments and the desk."""
    stack = Stack(name, root, user_env(root, **extra_env), web_port=free_port(), prefect_port=free_port())
    return launch(stack, ["up", "--demo", "--prefect-port", str(stack.prefect_port), "--web-port", str(stack.web_port)])


def start_desk(name: str, root: Path, *, demo: bool = True, env: dict[str, str] | None = None, **extra_env: str) -> Stack:
    """`gongkai desk [--demo] --port W` alone (no Prefect server of its own); `env`: another stack's database."""
    stack = Stack(name, root, {**(env or user_env(root)), **extra_env}, web_port=free_port())
    return ready(launch(stack, ["desk", *(["--demo"] if demo else []), "--port", str(stack.web_port)]))


def _descendants(pid: int) -> list[int]:
    """Every process below `pid` (the children `gongkai up` started in their own sessions), from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def stop(process: subprocess.Popen | None) -> None:
    """SIGTERM, as a service manager stops it; if it hangs, kill its process group and everything it started."""
    if process is None or process.poll() is not None:
        return
    below = _descendants(process.pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
        return
    except subprocess.TimeoutExpired:
        pass
    for pid in [process.pid, *_descendants(process.pid), *below]:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    process.wait(timeout=10)
