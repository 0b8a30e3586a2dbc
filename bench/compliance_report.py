#!/usr/bin/env python3
"""Time of `GET /api/v1/reports/compliance` over N party organizations.

Starts the release binary on a fresh SQLite file (and, with --postgres URL, on a fresh
PostgreSQL database), creates N party organizations through the API, each with `--meetings`
held meetings spread over 2026 (general meetings, committee meetings, lectures and theme party
days in turn), then times the yearly region report (median and worst of 5 runs).
Build first: `cargo build --release`.

    python3 bench/compliance_report.py --organizations 10000 --meetings 4 [--postgres URL]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

from import_members import call, free_port, vm

KINDS = ["general_meeting", "committee_meeting", "party_lecture", "theme_party_day"]


def load_one(base, token, n, meetings):
    party = call(base, "/api/v1/party-organizations", token, {
        "name": f"支部{n}", "type": "branch", "region_code": "350102"})["id"]
    for k in range(meetings):
        month = 1 + (k * 12 // max(meetings, 1)) % 12
        day = f"2026-{month:02d}-{10 + n % 15:02d}"
        meeting = call(base, "/api/v1/meetings", token, {
            "party_organization_id": party, "kind": KINDS[k % len(KINDS)], "title": "会议",
            "starts_at": f"{day}T19:00:00+08:00", "ends_at": f"{day}T21:00:00+08:00"})["id"]
        call(base, f"/api/v1/meetings/{meeting}/hold", token, {
            "minutes": "纪要", "attendance": [], "lecturer": "书记", "topic": "党章", "theme": "主题"})


def run(label, database_url, count, meetings, binary):
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
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=4) as pool:
            list(pool.map(lambda n: load_one(base, token, n, meetings), range(count)))
        loaded = time.monotonic() - started
        seconds = []
        for _ in range(5):
            t = time.monotonic()
            report = call(base, "/api/v1/reports/compliance?period=2026&region_code=3501", token)
            seconds.append(time.monotonic() - t)
        print(f"{label}: {report['party_organizations']} party organizations, {count * meetings} held meetings "
              f"(loaded in {loaded:.0f} s); yearly compliance report median {statistics.median(seconds) * 1000:.0f} ms "
              f"(worst {max(seconds) * 1000:.0f} ms), region rate {report['compliance_rate']}; "
              f"server peak RSS {vm(server.pid, 'VmHWM')} MB")
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--organizations", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=4)
    parser.add_argument("--postgres", help="an admin URL; a fresh database is made and dropped")
    parser.add_argument("--binary", default="target/release/liangxin")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        run("SQLite", f"sqlite://{directory}/bench.db?mode=rwc", args.organizations, args.meetings, args.binary)
    if args.postgres:
        name = f"liangxin_bench_{uuid.uuid4().hex}"
        psql = ["psql", args.postgres, "-q", "-c"]
        subprocess.run(psql + [f"CREATE DATABASE {name}"], check=True)
        try:
            run("PostgreSQL", args.postgres.rsplit("/", 1)[0] + "/" + name, args.organizations,
                args.meetings, args.binary)
        finally:
            subprocess.run(psql + [f"DROP DATABASE {name}"], check=True)


if __name__ == "__main__":
    main()
