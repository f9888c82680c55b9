"""A small UDP DNS server on loopback, built from dnspython messages.

The demo runs two: one plays "the user's resolver" (where faults live: NXDOMAIN, SERVFAIL,
silence, hijacked answers) and one plays the trusted control resolver. Both answer only the
names in their table; anything else gets NXDOMAIN, and nothing is ever forwarded anywhere.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


@dataclass
class Answer:
    """How to answer one name: addresses, or an rcode, or silence (drop = the query times out)."""

    a: list[str] = field(default_factory=list)
    aaaa: list[str] = field(default_factory=list)
    rcode: str = "NOERROR"  # NOERROR | NXDOMAIN | SERVFAIL | REFUSED
    drop: bool = False
    ttl: int = 60


class DnsStub:
    def __init__(self, table: dict[str, Answer], host: str = "127.0.0.1", port: int = 0, wildcard: Answer | None = None) -> None:
        if not host.startswith("127."):
            raise ValueError("the demo resolver only listens on loopback")
        self.table = {k.rstrip(".").lower(): v for k, v in table.items()}
        self.wildcard = wildcard  # answer for any name not in the table (e.g. a captive portal's resolver)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.sock.settimeout(0.2)
        self.host, self.port = self.sock.getsockname()
        self.queries: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data, peer = self.sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                reply = self._answer(data)
            except Exception:
                continue
            if reply is not None:
                try:
                    self.sock.sendto(reply, peer)
                except OSError:
                    pass

    def _answer(self, data: bytes) -> bytes | None:
        q = dns.message.from_wire(data)
        r = dns.message.make_response(q)
        r.flags |= dns.flags.RA
        if not q.question:
            return r.to_wire()
        question = q.question[0]
        name = question.name.to_text().rstrip(".").lower()
        self.queries.append(name)
        ans = self.table.get(name) or self.wildcard
        if ans is None:
            r.set_rcode(dns.rcode.NXDOMAIN)
            return r.to_wire()
        if ans.drop:
            return None
        if ans.rcode != "NOERROR":
            r.set_rcode(dns.rcode.from_text(ans.rcode))
            return r.to_wire()
        addrs = ans.a if question.rdtype == dns.rdatatype.A else ans.aaaa if question.rdtype == dns.rdatatype.AAAA else []
        if addrs:
            rtype = "A" if question.rdtype == dns.rdatatype.A else "AAAA"
            r.answer.append(dns.rrset.from_text_list(question.name, ans.ttl, "IN", rtype, addrs))
        return r.to_wire()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
