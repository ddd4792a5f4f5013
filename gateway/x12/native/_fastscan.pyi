"""Type stub for the optional C accelerator (``_fastscan.c``); see ``fastpath.py``."""

from collections.abc import Callable
from typing import Any

TAG_IDS: int
MAX_POSITION: int
PLACE_NEW_LOOP: int

def tag_id(tag: str, /) -> int: ...

class Profile:
    def __init__(
        self,
        elements: bytes,
        code_spans: bytes,
        code_chars: bytes,
        segments: bytes,
        rules: bytes,
        nodes: bytes,
        items: bytes,
        sets: bytes,
    ) -> None: ...

Event = tuple[Any, ...]
"""(0|1, elements), (2, start, end, count) or (3, clean, placements): see _fastscan.c."""

class Scanner:
    in_set: bool
    def __init__(
        self,
        resolver: Callable[[str], Profile | None],
        *,
        placements: bool = False,
        max_elements: int = ...,
        max_components: int = ...,
        max_repeats: int = ...,
        max_segments: int = ...,
        max_set_elements: int = ...,
    ) -> None: ...
    def reset(
        self, element: str, component: str, terminator: str, repetition: str, line_mode: bool, /
    ) -> None: ...
    def scan(self, text: str, end: int, /) -> tuple[list[Event], int]: ...
