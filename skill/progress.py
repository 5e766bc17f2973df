"""Progress store: what each student has revised, behind one small repository interface.

Two implementations share the interface and the schema:

* `SQLiteRepository` (the embedded default, `sqlite:///path`): WAL journal, a busy timeout, and every
  read-modify-write inside `BEGIN IMMEDIATE`, so several worker processes on one machine never lose an
  update;
* `PostgresRepository` (`postgresql://...`, psycopg 3) for deployments with several machines: the same
  read-modify-write takes a row lock (`SELECT ... FOR UPDATE`).

Students are known by the platform's user id (Alexa userId, Dialogflow session); only a SHA-256 of it is
stored. The repository knows nothing of quizzes or fsrs: it stores each item's scheduling card as text
and lets the caller compute the new one inside the transaction (`update_item`).
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Protocol
from urllib.parse import unquote, urlparse

# Hashing keeps raw platform ids out of the database; the prefix keeps our hashes our own.
_KEY_PREFIX = b"history-revision/student/"


def student_key(user_id: str) -> str:
    """The stored key for a platform user id (never the id itself)."""
    if not user_id or not str(user_id).strip():
        raise ValueError("a student needs a non-empty user id")
    return hashlib.sha256(_KEY_PREFIX + str(user_id).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ItemRecord:
    """One student's history with one quiz item."""
    item: str
    topic: str
    card: str | None = None      # the scheduler's card as JSON text (fsrs Card.to_json)
    due: str | None = None       # ISO-8601 UTC, copied out of the card so it can be ordered on
    reviews: int = 0
    right: int = 0
    partly: int = 0
    wrong: int = 0
    last_grade: str | None = None   # right | partly | wrong


@dataclass(frozen=True)
class Profile:
    board: str | None = None
    guide_topic: str | None = None
    guide_part: int | None = None    # the next part of the study guide to read


class ProgressRepository(Protocol):
    def profile(self, user: str) -> Profile: ...
    def set_board(self, user: str, board: str | None) -> None: ...
    def set_guide(self, user: str, topic: str | None, part: int | None) -> None: ...
    def items(self, user: str) -> dict[str, ItemRecord]: ...
    def update_item(self, user: str, item: str, topic: str,
                    change: Callable[[ItemRecord], ItemRecord]) -> ItemRecord: ...
    def forget(self, user: str) -> bool: ...
    def close(self) -> None: ...


class ProgressError(Exception):
    """The progress database is misconfigured or unreachable."""


_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS students (
        student TEXT PRIMARY KEY, board TEXT, guide_topic TEXT, guide_part INTEGER)""",
    """CREATE TABLE IF NOT EXISTS items (
        student TEXT NOT NULL, item TEXT NOT NULL, topic TEXT NOT NULL, card TEXT, due TEXT,
        reviews INTEGER NOT NULL DEFAULT 0, right_count INTEGER NOT NULL DEFAULT 0,
        partly_count INTEGER NOT NULL DEFAULT 0, wrong_count INTEGER NOT NULL DEFAULT 0,
        last_grade TEXT, PRIMARY KEY (student, item))""",
)
_ITEM_COLUMNS = "item, topic, card, due, reviews, right_count, partly_count, wrong_count, last_grade"


def _record(row) -> ItemRecord:
    return ItemRecord(*row)


class _SQLRepository:
    """The SQL both backends share; subclasses provide a connection and the placeholder style."""
    P = "?"

    def _transaction(self, write: bool):  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self.P)

    def profile(self, user: str) -> Profile:
        with self._transaction(write=False) as cur:
            cur.execute(self._sql("SELECT board, guide_topic, guide_part FROM students WHERE student = ?"),
                        (student_key(user),))
            row = cur.fetchone()
        return Profile(*row) if row else Profile()

    def _upsert_student(self, cur, key: str, column: str, values: tuple) -> None:
        cur.execute(self._sql("INSERT INTO students (student) VALUES (?) ON CONFLICT (student) DO NOTHING"), (key,))
        cur.execute(self._sql(f"UPDATE students SET {column} WHERE student = ?"), values + (key,))

    def set_board(self, user: str, board: str | None) -> None:
        with self._transaction(write=True) as cur:
            self._upsert_student(cur, student_key(user), "board = ?", (board,))

    def set_guide(self, user: str, topic: str | None, part: int | None) -> None:
        with self._transaction(write=True) as cur:
            self._upsert_student(cur, student_key(user), "guide_topic = ?, guide_part = ?", (topic, part))

    def items(self, user: str) -> dict[str, ItemRecord]:
        with self._transaction(write=False) as cur:
            cur.execute(self._sql(f"SELECT {_ITEM_COLUMNS} FROM items WHERE student = ?"), (student_key(user),))
            return {row[0]: _record(row) for row in cur.fetchall()}

    def update_item(self, user: str, item: str, topic: str,
                    change: Callable[[ItemRecord], ItemRecord]) -> ItemRecord:
        """Read one item, apply `change`, write it back, all in one locked transaction."""
        key = student_key(user)
        with self._transaction(write=True) as cur:
            cur.execute(self._sql("INSERT INTO items (student, item, topic) VALUES (?, ?, ?) "
                                  "ON CONFLICT (student, item) DO NOTHING"), (key, item, topic))
            cur.execute(self._sql(f"SELECT {_ITEM_COLUMNS} FROM items WHERE student = ? AND item = ?"
                                  + self._lock_clause), (key, item))
            new = replace(change(_record(cur.fetchone())), item=item, topic=topic)
            cur.execute(self._sql(
                "UPDATE items SET card = ?, due = ?, reviews = ?, right_count = ?, partly_count = ?, "
                "wrong_count = ?, last_grade = ? WHERE student = ? AND item = ?"),
                (new.card, new.due, new.reviews, new.right, new.partly, new.wrong, new.last_grade, key, item))
        return new

    def forget(self, user: str) -> bool:
        key = student_key(user)
        with self._transaction(write=True) as cur:
            cur.execute(self._sql("DELETE FROM items WHERE student = ?"), (key,))
            deleted = cur.rowcount or 0
            cur.execute(self._sql("DELETE FROM students WHERE student = ?"), (key,))
            deleted += cur.rowcount or 0
        return deleted > 0

    _lock_clause = ""


class _SQLiteTransaction:
    def __init__(self, repo: "SQLiteRepository", write: bool):
        self.repo, self.write = repo, write

    def __enter__(self):
        if self.write:
            # the threads of one process queue here, in turn, rather than in SQLite's busy handler,
            # which sleeps and retries (up to 100 ms a time) and so gave a long tail under load
            self.repo._writer.acquire()
        try:
            self.conn = self.repo._connect()
            # IMMEDIATE takes the write lock up front: two workers cannot both read the old value.
            self.conn.execute("BEGIN IMMEDIATE" if self.write else "BEGIN")
        except BaseException:
            if self.write:
                self.repo._writer.release()
            raise
        self.cur = self.conn.cursor()
        return self.cur

    def __exit__(self, exc_type, exc, tb):
        try:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.cur.close()
            self.repo._release(self.conn)
            if self.write:
                self.repo._writer.release()
        return False


class SQLiteRepository(_SQLRepository):
    """The embedded store: one file, WAL, safe with several processes and threads."""

    def __init__(self, path: str | Path, timeout: float = 30.0):
        self.path = str(path)
        self.timeout = timeout
        self._memory = self.path == ":memory:"
        self._lock = threading.RLock()
        self._writer = threading.Lock()
        self._shared: sqlite3.Connection | None = None   # only for :memory:
        self._ready = False

    def _open(self) -> sqlite3.Connection:
        if not self._memory:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as e:
            raise ProgressError(f"cannot open the progress database {self.path}: {e}") from None
        conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
        if not self._memory:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
        return conn

    def _connect(self) -> sqlite3.Connection:
        # The schema is created on first use, so building an app never touches the disk.
        if self._memory:
            self._lock.acquire()
            if self._shared is None:
                self._shared = self._open()
            conn = self._shared
        else:
            conn = self._open()
        if not self._ready:
            with self._lock:
                for statement in _SCHEMA:
                    conn.execute(statement)
                self._ready = True
        return conn

    def _release(self, conn: sqlite3.Connection) -> None:
        if self._memory:
            self._lock.release()
        else:
            conn.close()

    def _transaction(self, write: bool):
        return _SQLiteTransaction(self, write)

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()
            self._shared = None


class _PostgresTransaction:
    def __init__(self, repo: "PostgresRepository"):
        self.repo = repo

    def __enter__(self):
        self.conn = self.repo._connection()
        self.tx = self.conn.transaction()
        self.tx.__enter__()
        self.cur = self.conn.cursor()
        return self.cur

    def __exit__(self, exc_type, exc, tb):
        self.cur.close()
        return self.tx.__exit__(exc_type, exc, tb)


class PostgresRepository(_SQLRepository):
    """The shared store for several machines (psycopg 3); one connection per thread."""
    P = "%s"
    _lock_clause = " FOR UPDATE"

    def __init__(self, url: str):
        try:
            import psycopg
        except ImportError:
            raise ProgressError("PostgreSQL progress storage needs psycopg: "
                                "pip install 'history-revision-skill[postgres]'") from None
        self._psycopg = psycopg
        self.url = url
        self._local = threading.local()
        self._ready = False
        self._lock = threading.Lock()

    def _connection(self):
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.broken:
            try:
                conn = self._psycopg.connect(self.url, autocommit=True)
            except self._psycopg.Error as e:
                raise ProgressError(f"cannot connect to the progress database: {e}") from None
            self._local.conn = conn
        if not self._ready:
            with self._lock:
                with conn.transaction():
                    # Two processes creating the schema at once would race on the catalogue.
                    conn.execute("SELECT pg_advisory_xact_lock(7431)")
                    for statement in _SCHEMA:
                        conn.execute(statement)
                self._ready = True
        return conn

    def _transaction(self, write: bool):
        return _PostgresTransaction(self)

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def open_repository(url: str) -> ProgressRepository:
    """A repository for a database URL: sqlite:///path, sqlite:///:memory: or postgresql://..."""
    if not url or not url.strip():
        raise ProgressError("no progress database URL given (set SKILL_DATABASE_URL)")
    url = url.strip()
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        parsed = urlparse(url)
        path = unquote(parsed.path) if not parsed.netloc else unquote(parsed.netloc + parsed.path)
        if path in ("", "/"):
            raise ProgressError(f"no file in the SQLite URL {url!r}: use sqlite:///path/to/progress.sqlite3")
        if path == "/:memory:":
            path = ":memory:"
        return SQLiteRepository(path)
    if scheme in ("postgresql", "postgres"):
        return PostgresRepository(url)
    raise ProgressError(f"unsupported progress database URL {url!r}: use sqlite:///path or postgresql://...")
