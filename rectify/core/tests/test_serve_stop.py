"""``rectify serve`` starts the background worker beside it; stopping the server stops the worker."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="需要 Linux 的 /proc 来查找子进程")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces, so split after the last ')'.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# How long a worker may take to notice that its server is gone. It checks its parent between jobs and
# every half second while idle, but a worker killed with its server may still be starting (importing
# Django, checking migrations), which on a loaded 2-core machine took longer than the 8 s this test once
# allowed. A generous deadline keeps the test able to fail — a worker that never checks its parent lives
# on and is reported — without failing on a slow machine.
ORPHAN_DEADLINE_SECONDS = 120.0


def _wait(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - http://127.0.0.1 built by this test
            return int(response.status) == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("serve-data")


@pytest.fixture
def server(data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update({"RECTIFY_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"})
    port = _free_port()
    log = (data_dir / f"serve-{port}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "rectify.cli", "serve", f"127.0.0.1:{port}"], cwd=ROOT, env=env,  # noqa: S603 - fixed argv
                               stdout=log, stderr=subprocess.STDOUT)
    started: list[int] = []
    try:
        assert _wait(lambda: _answers(f"http://127.0.0.1:{port}/accounts/login/") or process.poll() is not None, 120)
        assert process.poll() is None, (data_dir / f"serve-{port}.log").read_text()
        assert _wait(lambda: bool(_children(process.pid)), 10), "后台任务进程没有启动"
        started.extend(_children(process.pid))
        yield process, port
    finally:
        for pid in [*started, process.pid]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=10)
        log.close()


def test_sigterm_stops_the_server_and_its_worker(server: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = server
    workers = _children(process.pid)
    assert workers and all(_alive(pid) for pid in workers)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=15)
    assert _wait(lambda: not any(_alive(pid) for pid in workers), 5), "后台任务进程在服务停止后仍在运行"
    assert not _answers(f"http://127.0.0.1:{port}/accounts/login/")


def _ppid(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def test_worker_exits_by_itself_when_the_server_is_killed(server: tuple[subprocess.Popen[bytes], int], data_dir: Path) -> None:
    process, port = server
    workers = _children(process.pid)
    assert workers and all(_alive(pid) for pid in workers), "后台任务进程在服务被结束之前就不在了"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    # Orphaned now (adopted by init or a subreaper): it must notice and exit on its own; nobody signals it.
    started = time.monotonic()
    gone = _wait(lambda: not any(_alive(pid) for pid in workers), ORPHAN_DEADLINE_SECONDS)
    left = [(pid, _ppid(pid)) for pid in workers if _alive(pid)]
    log = (data_dir / f"serve-{port}.log").read_text(errors="replace")[-2000:]
    assert gone, (f"服务进程被强制结束 {time.monotonic() - started:.0f} 秒后，后台任务进程仍在运行（成了孤儿进程）：{left}\n{log}")


def _open_keep_alive(port: int) -> socket.socket:
    """A browser's kept-alive connection: one page asked for and answered, the connection left open."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"GET /accounts/login/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n")
    received = b""
    while b"\r\n\r\n" not in received:
        chunk = sock.recv(65536)
        assert chunk, "连接在应答前被关闭"
        received += chunk
    assert received.startswith(b"HTTP/1.1 200"), received[:100]
    return sock


def test_many_open_connections_do_not_shut_out_the_next_person(server: tuple[subprocess.Popen[bytes], int]) -> None:
    """Browsers keep several connections open each: 150 of them (waitress's default limit is 100) and a
    new person's page still answers at once, not when one of them times out."""
    _, port = server
    held = [_open_keep_alive(port) for _ in range(150)]
    try:
        started = time.monotonic()
        assert _answers(f"http://127.0.0.1:{port}/accounts/login/"), "连接数达到上限后，新的访问得不到应答"
        assert time.monotonic() - started < 2
    finally:
        for sock in held:
            sock.close()
