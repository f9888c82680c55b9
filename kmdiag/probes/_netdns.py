"""DNS lookups for the network probes: the one DNS client, :mod:`kmdiag.dnsclient`.

A resolver library (``dns.resolver``) turns NXDOMAIN, SERVFAIL and silence into exceptions and
retries across servers; a diagnosis needs exactly what *this* server said and how long it took,
so each question is one UDP query (TCP fallback on truncation) to one named server. The OS
resolver is read from the system's resolver configuration (resolv.conf / the registry) through
dnspython, not through ``getaddrinfo``, so that the answer is the resolver's, not a cache's or a
hosts file's.
"""

from __future__ import annotations

from kmdiag.dnsclient import addresses, lookup, query, resolve_user, system_servers, user_servers

__all__ = ["addresses", "lookup", "query", "resolve_user", "system_servers", "user_servers"]
