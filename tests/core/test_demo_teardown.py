"""The demos' one teardown (kmdiag/demo/teardown.py), used by DemoShop.stop and AcgFakaDemo.stop."""

from __future__ import annotations

from pathlib import Path

from kmdiag.demo.teardown import teardown


class _Part:
    def __init__(self, name: str, log: list[str], fail: bool = False) -> None:
        self.name, self.log, self.fail = name, log, fail

    def close(self) -> None:
        self.log.append(self.name)
        if self.fail:
            raise OSError("already closed")


def test_order_failures_contained_lists_emptied_files_removed(tmp_path: Path) -> None:
    log: list[str] = []
    tmp = tmp_path / "demo"
    tmp.mkdir()
    (tmp / "shop-access.log").write_text("x")
    closers = [_Part("closer-1", log).close, _Part("closer-2", log, fail=True).close]
    servers = [_Part("server-1", log, fail=True), _Part("server-2", log)]
    dns = {"user": _Part("dns-user", log, fail=True), "trusted": _Part("dns-trusted", log)}
    teardown(closers, servers, dns, tmp)
    # closers newest first (they may still use a server), then servers, then DNS; one failure stops nothing else
    assert log == ["closer-2", "closer-1", "server-1", "server-2", "dns-user", "dns-trusted"]
    assert closers == [] and servers == [] and dns == {}
    assert not tmp.exists()
    teardown(closers, servers, dns, tmp)  # a second stop closes nothing twice
    assert len(log) == 6

