#!/usr/bin/env python3
"""Server memory under abuse that needs no special rights (issue: hardening).

Starts the release binary on a fresh SQLite file (and, with --postgres URL, on a fresh
PostgreSQL database) and prints its RSS (VmRSS) and peak (VmHWM) around:
  1. --logins concurrent wrong-password logins (argon2: 19 MiB per check; checks are bounded);
  2. a junk CSV import of --import-mib MiB as a dry run (every row rejected; the report is
     bounded), streamed from a generator so the client holds little.
Build first: `cargo build --release`.

    python3 bench/abuse.py --logins 200 --import-mib 256 [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
import uuid


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm(pid, key):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) // 1024
    return 0


def login(base, username, password):
    data = f"grant_type=password&username={username}&password={password}".encode()
    request = urllib.request.Request(base + "/api/v1/auth/token", data=data, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as e:
        return e.code, None


def junk_import(port, token, mib):
    """POSTs `mib` MiB of junk rows with chunked encoding; returns (status, report)."""
    header = b"name,gender,birth_date,id_number,party_organization_id,stage,is_mobile\n"
    row = b"junk,?,?,?,?,?,?\n" * 4096
    total = mib * 1024 * 1024
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=3600)
    connection.putrequest("POST", "/api/v1/imports/members?dry_run=true&mode=valid_rows")
    connection.putheader("Authorization", f"Bearer {token}")
    connection.putheader("Content-Type", "text/csv")
    connection.putheader("Content-Length", str(len(header) + total // len(row) * len(row)))
    connection.endheaders()
    connection.send(header)
    for _ in range(total // len(row)):
        connection.send(row)
    response = connection.getresponse()
    return response.status, json.loads(response.read())


def run(label, database_url, args):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, LIANGXIN_BIND=f"127.0.0.1:{port}",
               LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD="bench-password", LIANGXIN_LOG="warn",
               LIANGXIN_RATE_LIMIT_PER_MINUTE="10000000",
               LIANGXIN_LOGIN_MAX_FAILURES="1000000", LIANGXIN_PASSWORD_CHECK_WAIT_MS="600000")
    server = subprocess.Popen([args.binary], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        _, body = login(base, "admin", "bench-password")
        token = body["access_token"]
        print(f"{label}: idle RSS {vm(server.pid, 'VmRSS')} MB")
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(args.logins) as pool:
            statuses = list(pool.map(lambda n: login(base, f"user{n}", "wrong")[0], range(args.logins)))
        print(f"{label}: {args.logins} concurrent wrong logins in {time.monotonic() - started:.1f} s "
              f"(statuses {sorted(set(statuses))}); RSS now {vm(server.pid, 'VmRSS')} MB, "
              f"peak {vm(server.pid, 'VmHWM')} MB")
        started = time.monotonic()
        status, report = junk_import(port, token, args.import_mib)
        print(f"{label}: {args.import_mib} MiB junk import (dry run) answered {status} in "
              f"{time.monotonic() - started:.1f} s: {report['rows']} rows, "
              f"{len(json.dumps(report)) / 1e6:.2f} MB report; RSS now {vm(server.pid, 'VmRSS')} MB, "
              f"peak {vm(server.pid, 'VmHWM')} MB")
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--import-mib", type=int, default=256)
    parser.add_argument("--postgres", help="an admin URL; a fresh database is made and dropped")
    parser.add_argument("--binary", default="target/release/liangxin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run("SQLite", f"sqlite://{directory}/bench.db?mode=rwc", args)
    if args.postgres:
        name = f"liangxin_bench_{uuid.uuid4().hex}"
        psql = ["psql", args.postgres, "-q", "-c"]
        subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True)
        try:
            run("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/" + name, args)
        finally:
            subprocess.run(psql + [f"DROP DATABASE {name}"], check=True)


if __name__ == "__main__":
    main()
