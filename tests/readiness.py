#!/usr/bin/env python3
"""Readiness follows the database: a PostgreSQL cluster that this script owns is stopped and
started under a running server.

Checks that `/readyz` answers 200, then 503 within a few seconds of the cluster stopping (and
answers fast: it never waits out a connection timeout), that `/healthz` stays 200 and a write
is a 503 (never a 500) while the database is gone, and that readiness and writes come back by
themselves when the cluster is started again — no restart of the server.

PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
Build first: `cargo build --release`.

    python3 tests/readiness.py
"""
import argparse
import glob
import http.client
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

PASSWORD = "readiness-password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None, timeout=15):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        started = time.monotonic()
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), time.monotonic() - started
    finally:
        connection.close()


def wait_for(port, path, status, seconds):
    """Seconds until `path` answers `status`, and the slowest answer meanwhile."""
    started, slowest = time.monotonic(), 0.0
    while time.monotonic() - started < seconds:
        try:
            got, _, took = request(port, "GET", path)
            slowest = max(slowest, took)
            if got == status:
                return time.monotonic() - started, slowest
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"{path} did not answer {status} within {seconds} s")


class Cluster:
    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
        if not bins:
            sys.exit("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.dir = tempfile.mkdtemp(prefix="liangxin-readiness-")
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            user = pwd.getpwnam("postgres")
            os.chown(self.dir, user.pw_uid, user.pw_gid)

    def run(self, *args):
        command = [f"{self.bin}/{args[0]}", *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)

    def init(self):
        self.run("initdb", "-D", f"{self.dir}/data", "-U", "postgres", "--auth=trust", "-E", "UTF8")

    def start(self):
        self.run("pg_ctl", "-D", f"{self.dir}/data", "-l", f"{self.dir}/log", "-w", "-o",
                 f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1", "start")

    def stop(self):
        self.run("pg_ctl", "-D", f"{self.dir}/data", "-m", "immediate", "-w", "stop")

    def remove(self):
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                         "release", "liangxin"))
    binary = parser.parse_args().binary
    cluster = Cluster()
    server = None
    try:
        cluster.init()
        cluster.start()
        port = free_port()
        env = dict(os.environ, DATABASE_URL=f"postgres://postgres@127.0.0.1:{cluster.port}/postgres",
                   LIANGXIN_BIND=f"127.0.0.1:{port}", LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD=PASSWORD,
                   LIANGXIN_LOG="warn", LIANGXIN_RATE_LIMIT_PER_MINUTE="1000000")
        server = subprocess.Popen([binary], env=env, stdout=subprocess.DEVNULL)
        wait_for(port, "/readyz", 200, 60)
        form = urllib.parse.urlencode({"grant_type": "password", "username": "admin", "password": PASSWORD})
        status, body, _ = request(port, "POST", "/api/v1/auth/token", form,
                                  {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 200, (status, body)
        headers = {"Authorization": f"Bearer {json.loads(body)['access_token']}",
                   "Content-Type": "application/json"}

        def write(n):
            instructor = json.dumps({"name": f"指导员{n}", "source_unit_type": "government_agency",
                                     "source_unit": "组织部", "region_code": "3501",
                                     "is_full_party_member": True})
            return request(port, "POST", "/api/v1/instructors", instructor, headers)

        assert write(1)[0] == 201

        cluster.stop()
        down, slowest = wait_for(port, "/readyz", 503, 15)
        status, _, _ = request(port, "GET", "/healthz")
        assert status == 200, f"/healthz answered {status} with the database down"
        status, body, took = write(2)
        assert status == 503, f"a write with the database down answered {status}: {body[:300]}"
        print(f"database stopped: /readyz 503 after {down:.1f} s (slowest answer {slowest:.1f} s); "
              f"/healthz 200; a write 503 in {took:.1f} s")
        assert slowest < 3, f"/readyz took {slowest:.1f} s to answer"

        cluster.start()
        up, _ = wait_for(port, "/readyz", 200, 30)
        status, body, _ = write(3)
        assert status == 201, f"a write after the database returned answered {status}: {body[:300]}"
        print(f"database started again: /readyz 200 after {up:.1f} s; writes work; the server was not restarted")
    finally:
        if server:
            server.terminate()
            server.wait()
        cluster.remove()


if __name__ == "__main__":
    main()
