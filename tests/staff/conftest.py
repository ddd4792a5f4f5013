from tests.staff.support import cheap_hashes

__all__ = ["cheap_hashes"]
