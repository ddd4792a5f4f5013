"""Procurement: purchase orders from the ERP, the supplier's 855, 856 and 810 linked to them per PO
and line, their status and the discrepancies a buyer must see (``registry.py``, ``state.py``)."""
