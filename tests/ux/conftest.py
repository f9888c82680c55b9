"""One diagnosis per demo fault (order and payment, plus a healthy run of each), shared by the ux tests.

The runs themselves are the session fixture ``demo_fault_runs`` / ``demo_runs`` in tests/conftest.py
(``kmdiag order --demo --fault X --lang zh`` through the real CLI with the real demo shop, browser and
gateway), shared with the end-to-end tests of the other areas so that each fault is diagnosed once
per session; the Report handed to the renderer is kept, so that every format can be rendered from the
same run in both languages without running the diagnosis again.
"""

from __future__ import annotations

from tests.conftest import all_faults

__all__ = ["all_faults"]
