"""The embedded demo shop: a real shop, payment gateway and resolvers on loopback, with faults.

Faults are real behaviour of these servers (a script that throws, an overlay over the button, a
callback never sent), never a flag that tells kmdiag the answer. Nothing here listens on or talks
to anything but 127.0.0.0/8.
"""
