#!/usr/bin/env python3
"""The regional activity report over many party organizations with many activities each.

Starts the release binary on a fresh SQLite file (and, with --postgres URL, on a fresh
PostgreSQL database), registers N branches through the API and one activity for each (8 client
threads; every tenth branch gets none, so the report has "decorative" ones to put first), copies
each branch's activity K-1 times in SQL (other months, fresh ids: 200,000 API writes would take a
quarter of an hour per database and measure the writes, not the report), then times `GET /reports/activity?region_code=35&period=2026` (median of 5) and the CSV export.

Build first: `cargo build --release`.

    python3 bench/activity_report.py --party-organizations 10000 --activities 20 [--postgres postgres://postgres@127.0.0.1:5432/postgres]
"""
import argparse
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from import_members import call, free_port, vm


def run(label, database_url, args):
    port = free_port()
    env = dict(os.environ, DATABASE_URL=database_url, LIANGXIN_BIND=f"127.0.0.1:{port}",
               LIANGXIN_BOOTSTRAP_ADMIN_PASSWORD="bench-password", LIANGXIN_LOG="warn",
               LIANGXIN_RATE_LIMIT_PER_MINUTE="100000000")
    server = subprocess.Popen([args.binary], env=env)
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

        def branch(n):
            return call(base, "/api/v1/party-organizations", token, {
                "name": f"基准支部{n}", "type": "branch", "region_code": "350102"})["id"]

        def activity(n_and_id):
            n, party = n_and_id
            if n % 10 == 0:
                return 0
            call(base, "/api/v1/activities", token, {
                "kind": "other", "party_organization_id": party, "title": "活动0",
                "starts_on": "2026-01-10", "employee_count": 10})
            return 1

        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            parties = list(pool.map(branch, range(args.party_organizations)))
            written = sum(pool.map(activity, enumerate(parties)))
        written += copy_activities(database_url, args.activities - 1)
        print(f"{label}: seeded {len(parties)} branches and {written} activities in "
              f"{time.monotonic() - started:.0f} s")

        times = []
        for _ in range(5):
            t = time.monotonic()
            report = call(base, "/api/v1/reports/activity?region_code=35&period=2026", token)
            times.append((time.monotonic() - t) * 1000)
        assert report["party_organizations"] == args.party_organizations, report["party_organizations"]
        t = time.monotonic()
        request = urllib.request.Request(base + "/api/v1/reports/activity/export?region_code=35&period=2026",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=3600) as response:
            rows = response.read().count(b"\n") - 1
        export_ms = (time.monotonic() - t) * 1000
        print(f"{label}: activity report over {args.party_organizations} branches "
              f"({report['decorative']} decorative): median {statistics.median(times):.0f} ms "
              f"(min {min(times):.0f}, max {max(times):.0f}); CSV of {rows} rows {export_ms:.0f} ms; "
              f"server peak RSS {vm(server.pid, 'VmHWM')} MB")
    finally:
        server.terminate()
        server.wait()


COLUMNS = ("kind, party_organization_id, place, organization_ids, participant_ids, employee_count, "
           "summary, attachments, meeting_id, created_at, updated_at, version, archived_at")


def copy_activities(database_url, copies):
    """Each activity copied `copies` times, in months 2..12 and again: returns the rows added."""
    if database_url.startswith("sqlite://"):
        import sqlite3
        db = sqlite3.connect(database_url.removeprefix("sqlite://").split("?")[0], timeout=60)
        added = 0
        with db:
            for n in range(1, copies + 1):
                day = f"2026-{1 + n % 12:02d}-10"
                added += db.execute(
                    f"INSERT INTO activities (id, title, starts_on, ends_on, {COLUMNS}) "
                    f"SELECT randomblob(16), '活动{n}', '{day}', '{day}', {COLUMNS} FROM activities "
                    "WHERE title = '活动0'").rowcount
        db.close()
        return added
    sql = "".join(
        f"INSERT INTO activities (id, title, starts_on, ends_on, {COLUMNS}) "
        f"SELECT gen_random_uuid(), '活动{n}', make_date(2026, {1 + n % 12}, 10), "
        f"make_date(2026, {1 + n % 12}, 10), {COLUMNS} FROM activities WHERE title = '活动0';"
        for n in range(1, copies + 1))
    subprocess.run(["psql", database_url, "-qc", sql], check=True)
    rows = subprocess.run(["psql", database_url, "-Atc", "SELECT count(*) FROM activities WHERE title <> '活动0'"],
                          check=True, capture_output=True, text=True).stdout
    return int(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--party-organizations", type=int, default=10_000)
    parser.add_argument("--activities", type=int, default=20)
    parser.add_argument("--postgres")
    parser.add_argument("--binary", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"),
                                                         "release", "liangxin"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        run("SQLite", f"sqlite://{workdir}/bench.db?mode=rwc", args)
    if args.postgres:
        name = f"liangxin_bench_{os.getpid()}"
        subprocess.run(["psql", args.postgres, "-qc", f'CREATE DATABASE "{name}"'], check=True)
        try:
            run("PostgreSQL", args.postgres.rsplit("/", 1)[0] + f"/{name}", args)
        finally:
            subprocess.run(["psql", args.postgres, "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                           check=True)


if __name__ == "__main__":
    main()
