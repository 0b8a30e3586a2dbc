#!/usr/bin/env python3
"""Import rate and peak memory of `POST /api/v1/imports/members`.

Starts the release binary on a fresh SQLite file (and, with --postgres URL, on a fresh
PostgreSQL database), imports N generated members in one request, and prints rows/s and the
server's peak RSS (VmHWM) before and after. Build first: `cargo build --release`.

    python3 bench/import_members.py --rows 100000 [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import datetime
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECK = "10X98765432"


def id_number(birth, seq):
    first17 = f"350102{birth:%Y%m%d}{seq:03d}"
    return first17 + CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def members_csv(rows, branch):
    lines = ["name,gender,birth_date,id_number,party_organization_id,stage,phone"]
    start = datetime.date(1950, 1, 1)
    for n in range(rows):
        birth = start + datetime.timedelta(days=n // 500)
        seq = n % 500 * 2 + 1  # odd: male
        lines.append(f"党员{n},male,{birth},{id_number(birth, seq)},{branch},full,13800135678")
    return ("\n".join(lines) + "\n").encode()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base, path, token=None, body=None, content_type="application/json", form=None):
    headers = {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if form is not None:
        data = "&".join(f"{k}={v}" for k, v in form.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    request = urllib.request.Request(base + path, data=data, headers=headers)
    with urllib.request.urlopen(request, timeout=3600) as response:
        return json.loads(response.read())


def vm(pid, key):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(key):
                return int(line.split()[1]) // 1024
    return 0


def run(label, database_url, rows, binary):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, LIANGXIN_BIND=f"127.0.0.1:{port}",
               LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD="bench-password", LIANGXIN_LOG="warn",
               LIANGXIN_RATE_LIMIT_PER_MINUTE="10000000")
    server = subprocess.Popen([binary], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        token = call(base, "/api/v1/auth/token", form={
            "grant_type": "password", "username": "admin", "password": "bench-password"})["access_token"]
        branch = call(base, "/api/v1/party-organizations", token, {
            "name": "基准支部", "type": "branch", "region_code": "350102"})["id"]
        body = members_csv(rows, branch)
        rss_before = vm(server.pid, "VmRSS")
        started = time.monotonic()
        report = call(base, "/api/v1/imports/members", token, body, "text/csv")
        elapsed = time.monotonic() - started
        assert report["written"] == rows, {k: report[k] for k in ("rows", "accepted", "rejected")}
        print(f"{label}: {rows} rows ({len(body) / 1e6:.1f} MB) in {elapsed:.1f} s = "
              f"{rows / elapsed:,.0f} rows/s; server RSS {rss_before} MB before, "
              f"peak {vm(server.pid, 'VmHWM')} MB")
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--postgres", help="an admin URL; a fresh database is made and dropped")
    parser.add_argument("--binary", default="target/release/liangxin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run("SQLite", f"sqlite://{directory}/bench.db?mode=rwc", args.rows, args.binary)
    if args.postgres:
        name = f"liangxin_bench_{uuid.uuid4().hex}"
        psql = ["psql", args.postgres, "-q", "-c"]
        subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True)
        try:
            run("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/" + name, args.rows, args.binary)
        finally:
            subprocess.run(psql + [f"DROP DATABASE {name}"], check=True)


if __name__ == "__main__":
    main()
