"""Finding, launching and versioning the browser that ``kmdiag order`` drives.

Kept free of Playwright imports at module level so that ``kmdiag --help`` stays fast: the probe
imports Playwright only when it really opens a page.
"""
