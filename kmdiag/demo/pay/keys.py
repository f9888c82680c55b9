"""RSA key pairs for the demo's Alipay and WeChat Pay cashiers (and test shops that need one).

Why apart: both cashiers make pairs; with the helper inside the Alipay cashier the WeChat cashier
imported it, and a test shop reached into a private name. Generation costs ~100 ms, so callers make
pairs lazily.
"""

from __future__ import annotations


def rsa_pair() -> tuple[str, str]:
    """A fresh 2048-bit RSA pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption()).decode()
    pub = k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return priv, pub
