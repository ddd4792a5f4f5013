"""Deterministic generator of large multi-transaction X12 856 (ASN) files, version 004010.

One interchange (ISA/GS ... GE/IEA) holding as many ST..SE ship notices as it takes to reach the
requested size. Each notice is a realistic Shipment/Order/Pack/Item (S-O-P-I, BSN05 ``0001``)
hierarchy: TD1, TD5, REF, DTM and N1/N3/N4 parties at shipment level, PRF per order, MAN*GM SSCC-18
per carton, LIN (UP/VP/BP), SN1, PO4 and PID per item, CTT with the HL count and the SN102 hash
total. SE counts, HL numbering/parents, GE and IEA counts are all correct. Segments end with
``~`` plus a newline. The same ``(target_bytes, seed)`` always gives the same bytes.

Usage: ``python bench/gen856.py OUT --mb N [--seed S]``
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

GENERATOR_VERSION = 1
TERM = "~\n"
SENDER = "SUPPLIER01"
RECEIVER = "BUYER01"
STREETS = ("INDUSTRIAL PKWY", "COMMERCE DR", "LOGISTICS BLVD", "HARBOR RD", "MAIN ST", "RIVER AVE")
CITIES = (
    ("COLUMBUS", "OH", "43215"),
    ("RENO", "NV", "89502"),
    ("ATLANTA", "GA", "30336"),
    ("DALLAS", "TX", "75261"),
    ("JOLIET", "IL", "60431"),
    ("ALLENTOWN", "PA", "18106"),
)
CARRIERS = (
    ("UPSN", "UPS GROUND"),
    ("FDEG", "FEDEX GROUND"),
    ("ODFL", "OLD DOMINION"),
    ("RDWY", "YRC FREIGHT"),
    ("CNWY", "XPO LOGISTICS"),
)
PRODUCTS = (
    "WIDGET",
    "BRACKET",
    "FASTENER KIT",
    "HOSE ASSY",
    "VALVE",
    "GASKET",
    "SENSOR",
    "BEARING",
    "FILTER",
    "HARNESS",
)
UOMS = ("EA", "CA", "BX", "PK")


@dataclass(slots=True)
class Stats:
    """What was written: sizes and counts a benchmark can check parsers against."""

    bytes: int = 0
    segments: int = 0
    transactions: int = 0
    hl: int = 0
    items: int = 0


def gs1_check_digit(digits: str) -> str:
    """GS1 mod-10 check digit (UPC-A, SSCC-18, GTIN)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _upc(rng: random.Random) -> str:
    body = "0" + "".join(rng.choice("0123456789") for _ in range(10))
    return body + gs1_check_digit(body)


def _sscc(serial: int) -> str:
    body = "0" + "0614141" + f"{serial:09d}"
    return "00" + body + gs1_check_digit(body)


def _hhmm(rng: random.Random) -> str:
    return f"{rng.randint(6, 19):02d}{rng.randint(0, 59):02d}"


def _isa(control: int, day: date) -> str:
    return (
        f"ISA*00*{'':10}*00*{'':10}*ZZ*{SENDER:<15}*ZZ*{RECEIVER:<15}*"
        f"{day:%y%m%d}*1430*U*00401*{control:09d}*0*P*>"
    )


def _item(rng: random.Random, hl: int, parent: int, po_line: int) -> tuple[list[str], int]:
    qty = rng.randint(1, 48)
    uom = rng.choice(UOMS)
    product = rng.choice(PRODUCTS)
    segs = [
        f"HL*{hl}*{parent}*I",
        f"LIN*{po_line}*UP*{_upc(rng)}*VP*V{rng.randint(10000, 99999)}-{rng.randint(1, 99):02d}"
        f"*BP*B{rng.randint(100000, 999999)}",
        f"SN1*{po_line}*{qty}*{uom}",
        f"PO4*{rng.choice((1, 6, 12, 24))}*{rng.randint(1, 20)}*{uom}",
        f"PID*F****{product} {rng.randint(100, 999)}",
    ]
    return segs, qty


def _party(rng: random.Random, code: str, name: str, ident: str) -> list[str]:
    city, state, zipcode = rng.choice(CITIES)
    return [
        f"N1*{code}*{name}*92*{ident}",
        f"N3*{rng.randint(100, 9999)} {rng.choice(STREETS)}",
        f"N4*{city}*{state}*{zipcode}*US",
    ]


def _shipment_level(rng: random.Random, number: int, day: date, cartons: int) -> list[str]:
    scac, carrier = rng.choice(CARRIERS)
    weight = cartons * rng.randint(40, 400) / 10
    store = rng.randint(1, 999)
    return [
        "HL*1**S",
        f"TD1*CTN25*{cartons}****G*{weight:.1f}*LB",
        f"TD5*B*2*{scac}*M*{carrier}",
        f"REF*BM*BOL{number:09d}",
        f"REF*CN*PRO{rng.randint(10**8, 10**9 - 1)}",
        f"DTM*067*{day + timedelta(days=rng.randint(1, 5)):%Y%m%d}",
        *_party(rng, "ST", f"BUYER DC {store:03d}", f"{store:04d}"),
        *_party(rng, "SF", "SUPPLIER INC", SENDER),
    ]


def _orders(rng: random.Random, number: int, day: date, sscc: list[int]) -> tuple[list[str], int]:
    """Order/pack/item levels; returns segments and the SN102 hash total."""
    segs: list[str] = []
    hl, hash_total = 1, 0
    for order in range(rng.randint(1, 3)):
        hl += 1
        order_hl = hl
        po_date = day - timedelta(days=rng.randint(3, 30))
        segs += [f"HL*{hl}*1*O", f"PRF*PO{number:07d}{order}***{po_date:%Y%m%d}"]
        line = 0
        for _pack in range(rng.randint(1, 4)):
            hl += 1
            pack_hl = hl
            sscc[0] += 1
            segs += [f"HL*{hl}*{order_hl}*P", f"MAN*GM*{_sscc(sscc[0])}"]
            for _ in range(rng.randint(1, 5)):
                hl += 1
                line += 1
                item, qty = _item(rng, hl, pack_hl, line)
                segs += item
                hash_total += qty
    return segs, hash_total


def build_transaction(rng: random.Random, number: int, day: date, sscc: list[int]) -> list[str]:
    """One complete ST..SE 856 as a list of segments (without terminators)."""
    control = f"{number:04d}"
    body, hash_total = _orders(rng, number, day, sscc)
    cartons = sum(1 for seg in body if seg.startswith("MAN*"))
    segs = [
        f"ST*856*{control}",
        f"BSN*00*SH{number:08d}*{day:%Y%m%d}*{_hhmm(rng)}*0001",
        f"DTM*011*{day:%Y%m%d}*{_hhmm(rng)}",
        *_shipment_level(rng, number, day, cartons),
        *body,
    ]
    hl_count = sum(1 for seg in segs if seg.startswith("HL*"))
    segs.append(f"CTT*{hl_count}*{hash_total}")
    segs.append(f"SE*{len(segs) + 1}*{control}")
    return segs


def _write(out: list[str], stats: Stats, segs: list[str]) -> None:
    text = TERM.join(segs) + TERM
    out.append(text)
    stats.bytes += len(text)
    stats.segments += len(segs)


def generate_856(path: str | Path, target_bytes: int, seed: int = 856) -> Stats:
    """Write an X12 856 file of at least ``target_bytes`` (ASCII) to ``path``; return its stats."""
    rng = random.Random(seed)
    day = date(2024, 1, 2) + timedelta(days=seed % 300)
    stats, sscc, chunks = Stats(), [rng.randint(0, 10**6)], list[str]()
    _write(
        chunks,
        stats,
        [
            _isa(seed % 10**9 or 1, day),
            f"GS*SH*{SENDER}*{RECEIVER}*{day:%Y%m%d}*1430*{seed % 10**9 or 1}*X*004010",
        ],
    )
    trailer_room = 64
    with Path(path).open("w", encoding="ascii", newline="") as fh:
        while stats.bytes + trailer_room < target_bytes:
            stats.transactions += 1
            segs = build_transaction(rng, stats.transactions, day, sscc)
            stats.hl += sum(1 for seg in segs if seg.startswith("HL*"))
            stats.items += sum(1 for seg in segs if seg.startswith("LIN*"))
            _write(chunks, stats, segs)
            if len(chunks) >= 256:
                fh.write("".join(chunks))
                chunks.clear()
        _write(
            chunks,
            stats,
            [f"GE*{stats.transactions}*{seed % 10**9 or 1}", f"IEA*1*{seed % 10**9 or 1:09d}"],
        )
        fh.write("".join(chunks))
    return stats


def cached_856(workdir: Path, mb: float, seed: int = 856) -> tuple[Path, Stats]:
    """Generate (once) and return the ``mb``-megabyte file for ``seed`` plus its stats."""
    workdir.mkdir(parents=True, exist_ok=True)
    stem = f"x12-856-{mb:g}mb-seed{seed}-v{GENERATOR_VERSION}"
    path, meta = workdir / f"{stem}.edi", workdir / f"{stem}.json"
    if path.exists() and meta.exists():
        return path, Stats(**json.loads(meta.read_text()))
    stats = generate_856(path, int(mb * 1_000_000), seed=seed)
    meta.write_text(json.dumps({k: getattr(stats, k) for k in Stats.__slots__}))
    return path, stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="file to write")
    parser.add_argument("--mb", type=float, default=20.0, help="target size in MB (10^6 bytes)")
    parser.add_argument("--seed", type=int, default=856)
    args = parser.parse_args(argv)
    stats = generate_856(args.out, int(args.mb * 1_000_000), seed=args.seed)
    print(json.dumps({"path": str(args.out), **{k: getattr(stats, k) for k in Stats.__slots__}}))


if __name__ == "__main__":
    main()
