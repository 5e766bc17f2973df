"""The progress store: SQLite (embedded default) and PostgreSQL behave the same and lose no update.

PostgreSQL: set SKILL_TEST_POSTGRES_URL to use a running server; otherwise a throwaway cluster is made
with the system's initdb/pg_ctl (apt-get install postgresql). When neither is possible the PostgreSQL
tests fail under CI (CI=1 or SKILL_TEST_POSTGRES_URL set) and are skipped, with the reason, elsewhere.
"""
from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import uuid
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import free_port
from skill.progress import (ItemRecord, PostgresRepository, ProgressError, SQLiteRepository, open_repository,
                            student_key)
from skill.settings import PROJECT_ROOT

NOW = datetime(2025, 3, 3, 9, 0, tzinfo=timezone.utc)


# --- PostgreSQL: a throwaway cluster --------------------------------------------------------------

def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _must_have_postgres() -> bool:
    return bool(os.environ.get("SKILL_TEST_POSTGRES_URL") or os.environ.get("CI"))


@pytest.fixture(scope="session")
def postgres_url():
    url = os.environ.get("SKILL_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not (initdb and pg_ctl):
        message = "PostgreSQL is not installed (apt-get install -y postgresql) and SKILL_TEST_POSTGRES_URL is unset"
        if _must_have_postgres():
            pytest.fail(message)
        pytest.skip(message)
    # PostgreSQL refuses to run as root: run the cluster as the `postgres` system user then.
    as_user = []
    folder = tempfile.mkdtemp(prefix="skill-pg-")
    if os.geteuid() == 0:
        import pwd
        try:
            pw = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root and there is no `postgres` user to run the test cluster")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data = os.path.join(folder, "data")
    port = free_port()
    try:
        subprocess.run(as_user + [initdb, "-D", data, "-U", "test", "--auth=trust", "-E", "UTF8"],
                       check=True, capture_output=True)
        subprocess.run(as_user + [pg_ctl, "-D", data, "-l", os.path.join(folder, "log"), "-w", "-o",
                                  f"-p {port} -k {folder} -c listen_addresses=''", "start"],
                       check=True, capture_output=True)
    except subprocess.CalledProcessError as e:
        log = Path(folder, "log").read_text() if Path(folder, "log").exists() else ""
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"could not start a PostgreSQL test cluster: {e.stderr.decode()} {log}")
    try:
        yield f"postgresql://test@/postgres?host={folder}&port={port}"
    finally:
        subprocess.run(as_user + [pg_ctl, "-D", data, "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def repo_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'progress.sqlite3'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def repo(repo_url):
    r = open_repository(repo_url)
    yield r
    r.close()


def new_user() -> str:
    return f"amzn1.ask.account.{uuid.uuid4()}"


# --- the interface, on both backends --------------------------------------------------------------

def count(rec: ItemRecord) -> ItemRecord:
    return replace(rec, reviews=rec.reviews + 1, right=rec.right + 1, last_grade="right",
                   card='{"x": 1}', due=NOW.isoformat())


def test_profile_board_and_guide_place(repo):
    user = new_user()
    assert repo.profile(user).board is None
    repo.set_board(user, "ocr")
    repo.set_guide(user, "great-leap-forward", 2)
    p = repo.profile(user)
    assert (p.board, p.guide_topic, p.guide_part) == ("ocr", "great-leap-forward", 2)
    repo.set_guide(user, None, None)
    assert repo.profile(user).guide_topic is None and repo.profile(user).board == "ocr"


def test_items_update_and_forget(repo):
    user, other = new_user(), new_user()
    rec = repo.update_item(user, "t:why:recall", "t", count)
    assert (rec.reviews, rec.right, rec.topic) == (1, 1, "t")
    repo.update_item(user, "t:why:recall", "t", count)
    repo.update_item(other, "t:why:recall", "t", count)
    assert repo.items(user)["t:why:recall"].reviews == 2
    assert repo.forget(user) is True
    assert repo.items(user) == {} and repo.profile(user).board is None
    assert repo.items(other)["t:why:recall"].reviews == 1      # nobody else's progress goes
    assert repo.forget(user) is False


def test_a_failing_change_writes_nothing(repo):
    user = new_user()
    repo.update_item(user, "i", "t", count)

    def broken(rec):
        raise RuntimeError("grader crashed")

    with pytest.raises(RuntimeError):
        repo.update_item(user, "i", "t", broken)
    assert repo.items(user)["i"].reviews == 1


def test_student_ids_are_stored_hashed(tmp_path):
    path = tmp_path / "p.sqlite3"
    repo = SQLiteRepository(path)
    user = "amzn1.ask.account.SECRET-ID-123"
    repo.set_board(user, "edexcel")
    repo.update_item(user, "i", "t", count)
    raw = path.read_bytes() + (Path(str(path) + "-wal").read_bytes() if Path(str(path) + "-wal").exists() else b"")
    assert b"SECRET-ID-123" not in raw
    with sqlite3.connect(path) as db:
        keys = {row[0] for row in db.execute("SELECT student FROM students")}
    assert keys == {student_key(user)}
    with pytest.raises(ValueError):
        student_key("")


def test_sqlite_uses_wal_and_creates_its_folder(tmp_path):
    path = tmp_path / "deep" / "er" / "progress.sqlite3"
    repo = open_repository(f"sqlite:///{path}")
    assert not path.exists()                 # nothing is touched until a student needs it
    repo.set_board(new_user(), "ocr")
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_progress_survives_a_restart(tmp_path):
    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    user = new_user()
    first = open_repository(url)
    first.update_item(user, "i", "t", count)
    first.set_guide(user, "marriage-law", 3)
    first.close()
    second = open_repository(url)
    assert second.items(user)["i"].reviews == 1
    assert second.profile(user).guide_part == 3


@pytest.mark.parametrize("url, message", [
    ("", "no progress database URL"),
    ("mysql://x/y", "unsupported progress database URL"),
    ("sqlite://", "no file in the SQLite URL"),
])
def test_bad_urls_get_clear_errors(url, message):
    with pytest.raises(ProgressError, match=message):
        open_repository(url)


def test_postgres_url_selects_postgres(postgres_url):
    assert isinstance(open_repository(postgres_url), PostgresRepository)


def test_unreachable_postgres_is_a_clear_error():
    repo = open_repository("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(ProgressError, match="cannot connect"):
        repo.profile("someone")


# --- two workers, one student ---------------------------------------------------------------------

WORKER = textwrap.dedent("""
    import sys, time
    from datetime import datetime, timezone
    from pathlib import Path
    from skill.progress import open_repository
    from skill.quiz import review

    url, user, me, other, n = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
    repo = open_repository(url)
    repo.profile(user)                      # connect (and create the schema) before the start line
    Path(me).touch()
    while not Path(other).exists():         # both workers start together
        time.sleep(0.001)
    now = datetime(2025, 3, 3, 9, tzinfo=timezone.utc)
    for i in range(n):
        # the same item for both workers (a read-modify-write race), and one item each
        repo.update_item(user, "great-leap-forward:why:recall", "great-leap-forward",
                         lambda rec: review(rec, "right" if i % 2 else "wrong", now))
        repo.update_item(user, f"{me}:{i}", "great-leap-forward", lambda rec: review(rec, "partly", now))
    repo.close()
""")


def run_two_workers(url: str, tmp_path: Path, n: int = 150) -> str:
    user = new_user()
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    a, b = str(tmp_path / "a.ready"), str(tmp_path / "b.ready")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    procs = [subprocess.Popen([sys.executable, str(script), url, user, me, other, str(n)], env=env,
                              stderr=subprocess.PIPE) for me, other in ((a, b), (b, a))]
    for p in procs:
        _, err = p.communicate(timeout=240)
        assert p.returncode == 0, err.decode()
    return user


def test_two_processes_lose_no_update_sqlite(tmp_path):
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    n = 150
    user = run_two_workers(url, tmp_path, n)
    items = open_repository(url).items(user)
    shared = items["great-leap-forward:why:recall"]
    assert shared.reviews == 2 * n
    assert (shared.right, shared.wrong) == (n, n)
    assert len(items) == 1 + 2 * n


def test_two_processes_lose_no_update_postgres(postgres_url, tmp_path):
    n = 150
    user = run_two_workers(postgres_url, tmp_path, n)
    repo = open_repository(postgres_url)
    items = repo.items(user)
    repo.close()
    shared = items["great-leap-forward:why:recall"]
    assert shared.reviews == 2 * n
    assert (shared.right, shared.wrong) == (n, n)
    assert len(items) == 1 + 2 * n
