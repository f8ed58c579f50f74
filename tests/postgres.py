"""A throwaway PostgreSQL server for tests: a fresh cluster in a temporary folder, on loopback.

``start()`` finds ``initdb``/``pg_ctl`` (Debian puts them in /usr/lib/postgresql/<version>/bin),
creates a cluster owned by a non-root user (PostgreSQL refuses to run as root; as root it uses
the ``postgres`` account through ``runuser``), starts it on a free 127.0.0.1 port with its unix
socket in the same folder and fsync off, creates a database and returns a :class:`Server` whose
``url`` SQLAlchemy understands. ``stop()`` shuts it down and deletes the folder.

``$LAUNCHROOM_TEST_PG_URL`` names an existing server instead. When no server can be started,
``start()`` raises :class:`Unavailable` with the reason (the tests skip with it, or fail when
``$LAUNCHROOM_REQUIRE_POSTGRES`` is set, as in CI).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DATABASE = "launchroom_test"
USER = "launchroom"


class Unavailable(RuntimeError):
    """No PostgreSQL server can be started here (the message says why)."""


@dataclass
class Server:
    url: str
    folder: Path | None = None
    pg_ctl: Path | None = None
    runas: list[str] | None = None

    def stop(self) -> None:
        if self.folder is None or self.pg_ctl is None:
            return
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run([*(self.runas or []), str(self.pg_ctl), "-D", str(self.folder / "data"),
                            "-m", "immediate", "-w", "stop"],
                           capture_output=True, timeout=60, check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


def required() -> bool:
    """Whether a missing PostgreSQL must fail the tests (CI) rather than skip them."""
    return os.environ.get("LAUNCHROOM_REQUIRE_POSTGRES", "") not in ("", "0", "false", "no")


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl (the newest Debian version first), or None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda path: _version(Path(path).parent.parent.name), reverse=True)
    found = shutil.which("initdb")
    if found:
        candidates.append(os.path.realpath(found))
    for initdb in candidates:
        folder = Path(initdb).parent
        if (folder / "pg_ctl").exists():
            return folder
    return None


def _version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in text.split("."))
    except ValueError:
        return (0,)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], what: str, timeout: float = 120) -> None:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise Unavailable(f"{what} could not run: {error}") from None
    if done.returncode != 0:
        output = (done.stderr or done.stdout).strip().splitlines()[-5:]
        raise Unavailable(f"{what} failed (exit {done.returncode}): {' | '.join(output)}")


def start() -> Server:
    """Start a throwaway server (or use ``$LAUNCHROOM_TEST_PG_URL``); raise Unavailable."""
    given = os.environ.get("LAUNCHROOM_TEST_PG_URL", "").strip()
    if given:
        return Server(url=given)
    folder_bin = binaries()
    if folder_bin is None:
        raise Unavailable("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin "
                          "or on PATH; apt-get install postgresql)")
    try:
        import psycopg
    except ImportError:
        raise Unavailable("the psycopg driver is not installed (pip install -r requirements.txt)"
                          ) from None

    runas: list[str] = []
    owner = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise Unavailable("running as root and there is no 'postgres' user to run the server"
                              ) from None
        runner = shutil.which("runuser") or shutil.which("setpriv")
        if runner is None:
            raise Unavailable("running as root and neither runuser nor setpriv is available")
        if runner.endswith("runuser"):
            runas = [runner, "-u", "postgres", "--"]
        else:
            runas = [runner, f"--reuid={owner.pw_uid}", f"--regid={owner.pw_gid}",
                     "--init-groups", "--"]

    folder = Path(tempfile.mkdtemp(prefix="launchroom-pg-"))
    server = Server(url="", folder=folder, pg_ctl=folder_bin / "pg_ctl", runas=runas)
    try:
        if owner is not None:
            os.chown(folder, owner.pw_uid, owner.pw_gid)
        data = folder / "data"
        _run([*runas, str(folder_bin / "initdb"), "-D", str(data), "-U", USER, "--auth=trust",
              "-E", "UTF8", "--locale=C", "--no-sync"], "initdb")
        for attempt in range(3):
            port = _free_port()
            options = (f"-c listen_addresses=127.0.0.1 -c port={port} "
                       f"-c unix_socket_directories={folder} -c fsync=off "
                       "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
            try:
                _run([*runas, str(folder_bin / "pg_ctl"), "-D", str(data), "-l",
                      str(folder / "server.log"), "-o", options, "-w", "-t", "60", "start"],
                     "pg_ctl start")
                break
            except Unavailable:
                if attempt == 2:
                    log = (folder / "server.log")
                    tail = log.read_text(errors="replace").strip().splitlines()[-3:] \
                        if log.exists() else []
                    raise Unavailable("the PostgreSQL server did not start: "
                                      + " | ".join(tail)) from None
        deadline = time.monotonic() + 30
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=port, user=USER, dbname="postgres",
                                     autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f'CREATE DATABASE "{DATABASE}"')
                break
            except psycopg.OperationalError as error:
                if time.monotonic() > deadline:
                    raise Unavailable(f"the PostgreSQL server does not answer: {error}") from None
                time.sleep(0.2)
        server.url = f"postgresql+psycopg://{USER}@127.0.0.1:{port}/{DATABASE}"
        return server
    except BaseException:
        server.stop()
        raise
