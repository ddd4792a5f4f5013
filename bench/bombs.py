"""Hostile X12 generators: repetition bombs of a chosen size, for ``tests/hostile`` and
``bench/hostile.py``.

Each writes one interchange (ISA/GS ... GE/IEA, demo-supplier to the gateway, test usage) whose
envelope is right and whose content repeats one thing until the file reaches the target size:

``undefined``   ``ST*856*0001~`` then ``N9~`` over and over (issue 17's reproduction), in a set
                with a correct SE
``elements``    an 856 whose REF segments carry 5,000 elements each
``components``  an 856 whose REF04 composites carry 5,000 components each
``repeats``     a 5010 856 (ISA11 ``^``) whose REF02 repeats 5,000 times per segment
``tiny_sets``   a million tiny transaction sets (``ST*856*0001~SE*2*0001~``...) in one group
``deep_hl``     one 856 whose HL levels each nest under the one before, as deep as the size allows

Writing streams (one block at a time), so a 20 MB bomb costs the generator no memory.

Usage: ``python bench/bombs.py KIND OUT --mb N``
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

KINDS = ("undefined", "elements", "components", "repeats", "tiny_sets", "deep_hl")
WIDE = 5_000
"""Elements, components or repetitions in one bomb segment."""
_BLOCK = 1 << 16


def _isa(version: str, repetition: str) -> bytes:
    return (
        f"ISA*00*          *00*          *ZZ*DEMOSUPPLIER   *ZZ*GATEWAYBUYER   *261117*0920*"
        f"{repetition}*{version}*000777001*0*T*>~\n"
    ).encode()


def _gs(version: str) -> bytes:
    return f"GS*SH*DEMOSUPPLIER*GATEWAYBUYER*20261117*0920*777001*X*{version}~\n".encode()


_HEAD_856 = b"BSN*00*HOSTILE-1*20261117*0920*0001~\nHL*1**S~\n"


def _fill(out: BinaryIO, unit: bytes, room: int) -> int:
    """Write ``unit`` as many times as fits in ``room`` bytes; returns how many."""
    count = max(0, room // len(unit))
    block = unit * max(1, _BLOCK // len(unit))
    per_block = len(block) // len(unit)
    left = count
    while left >= per_block:
        out.write(block)
        left -= per_block
    out.write(unit * left)
    return count


def _one_set(
    out: BinaryIO, target: int, unit: bytes, *, version: str = "004010", repetition: str = "U"
) -> None:
    """One interchange holding one 856: its head, ``unit`` repeated, CTT, SE."""
    isa12 = "00501" if version >= "005" else "00401"
    head = _isa(isa12, repetition) + _gs(version) + b"ST*856*0001~\n" + _HEAD_856
    tail_room = 80
    out.write(head)
    count = _fill(out, unit, target - len(head) - tail_room)
    segments = 1 + 2 + count * unit.count(b"~") + 2  # ST, BSN, HL, the bombs, CTT, SE
    out.write(f"CTT*1~\nSE*{segments}*0001~\nGE*1*777001~\nIEA*1*000777001~\n".encode())


def undefined(out: BinaryIO, target: int) -> None:
    head = _isa("00401", "U") + _gs("004010") + b"ST*856*0001~"
    out.write(head)
    count = _fill(out, b"N9~", target - len(head) - 60)
    out.write(f"SE*{count + 2}*0001~GE*1*777001~IEA*1*000777001~".encode())


def elements(out: BinaryIO, target: int) -> None:
    _one_set(out, target, b"REF*BM*1" + b"*X" * WIDE + b"~\n")


def components(out: BinaryIO, target: int) -> None:
    _one_set(out, target, b"REF*BM*1**BM" + b">X" * WIDE + b"~\n")


def repeats(out: BinaryIO, target: int) -> None:
    _one_set(out, target, b"REF*BM*" + b"A^" * WIDE + b"A~\n", version="005010", repetition="^")


def tiny_sets(out: BinaryIO, target: int) -> None:
    head = _isa("00401", "U") + _gs("004010")
    out.write(head)
    room = target - len(head) - 60
    count = 0
    while True:
        control = f"{count % 10_000 + 1:04d}{count // 10_000:05d}"  # 9 digits, unique
        unit = f"ST*856*{control}~SE*2*{control}~".encode()
        if room < len(unit):
            break
        out.write(unit)
        room -= len(unit)
        count += 1
    out.write(f"GE*{count}*777001~IEA*1*000777001~".encode())


def deep_hl(out: BinaryIO, target: int) -> None:
    head = _isa("00401", "U") + _gs("004010") + b"ST*856*0001~\n"
    head += b"BSN*00*HOSTILE-1*20261117*0920*0001~\nHL*1**S~\n"
    out.write(head)
    room, level = target - len(head) - 80, 1

    def levels() -> Iterator[bytes]:
        nonlocal level
        while True:
            level += 1
            yield f"HL*{level}*{level - 1}*I~\n".encode()

    written = 0
    for unit in levels():
        if written + len(unit) > room:
            level -= 1
            break
        out.write(unit)
        written += len(unit)
    out.write(f"CTT*{level}~\nSE*{level + 4}*0001~\nGE*1*777001~\nIEA*1*000777001~\n".encode())


WRITERS: dict[str, Callable[[BinaryIO, int], None]] = {
    "undefined": undefined,
    "elements": elements,
    "components": components,
    "repeats": repeats,
    "tiny_sets": tiny_sets,
    "deep_hl": deep_hl,
}


def write_bomb(kind: str, path: Path, target_bytes: int) -> Path:
    """Write a ``kind`` bomb of about ``target_bytes`` to ``path`` (returned)."""
    with path.open("wb") as out:
        WRITERS[kind](out, target_bytes)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("out", type=Path)
    parser.add_argument("--mb", type=float, default=20.0, help="size in MB (10^6 bytes)")
    args = parser.parse_args()
    write_bomb(args.kind, args.out, int(args.mb * 1_000_000))
    print(f"{args.out}: {args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
