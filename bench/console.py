"""Console page times with 1,000,000 messages in PostgreSQL (target: every page under 200 ms).

Builds a database ``bench_console`` (kept between runs; ``--rebuild`` makes it again) with
``--messages`` messages over 60 days, five partners and the 855/856/810 mix: one transaction set,
one event and one delivery per message, 1% rejected sets, 0.2% failed messages, 0.1% dead
deliveries, an acknowledgement in the outbox per message. Rows are made by PostgreSQL itself
(``generate_series``), so building takes a minute or two, not hours.

Each page is then asked ``--runs`` times through the real app (a logged-in console session over
the ASGI test client: routing, the session and CSRF checks, the query, the template) and its median
and worst times are printed, with the ratio to ``GET /ops/messages?limit=50`` (the operator API's
list, JSON, no template) measured in the same run as the named alternative.

    .venv/bin/python bench/console.py [--messages 1000000] [--runs 7] [--rebuild]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PG = os.environ.get("GATEWAY_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
DB = "bench_console"
PARTNERS = ("demo-supplier", "acme-fasteners", "bench-a", "bench-b", "bench-c")
TARGET_MS = 200.0


def url_of(name: str) -> str:
    return PG.rsplit("/", 1)[0] + "/" + name


def build(messages: int, rebuild: bool) -> str:
    from gateway.store.migrate import upgrade

    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        exists = c.execute(text("select 1 from pg_database where datname = :d"), {"d": DB}).first()
        if exists and rebuild:
            c.execute(text(f"drop database {DB}"))
            exists = None
        if not exists:
            c.execute(text(f"create database {DB}"))
    admin.dispose()
    url = url_of(DB)
    upgrade(url)
    engine = create_engine(url)
    with engine.begin() as c:
        have = c.execute(text("select count(*) from inbound_messages")).scalar_one()
        if have >= messages:
            print(f"database {DB}: {have:,} messages already (--rebuild to make it again)")
            return url
    started = time.perf_counter()
    with engine.begin() as c:
        for i, p in enumerate(PARTNERS):
            c.execute(
                text(
                    "insert into partners (id, name, status, isa_qualifier, isa_id, updated_at) "
                    "values (:id, :id, 'live', 'ZZ', :isa, now()) on conflict do nothing"
                ),
                {"id": p, "isa": f"BENCH{i}"},
            )
        params = {"n": messages, "partners": list(PARTNERS)}
        c.execute(text(SQL_MESSAGES), params)
        c.execute(text(SQL_TRANSACTIONS))
        c.execute(text(SQL_EVENTS))
        c.execute(text(SQL_DELIVERIES))
        c.execute(text(SQL_OUTBOX))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
        c.execute(text("vacuum analyze"))
    engine.dispose()
    print(f"built {messages:,} messages in {time.perf_counter() - started:.0f} s")
    return url


SQL_MESSAGES = """
insert into inbound_messages (id, partner_id, transport, content_type, content_sha256, size, raw,
    meta, received_at, status, error, attempts, recoveries)
select 'msg_' || lpad(to_hex(g), 24, '0'),
       (cast(:partners as text[]))[1 + g % 5],
       'http', 'application/edi-x12', md5(g::text) || md5(g::text), 300,
       convert_to('ISA*00*          *00*          *ZZ*BENCH            *ZZ*GATEWAYBUYER   *261117*0920*U*00401*' || lpad(g::text, 9, '0') || '*0*P*>~ST*856*0001~BSN*00*SHP' || g || '~SE*3*0001~IEA*1*' || lpad(g::text, 9, '0') || '~', 'LATIN1'),
       '{}'::json,
       now() - (g * interval '60 days' / cast(:n as int)),
       case when g % 500 = 0 then 'failed' else 'processed' end,
       case when g % 500 = 0 then 'ERP mapping failed: unknown plant code ' || (g % 7) end,
       1, 0
from generate_series(1, cast(:n as int)) g
"""
SQL_TRANSACTIONS = """
insert into transactions (message_id, interchange_control_number, group_control_number, ordinal,
    code, control_number, status, business_key, group_key, control_key, event_id, validation)
select m.id, lpad(g::text, 9, '0'), g::text, 1,
       (array['855','856','810'])[1 + g % 3], '0001',
       case when g % 100 = 0 then 'R' else 'A' end,
       'k' || g, '', '', case when g % 100 = 0 then null else 'evt_' || lpad(to_hex(g), 32, '0') end,
       case when g % 100 = 0 then '{"segment_errors": [{"tag": "HL", "position": 30, "message": "HL at position 30 has data element errors", "elements": [{"message": "HL02 names no earlier HL"}]}]}'::json else '{}'::json end
from generate_series(1, (select count(*) from inbound_messages)) g
join inbound_messages m on m.id = 'msg_' || lpad(to_hex(g), 24, '0')
"""
SQL_EVENTS = """
insert into events (id, message_id, partner_id, type, document_number, payload, created_at,
    updated_at, revision, test)
select t.event_id, t.message_id, m.partner_id,
       case t.code when '855' then 'po_acknowledgment' when '856' then 'ship_notice' else 'invoice' end,
       'DOC' || substr(t.event_id, 5), '{"document": {}}'::json, m.received_at, m.received_at, 1, false
from transactions t join inbound_messages m on m.id = t.message_id
where t.event_id is not null
"""
SQL_DELIVERIES = """
insert into deliveries (event_id, connector, status, attempts, last_error, created_at, updated_at)
select e.id, 'webhook', case when abs(hashtext(e.id)) % 1000 = 0 then 'dead' else 'delivered' end,
       1, case when abs(hashtext(e.id)) % 1000 = 0 then 'ERP answered 422: unknown item ' || (abs(hashtext(e.id)) % 13) end,
       e.created_at, e.created_at
from events e
"""
SQL_OUTBOX = """
insert into outbox (id, partner_id, kind, transport, content_type, payload, message_id, status,
    attempts, created_at, updated_at)
select 'out_' || substr(m.id, 5), m.partner_id, '997', 'http', 'application/edi-x12',
       convert_to('ISA~', 'LATIN1'), m.id, 'acknowledged', 1, m.received_at, m.received_at
from inbound_messages m
"""


def measure(url: str, runs: int) -> None:
    from fastapi.testclient import TestClient

    from gateway.runtime import Runtime
    from gateway.settings import Settings
    from gateway.staff.accounts import StaffAccounts
    from gateway_app.webapp import create_app

    home = Path(tempfile.mkdtemp())
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=url, data_dir=home, erp_connector="memory", admin_token="bench"
    )
    runtime = Runtime.from_settings(settings)
    accounts = StaffAccounts(runtime.db)
    if accounts.member("bench") is None:
        accounts.add("bench", "admin", "bench password 1", actor="bench")
    app = create_app(runtime, lambda _id: None, lambda _ids: None)
    with TestClient(app, base_url="http://127.0.0.1") as client:
        form = client.get("/console/login").text
        token = re.search(r'name="login_token" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        client.post(
            "/console/login",
            data={"username": "bench", "password": "bench password 1", "login_token": token},
        )
        with runtime.db.sessions() as session:
            middle = session.execute(
                text(
                    "select m.id, t.id, e.document_number from inbound_messages m "
                    "join transactions t on t.message_id = m.id join events e on e.id = t.event_id "
                    "order by m.received_at desc offset 5000 limit 1"
                )
            ).one()
        message, transaction, number = middle
        pages = {
            "dashboard": "/console/",
            "tracker": "/console/messages",
            "tracker ?partner": "/console/messages?partner=bench-b",
            "tracker ?type=810": "/console/messages?type=810",
            "tracker ?status=failed": "/console/messages?status=failed",
            "tracker ?control": "/console/messages?control=000500000",
            "tracker ?number": f"/console/messages?number={number}",
            "tracker ?since/until": "/console/messages?since=2000-01-01&until=2000-01-31",
            "message page": f"/console/messages/{message}",
            "replay preview": f"/console/transactions/{transaction}/replay",
            "exceptions": "/console/exceptions",
            "partners": "/console/partners",
            "partner page": "/console/partners/demo-supplier",
            "audit log": "/console/audit",
        }
        baseline = _time(client, "/ops/messages?limit=50", runs, {"Authorization": "Bearer bench"})
        print(f"\n{'page':<24} {'median ms':>10} {'worst ms':>9} {'x /ops list':>12}  under {TARGET_MS:.0f} ms")
        print(f"{'GET /ops/messages (alt)':<24} {baseline[0]:>10.1f} {baseline[1]:>9.1f} {1:>12.2f}")
        slow = 0
        for name, path in pages.items():
            median, worst = _time(client, path, runs)
            ok = median < TARGET_MS
            slow += not ok
            print(f"{name:<24} {median:>10.1f} {worst:>9.1f} {median / baseline[0]:>12.2f}  {'yes' if ok else 'NO'}")
    from gateway.queries.tracker import dashboard

    took = []
    for _ in range(3):
        started = time.perf_counter()
        dashboard(runtime.db)
        took.append((time.perf_counter() - started) * 1000)
    print(
        f"{'(dashboard snapshot)':<24} {statistics.median(took):>10.1f} {max(took):>9.1f} "
        f"{statistics.median(took) / baseline[0]:>12.2f}  taken in the background, "
        "at most GATEWAY_CONSOLE_DASHBOARD_S old"
    )
    runtime.close()
    print(f"\n{len(pages) - slow} of {len(pages)} pages answer under {TARGET_MS:.0f} ms (median of {runs})")


def _time(client: object, path: str, runs: int, headers: dict[str, str] | None = None) -> tuple[float, float]:
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        answer = client.get(path, headers=headers or {})  # type: ignore[attr-defined]
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    times = times[1:]  # the first warms the caches
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url = build(args.messages, args.rebuild)
    measure(url, args.runs)


if __name__ == "__main__":
    main()
