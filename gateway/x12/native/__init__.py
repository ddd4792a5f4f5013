"""The native fast path: the same results as the pure-Python validator and translator, faster.

``fastpath`` validates (``FastValidation``, ``available()``); ``fastsets`` hands translation
whole certified sets with their loop trees; ``tables`` flattens the dictionary and set tables for
the C scanner (``_fastscan.c``, optional: without a compiler the pure-Python path is used);
``body`` splits certified bodies back into segments. Differential tests
(``tests/x12/test_fastpath.py``, ``test_fastsets.py``) prove the two paths agree.
"""
