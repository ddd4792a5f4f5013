#!/usr/bin/env python3
"""Check the hand-written X12 samples under ``samples/`` (standard library only).

    python tests/tools/check_samples.py          # every partner folder under samples/
    python tests/tools/check_samples.py -v       # also print the key facts of each file

Clean samples (``samples/<partner>/*.edi``) must show no fault at all. Each file in
``samples/<partner>/broken/`` must show exactly the one fault it is named for (``BROKEN`` below),
and nothing else. Exit status 0 when everything holds, 1 otherwise.

What is checked, per interchange / group / transaction set:

* ISA is exactly 106 characters (fixed field widths, terminator at offset 105), ISA09/ISA10 and
  GS04/GS05 are real dates and times, ISA12/ISA11/GS08 agree on 4010 vs 5010, ISA07/ISA08 is
  ``ZZ``/``GATEWAYBUYER`` and ISA06 is the partner's id; GS01 suits the sets in the group.
* SE01 = segments from ST to SE inclusive, SE02 = ST02, ST02 unique in its group, GE01 = number of
  ST in the group, GE02 = GS06, IEA01 = number of GS, IEA02 = ISA13.
* Mandatory elements and maximum lengths for the segments the samples use (a small table, not
  the whole dictionary), CCYYMMDD dates in BAK/BIG/BSN/DTM/ACK/PRF.
* 855: CTT01 = number of PO1, CTT02 = sum of PO102; ACK IA quantity = PO102, IQ quantity < PO102.
* 856: HL01 runs 1, 2, 3... and every HL02 names an earlier HL01; CTT01 = number of HL segments,
  CTT02 = sum of SN102.
* 810: CTT01 = number of IT1, CTT02 = sum of IT102, and
  TDS01 = round(sum(IT102 * IT104) * 100) - sum(SAC05 of SAC*A) + sum(SAC05 of SAC*C)
          + round(sum(TXI02) * 100)
  (TDS01 and SAC05 are N2, implied two decimals; IT104 and TXI02 are R, explicit decimals).
* 997/999: AK902 = number of AK2, AK904 = number of sets accepted (AK501/IK501 A or E).
* SSCC-18 in MAN*GM and GTINs in product ids (UP 12, EN 13, UK 14 digits) carry a valid GS1
  mod-10 check digit.
* Layout: the partner's delimiters (``~`` + LF, or for acme-fasteners a BOM, ``!`` + CRLF), and
  every .edi file is listed in its folder's README.md.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

OUR_QUALIFIER, OUR_ID = "ZZ", "GATEWAYBUYER"

PARTNERS = {
    # folder: (ISA06, BOM expected, segment terminator, line break after it)
    "demo-supplier": ("DEMOSUPPLIER", False, "~", "\n"),
    "acme-fasteners": ("ACMEFAST", True, "!", "\r\n"),
}

# file name -> (the one fault code expected, ST02 of the faulty set or None)
BROKEN = {
    "856-se-count-wrong.edi": ("se_count", "0001"),
    "855-st-se-control-mismatch.edi": ("st_se_control", "0001"),
    "810-missing-mandatory-big02.edi": ("missing_mandatory", "0001"),
    "856-hl-parent-missing.edi": ("hl_parent", "0001"),
    "855-ge-count-wrong.edi": ("ge_count", None),
    "856-iea-control-mismatch.edi": ("iea_control", None),
    "810-no-envelope.edi": ("no_envelope", None),
    "855-bad-isa-date.edi": ("isa_date", None),
    "856-two-sets-one-bad.edi": ("se_count", "0002"),
    "855-invalid-date.edi": ("invalid_date", "0001"),
    "810-element-too-long.edi": ("element_too_long", "0001"),
    "855-duplicate-st02.edi": ("duplicate_st02", "0001"),
}

FUNCTIONAL_GROUP = {"855": "PR", "856": "SH", "810": "IN", "997": "FA", "999": "FA", "850": "PO"}

ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)

MANDATORY = {
    "ST": (1, 2),
    "SE": (1, 2),
    "GS": (1, 2, 3, 4, 5, 6, 7, 8),
    "GE": (1, 2),
    "IEA": (1, 2),
    "BAK": (1, 2, 3, 4),
    "BIG": (1, 2),
    "BSN": (1, 2, 3, 4),
    "HL": (1, 3),
    "LIN": (2, 3),
    "SN1": (2, 3),
    "PRF": (1,),
    "MAN": (1, 2),
    "CTT": (1,),
    "TDS": (1,),
    "DTM": (1,),
    "N1": (1,),
    "N3": (1,),
    "REF": (1,),
    "CUR": (1, 2),
    "SAC": (1,),
    "TXI": (1,),
    "PID": (1,),
    "ACK": (1,),
    "MEA": (),
    "AK1": (1, 2),
    "AK2": (1, 2),
    "AK3": (1, 2),
    "AK4": (1, 3),
    "AK5": (1,),
    "AK9": (1, 2, 3, 4),
    "IK3": (1, 2, 4),
    "IK4": (1, 3),
    "IK5": (1,),
    "CTX": (1,),
}

# (tag, position) -> max length in 004010; MAX_LEN_5010 overrides for 005010.
MAX_LEN = {
    ("ST", 2): 9,
    ("SE", 2): 9,
    ("GS", 2): 15,
    ("GS", 3): 15,
    ("GS", 6): 9,
    ("GE", 2): 9,
    ("BIG", 2): 22,
    ("BIG", 4): 22,
    ("BAK", 3): 22,
    ("BAK", 8): 30,
    ("BSN", 2): 30,
    ("PRF", 1): 22,
    ("REF", 2): 30,
    ("N1", 2): 60,
    ("N1", 4): 80,
    ("N3", 1): 55,
    ("N3", 2): 55,
    ("N4", 1): 30,
    ("LIN", 3): 48,
    ("LIN", 5): 48,
    ("LIN", 7): 48,
    ("LIN", 9): 48,
    ("PO1", 7): 48,
    ("PO1", 9): 48,
    ("IT1", 7): 48,
    ("IT1", 9): 48,
    ("PID", 5): 80,
    ("TD5", 3): 80,
    ("TD5", 5): 35,
    ("MAN", 2): 48,
    ("CTT", 1): 6,
    ("SN1", 2): 10,
    ("PO1", 2): 15,
    ("IT1", 2): 10,
    ("TDS", 1): 15,
    ("SAC", 5): 15,
    ("ITD", 12): 80,
}
MAX_LEN_5010 = {("REF", 2): 50, ("BAK", 8): 50, ("N1", 4): 80}

DATE_ELEMENTS = {
    ("BAK", 4),
    ("BAK", 9),
    ("BIG", 1),
    ("BIG", 3),
    ("BSN", 3),
    ("DTM", 2),
    ("ACK", 5),
    ("PRF", 4),
}

GTIN_LENGTHS = {"UP": 12, "EN": 13, "UK": 14}

# BSN05 -> the order levels may nest in (a path from the shipment down is a subsequence of it).
# 0001 S,O,P,I (tare T sits above pack); 0002 S,O,I,P; 0003 S,P,O,I; 0004 S,O,I.
BSN05_LEVELS = {"0001": "SOTPI", "0002": "SOIP", "0003": "STPOI", "0004": "SOI"}


@dataclass
class Fault:
    code: str
    message: str
    st02: str | None = None

    def __str__(self) -> str:
        where = f" [set {self.st02}]" if self.st02 else ""
        return f"{self.code}{where}: {self.message}"


@dataclass
class Segment:
    tag: str
    els: list[str]  # els[0] is the tag, els[n] is element n

    def get(self, n: int) -> str:
        return self.els[n] if n < len(self.els) else ""


@dataclass
class Report:
    faults: list[Fault] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    def add(self, code: str, message: str, st02: str | None = None) -> None:
        self.faults.append(Fault(code, message, st02))


# ----------------------------------------------------------------------------------- helpers
def gs1_valid(digits: str) -> bool:
    """GS1 mod-10: weights 3,1,3... from the rightmost data digit; the last digit checks."""
    if not digits.isdigit() or len(digits) < 2:
        return False
    body, check = digits[:-1], int(digits[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def valid_date(value: str, fmt: str) -> bool:
    try:
        datetime.strptime(value, fmt)
    except ValueError:
        return False
    return value.isdigit()


def valid_time(value: str) -> bool:
    return (
        value.isdigit()
        and len(value) in (4, 6, 7, 8)
        and int(value[:2]) < 24
        and int(value[2:4]) < 60
        and (len(value) < 6 or int(value[4:6]) < 60)
    )


def dec(value: str) -> Decimal:
    try:
        return Decimal(value)
    except InvalidOperation:
        return Decimal(0)


def cents(value: Decimal) -> int:
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# ----------------------------------------------------------------------------------- reading
def read(path: Path, partner: str, report: Report) -> list[Segment]:
    raw = path.read_bytes()
    _, want_bom, want_term, want_nl = PARTNERS[partner]
    bom = raw.startswith(b"\xef\xbb\xbf")
    text = raw[3:].decode("utf-8") if bom else raw.decode("utf-8")
    if bom != want_bom:
        report.add("layout", f"BOM {'present' if bom else 'absent'}, expected the opposite")
    if text.startswith("ISA"):
        elem = text[3]
        # ISA16 is the one character after the 16th element separator; the terminator follows it.
        seps = [i for i, ch in enumerate(text[:512]) if ch == elem][:16]
        end = seps[-1] + 2 if len(seps) == 16 else 105
        term = text[end] if len(text) > end else ""
        parts = text[:end].split(elem)
        if end != 105 or tuple(len(p) for p in parts[1:]) != ISA_WIDTHS:
            report.add("isa_format", f"ISA is {end + 1} characters or not fixed-width, not 106")
    else:
        report.add("no_envelope", "no ISA: the file does not start with an interchange header")
        elem, term = "*", want_term
    if term != want_term:
        report.add("layout", f"segment terminator {term!r}, expected {want_term!r}")
    chunks = text.split(term)
    if chunks and chunks[-1].strip() == "":
        chunks.pop()
    segments: list[Segment] = []
    for i, chunk in enumerate(chunks):
        if i and not chunk.startswith(want_nl):
            report.add("layout", f"segment {i + 1} does not start on a new line ({want_nl!r})")
        body = chunk.strip("\r\n")
        els = body.split(elem)
        segments.append(Segment(els[0], els))
    if not text.endswith(term + want_nl):
        report.add("layout", "the file does not end with the terminator and a line break")
    return segments


# ----------------------------------------------------------------------------------- checks
def check_elements(seg: Segment, version: str, st02: str | None, report: Report) -> None:
    for n in MANDATORY.get(seg.tag, ()):
        if seg.get(n) == "":
            report.add("missing_mandatory", f"{seg.tag}{n:02d} is mandatory and empty", st02)
    for n in range(1, len(seg.els)):
        limit = (MAX_LEN_5010 if version.startswith("005") else {}).get(
            (seg.tag, n)
        ) or MAX_LEN.get((seg.tag, n))
        if limit and len(seg.get(n)) > limit:
            report.add(
                "element_too_long",
                f"{seg.tag}{n:02d} has {len(seg.get(n))} characters, max {limit}",
                st02,
            )
        if (seg.tag, n) in DATE_ELEMENTS and seg.get(n) and not valid_date(seg.get(n), "%Y%m%d"):
            report.add(
                "invalid_date", f"{seg.tag}{n:02d} {seg.get(n)!r} is not a CCYYMMDD date", st02
            )


def check_ids(seg: Segment, st02: str, report: Report, component: str = ">") -> None:
    if seg.tag == "CTX" and component not in seg.get(1) and seg.get(1) != "SITUATIONAL TRIGGER":
        report.add(
            "composite",
            f"CTX01 {seg.get(1)!r} lacks the component separator "
            f"{component!r} between context name and reference",
            st02,
        )
    if seg.tag == "MAN" and seg.get(1) == "GM":
        sscc = seg.get(2)
        if len(sscc) != 18 or not gs1_valid(sscc):
            report.add("sscc_check", f"MAN*GM {sscc!r} is not a valid SSCC-18", st02)
    if seg.tag in ("LIN", "PO1", "IT1"):
        first = 2 if seg.tag == "LIN" else 6
        for q in range(first, len(seg.els) - 1, 2):
            qual, value = seg.get(q), seg.get(q + 1)
            if qual in GTIN_LENGTHS and (len(value) != GTIN_LENGTHS[qual] or not gs1_valid(value)):
                report.add(
                    "gtin_check", f"{seg.tag} {qual} {value!r} has a bad GS1 check digit", st02
                )


def check_set(code: str, st02: str, body: list[Segment], report: Report) -> None:
    """Business-level totals for one set (body = ST..SE)."""

    def by(tag: str) -> list[Segment]:
        return [s for s in body if s.tag == tag]

    ctt = by("CTT")
    if code == "855":
        lines = by("PO1")
        qty = sum(dec(s.get(2)) for s in lines)
        if ctt and ctt[0].get(1) != str(len(lines)):
            report.add("ctt_count", f"CTT01 {ctt[0].get(1)} but {len(lines)} PO1", st02)
        if ctt and ctt[0].get(2) and dec(ctt[0].get(2)) != qty:
            report.add("ctt_hash", f"CTT02 {ctt[0].get(2)} but PO102 sum {qty}", st02)
        ordered = None
        for s in body:
            if s.tag == "PO1":
                ordered = dec(s.get(2))
            elif s.tag == "ACK" and ordered is not None:
                status, qty_ack = s.get(1), dec(s.get(2))
                if (status == "IA" and qty_ack != ordered) or (
                    status == "IQ" and qty_ack >= ordered
                ):
                    report.add("ack_qty", f"ACK {status} {qty_ack} against PO102 {ordered}", st02)
        report.facts.append(
            f"855 {st02}: BAK02 {by('BAK')[0].get(2) if by('BAK') else '?'} "
            f"PO {by('BAK')[0].get(3) if by('BAK') else '?'}, {len(lines)} lines, "
            f"ACK {[s.get(1) for s in by('ACK')]}"
        )
    elif code == "856":
        hls = by("HL")
        seen: set[str] = set()
        for i, hl in enumerate(hls, 1):
            if hl.get(1) != str(i):
                report.add("hl_sequence", f"HL01 {hl.get(1)!r} where {i} was expected", st02)
            parent = hl.get(2)
            if i == 1 and parent:
                report.add("hl_parent", f"first HL has parent {parent!r}", st02)
            if parent and parent not in seen:
                report.add(
                    "hl_parent",
                    f"HL {hl.get(1)} names parent {parent!r}, which is not an earlier HL",
                    st02,
                )
            seen.add(hl.get(1))
        shipped = sum(dec(s.get(2)) for s in by("SN1"))
        if ctt and ctt[0].get(1) != str(len(hls)):
            report.add("ctt_count", f"CTT01 {ctt[0].get(1)} but {len(hls)} HL segments", st02)
        if ctt and ctt[0].get(2) and dec(ctt[0].get(2)) != shipped:
            report.add("ctt_hash", f"CTT02 {ctt[0].get(2)} but SN102 sum {shipped}", st02)
        levels = "".join(h.get(3) for h in hls)
        bsn05 = by("BSN")[0].get(5) if by("BSN") else ""
        order = BSN05_LEVELS.get(bsn05)
        if order:
            level_of = {h.get(1): h.get(3) for h in hls}
            parent_of = {h.get(1): h.get(2) for h in hls}
            for h in hls:
                path: list[str] = []
                node = h.get(1)
                while node and node in level_of and len(path) <= len(hls):
                    path.append(level_of[node])
                    node = parent_of[node]
                idx = [order.find(x) for x in reversed(path)]
                if -1 in idx or idx != sorted(set(idx)):
                    report.add(
                        "bsn05_structure",
                        f"HL {h.get(1)} path {''.join(reversed(path))}"
                        f" does not fit BSN05 {bsn05} ({order})",
                        st02,
                    )
        ssccs = [s.get(2) for s in by("MAN") if s.get(1) == "GM"]
        report.facts.append(f"856 {st02}: levels {levels}, shipped {shipped}, SSCC {ssccs}")
    elif code == "810":
        lines = by("IT1")
        merch = sum((dec(s.get(2)) * dec(s.get(4)) for s in lines), Decimal(0))
        allowances = sum(int(s.get(5) or 0) for s in by("SAC") if s.get(1) == "A")
        charges = sum(int(s.get(5) or 0) for s in by("SAC") if s.get(1) == "C")
        tax = cents(sum((dec(s.get(2)) for s in by("TXI")), Decimal(0)))
        expected = cents(merch) - allowances + charges + tax
        tds = by("TDS")
        if not tds or tds[0].get(1) != str(expected):
            report.add(
                "tds_total",
                f"TDS01 {tds[0].get(1) if tds else None} but lines {cents(merch)}"
                f" - allowances {allowances} + charges {charges} + tax {tax} = {expected}",
                st02,
            )
        if ctt and ctt[0].get(1) != str(len(lines)):
            report.add("ctt_count", f"CTT01 {ctt[0].get(1)} but {len(lines)} IT1", st02)
        qty = sum(dec(s.get(2)) for s in lines)
        if ctt and ctt[0].get(2) and dec(ctt[0].get(2)) != qty:
            report.add("ctt_hash", f"CTT02 {ctt[0].get(2)} but IT102 sum {qty}", st02)
        report.facts.append(
            f"810 {st02}: invoice {by('BIG')[0].get(2) if by('BIG') else '?'}, "
            f"TDS01 {tds[0].get(1) if tds else None} (= {expected})"
        )
    elif code in ("997", "999"):
        ak2 = by("AK2")
        accepted = sum(1 for s in body if s.tag in ("AK5", "IK5") and s.get(1) in ("A", "E"))
        ak9 = by("AK9")
        if ak9 and (ak9[0].get(2) != str(len(ak2)) or ak9[0].get(4) != str(accepted)):
            report.add(
                "ack_counts", f"AK9 {ak9[0].els[1:]} but {len(ak2)} AK2, {accepted} accepted", st02
            )
        report.facts.append(f"{code} {st02}: AK9 {ak9[0].els[1:] if ak9 else None}")
    if code in ("855", "856", "810") and not ctt:
        report.add("ctt_count", "no CTT segment", st02)


def check_file(path: Path, partner: str) -> Report:
    report = Report()
    segs = read(path, partner, report)
    isa06 = PARTNERS[partner][0]
    isa: Segment | None = None
    gs: Segment | None = None
    st: Segment | None = None
    set_body: list[Segment] = []
    groups = 0
    sets_in_group = 0
    st02s: set[str] = set()
    version = ""
    component = ">"
    for seg in segs:
        if seg.tag == "ISA":
            isa, groups = seg, 0
            component = seg.get(16)[:1] or ">"
            if not valid_date(seg.get(9), "%y%m%d"):
                report.add("isa_date", f"ISA09 {seg.get(9)!r} is not a YYMMDD date")
            if not valid_time(seg.get(10)):
                report.add("isa_time", f"ISA10 {seg.get(10)!r} is not HHMM")
            if (seg.get(7), seg.get(8).strip()) != (OUR_QUALIFIER, OUR_ID):
                report.add("receiver", f"ISA07/08 {seg.get(7)}/{seg.get(8).strip()}")
            if seg.get(6).strip() != isa06:
                report.add("sender", f"ISA06 {seg.get(6).strip()!r}, expected {isa06!r}")
            if seg.get(12) == "00401" and seg.get(11) != "U":
                report.add("version", "ISA12 00401 needs ISA11 'U'")
            if seg.get(12) == "00501" and seg.get(11).isalnum():
                report.add("version", "ISA12 00501: ISA11 is the repetition separator")
            continue
        if seg.tag == "GS":
            gs, sets_in_group, st02s = seg, 0, set()
            groups += 1
            version = seg.get(8)
            check_elements(seg, version, None, report)
            if not valid_date(seg.get(4), "%Y%m%d") or not valid_time(seg.get(5)):
                report.add("gs_date", f"GS04/GS05 {seg.get(4)} {seg.get(5)}")
            if isa and version[:3] != {"00401": "004", "00501": "005"}.get(isa.get(12), "?"):
                report.add("version", f"ISA12 {isa.get(12)} but GS08 {version}")
            continue
        if seg.tag == "ST":
            if st is not None:
                report.add("unterminated_set", f"ST {seg.get(2)} starts before SE of {st.get(2)}")
            st, set_body = seg, [seg]
            sets_in_group += 1
            if seg.get(2) in st02s:
                report.add(
                    "duplicate_st02", f"ST02 {seg.get(2)} used twice in the group", seg.get(2)
                )
            st02s.add(seg.get(2))
            check_elements(seg, version, seg.get(2), report)
            if gs and FUNCTIONAL_GROUP.get(seg.get(1)) != gs.get(1):
                report.add(
                    "gs01_mismatch", f"ST01 {seg.get(1)} in GS01 {gs.get(1)} group", seg.get(2)
                )
            continue
        if st is None:
            if seg.tag == "GE":
                check_elements(seg, version, None, report)
                if gs is None:
                    report.add("envelope", "GE without GS")
                else:
                    if seg.get(1) != str(sets_in_group):
                        report.add("ge_count", f"GE01 {seg.get(1)} but {sets_in_group} sets")
                    if seg.get(2) != gs.get(6):
                        report.add("ge_control", f"GE02 {seg.get(2)} != GS06 {gs.get(6)}")
                gs = None
            elif seg.tag == "IEA":
                check_elements(seg, version, None, report)
                if isa is None:
                    report.add("envelope", "IEA without ISA")
                else:
                    if seg.get(1) != str(groups):
                        report.add("iea_count", f"IEA01 {seg.get(1)} but {groups} groups")
                    if seg.get(2) != isa.get(13):
                        report.add("iea_control", f"IEA02 {seg.get(2)} != ISA13 {isa.get(13)}")
                isa = None
            else:
                report.add("envelope", f"{seg.tag} outside a transaction set")
            continue
        set_body.append(seg)
        st02 = st.get(2)
        check_elements(seg, version or "004010", st02, report)
        check_ids(seg, st02, report, component)
        if seg.tag == "SE":
            if seg.get(1) != str(len(set_body)):
                report.add(
                    "se_count", f"SE01 {seg.get(1)} but {len(set_body)} segments ST..SE", st02
                )
            if seg.get(2) != st02:
                report.add("st_se_control", f"SE02 {seg.get(2)} != ST02 {st02}", st02)
            check_set(st.get(1), st02, set_body, report)
            st = None
    if st is not None:
        report.add("unterminated_set", f"set {st.get(2)} has no SE")
    if gs is not None:
        report.add("envelope", "GS without GE")
    if isa is not None:
        report.add("envelope", "ISA without IEA")
    return report


def listed_in_readme(folder: Path) -> list[str]:
    readme = folder / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    return [p.name for p in sorted(folder.glob("*.edi")) if f"`{p.name}`" not in text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-v", "--verbose", action="store_true", help="print each file's facts")
    parser.add_argument("root", nargs="?", type=Path, default=SAMPLES, help="samples directory")
    args = parser.parse_args(argv)
    failures = 0
    checked = 0
    for partner in sorted(PARTNERS):
        folder = args.root / partner
        if not folder.is_dir():
            continue
        for folder_ in (folder, folder / "broken"):
            for name in listed_in_readme(folder_) if folder_.is_dir() else []:
                print(f"FAIL {folder_.relative_to(args.root)}/README.md: {name} not listed")
                failures += 1
        for path in sorted(folder.glob("*.edi")):
            checked += 1
            report = check_file(path, partner)
            rel = path.relative_to(args.root)
            if report.faults:
                failures += 1
                print(f"FAIL {rel}")
                for fault in report.faults:
                    print(f"     {fault}")
            else:
                print(f"ok   {rel}")
            if args.verbose:
                for fact in report.facts:
                    print(f"       {fact}")
        for path in sorted((folder / "broken").glob("*.edi")):
            checked += 1
            rel = path.relative_to(args.root)
            expected = BROKEN.get(path.name)
            report = check_file(path, partner)
            found = sorted({(f.code, f.st02) for f in report.faults})
            if expected is None:
                failures += 1
                print(f"FAIL {rel}: not in BROKEN; found {found}")
                continue
            codes = {f.code for f in report.faults}
            in_set = {f.st02 for f in report.faults}
            if codes == {expected[0]} and (expected[1] is None or in_set == {expected[1]}):
                print(
                    f"ok   {rel}: exactly {expected[0]}"
                    + (f" in set {expected[1]}" if expected[1] else "")
                )
            else:
                failures += 1
                print(f"FAIL {rel}: expected only {expected}, found:")
                for fault in report.faults:
                    print(f"     {fault}")
        missing = sorted(set(BROKEN) - {p.name for p in (folder / "broken").glob("*.edi")})
        if partner == "demo-supplier" and missing:
            failures += 1
            print(f"FAIL {partner}/broken: missing {missing}")
    print(f"{checked} files checked, {failures} failure(s)")
    return 1 if failures or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
