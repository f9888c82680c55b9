"""``kmdiag serve``: kmdiag as a Prometheus exporter in the blackbox_exporter mould.

Prometheus schedules, stores and alerts; the exporter only runs one diagnosis per ``/probe`` scrape
and answers its verdict as metrics. The package is imported only by the ``serve`` command, so
``kmdiag --help`` never pays for prometheus_client or the HTTP server.
"""
