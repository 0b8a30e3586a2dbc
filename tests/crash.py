#!/usr/bin/env python3
"""Crash test: concurrent creates with Idempotency-Keys while the server is SIGKILLed and restarted.

Writers register organizations, each with its own key and USCC; the server is killed at a random
moment every cycle and started again on the same database. A request that got no answer is
retried with the same key and body until it gets one. At the end it checks that

- every acknowledged create (a 201) is there, with the id it was acknowledged with;
- every key completes: its retries end in 201 (created now, or replayed), never in 409 or
  another refusal, and each key made exactly one organization (no write twice, none lost);
- on SQLite, `PRAGMA integrity_check` says ok.

CI runs it in a bounded form (5 cycles per database). Build first: `cargo build --release`.

    python3 tests/crash.py --cycles 40 --writers 16 [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import http.client
import json
import os
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]
PASSWORD = "crash-test-password"


def uscc(n):
    first17 = f"91350100{n:09d}"
    check = (31 - sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS)) % 31) % 31
    return first17 + ALPHABET[check]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The release binary on one database; killed with SIGKILL, started again on the same one."""

    def __init__(self, binary, database_url, log):
        self.binary, self.database_url, self.log = binary, database_url, log
        self.port = free_port()
        self.process = None

    def start(self):
        env = dict(os.environ, DATABASE_URL=self.database_url, LIANGXIN_BIND=f"127.0.0.1:{self.port}",
                   LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD, LIANGXIN_LOG="warn",
                   LIANGXIN_RATE_LIMIT_PER_MINUTE="100000000", LIANGXIN_LOGIN_MAX_FAILURES="1000000")
        self.process = subprocess.Popen([self.binary], env=env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"the server exited with {self.process.returncode} at start")
            try:
                status, _ = request(self.port, "GET", "/readyz", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.05)
        sys.exit("the server did not become ready in 60 s")

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        self.process.terminate()
        self.process.wait()


def request(port, method, path, body=None, headers=None, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def login(port):
    form = urllib.parse.urlencode({"grant_type": "password", "username": "admin", "password": PASSWORD})
    status, body = request(port, "POST", "/api/v1/auth/token", form,
                           {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200, (status, body)
    return json.loads(body)["access_token"]


class Writers:
    """Threads that create organizations with keys; a request without an answer stays pending."""

    def __init__(self, server, count):
        self.server, self.count = server, count
        self.lock = threading.Lock()
        self.next_number = 0
        self.acknowledged = {}  # key -> id from the first 201
        self.pending = {}  # key -> body, sent without an answer
        self.unanswered = set()  # keys that went without an answer at least once
        self.refused = []  # (key, status, body): anything but 201 for a valid create
        self.token = login(server.port)
        self.running = threading.Event()
        self.stopping = False
        self.threads = [threading.Thread(target=self.loop, daemon=True) for _ in range(count)]

    def create(self, key, body):
        """One attempt: the id, or None when the server gave no answer."""
        headers = {"Content-Type": "application/json", "Idempotency-Key": key,
                   "Authorization": f"Bearer {self.token}"}
        try:
            status, text = request(self.server.port, "POST", "/api/v1/organizations", body, headers)
        except OSError:
            return None
        if status == 201:
            return json.loads(text)["id"]
        if status in (502, 503):
            return None
        with self.lock:
            self.refused.append((key, status, text[:300]))
        return "refused"

    def loop(self):
        while not self.stopping:
            self.running.wait()
            if self.stopping:
                return
            with self.lock:
                if self.pending and random.random() < 0.5:
                    key, body = random.choice(list(self.pending.items()))
                    del self.pending[key]
                else:
                    self.next_number += 1
                    n = self.next_number
                    key = f"crash-{n}-{uuid.uuid4()}"
                    body = json.dumps({"name": f"崩溃测试企业{n}", "kind": "new_economic",
                                       "category": "private_enterprise", "uscc": uscc(n),
                                       "region_code": "350102", "employee_count": 10,
                                       "in_survey_scope": True})
            self.record(key, body, self.create(key, body))

    def record(self, key, body, result):
        with self.lock:
            if result is None:
                self.pending[key] = body
                self.unanswered.add(key)
            elif result != "refused":
                first = self.acknowledged.setdefault(key, result)
                if first != result:
                    self.refused.append((key, 201, f"replayed id {result} != acknowledged {first}"))

    def drain(self):
        """Retries every pending key until it has an answer (the server is up)."""
        while self.pending:
            key, body = self.pending.popitem()
            result = self.create(key, body)
            assert result is not None, f"no answer for {key} with the server up"
            self.record(key, body, result)


def run(label, binary, database_url, cycles, writers, sqlite_path=None):
    log = tempfile.NamedTemporaryFile(prefix="liangxin-crash-", suffix=".log", delete=False)
    server = Server(binary, database_url, log)
    server.start()
    pool = Writers(server, writers)
    for thread in pool.threads:
        thread.start()
    started = time.monotonic()
    for _ in range(cycles):
        pool.running.set()
        time.sleep(random.uniform(0.3, 1.2))
        server.kill()
        pool.running.clear()
        time.sleep(0.2)  # the writers' requests fail and stay pending
        server.start()
    pool.running.set()
    time.sleep(0.5)
    pool.stopping = True
    for thread in pool.threads:
        thread.join()
    pool.drain()

    token = login(server.port)
    lost = []
    for key, id_ in pool.acknowledged.items():
        status, _ = request(server.port, "GET", f"/api/v1/organizations/{id_}",
                            headers={"Authorization": f"Bearer {token}"})
        if status != 200:
            lost.append((key, id_, status))
    status, text = request(server.port, "GET", "/api/v1/organizations?include_total=true&limit=1",
                           headers={"Authorization": f"Bearer {token}"})
    total = json.loads(text)["total"]
    server.stop()
    integrity = "n/a"
    if sqlite_path:
        with sqlite3.connect(sqlite_path) as db:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    print(f"{label}: {cycles} SIGKILLs in {time.monotonic() - started:.0f} s, {writers} writers; "
          f"{len(pool.acknowledged)} keys acknowledged ({len(pool.unanswered)} of them after going "
          f"unanswered and being retried), {total} organizations, "
          f"{len(lost)} lost, {len(pool.refused)} stuck or refused, integrity {integrity}")
    failures = []
    if lost:
        failures.append(f"acknowledged but missing: {lost[:5]}")
    if pool.refused:
        failures.append(f"keys that did not complete: {pool.refused[:5]}")
    if total != len(pool.acknowledged):
        failures.append(f"{total} organizations for {len(pool.acknowledged)} keys")
    if sqlite_path and integrity != "ok":
        failures.append(f"integrity_check: {integrity}")
    if failures:
        print(f"{label}: FAILED (server log: {log.name})\n  " + "\n  ".join(failures))
        return False
    os.unlink(log.name)
    return True


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cycles", type=int, default=40)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--postgres", help="a PostgreSQL server URL; a fresh database is made on it")
    parser.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                         "release", "liangxin"))
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as workdir:
        path = os.path.join(workdir, "crash.db")
        ok &= run("SQLite", args.binary, f"sqlite://{path}?mode=rwc", args.cycles, args.writers, path)
    if args.postgres:
        name = f"liangxin_crash_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        try:
            url = urllib.parse.urlparse(args.postgres)._replace(path=f"/{name}").geturl()
            ok &= run("PostgreSQL", args.binary, url, args.cycles, args.writers)
        finally:
            subprocess.run(["psql", args.postgres, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                           check=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
