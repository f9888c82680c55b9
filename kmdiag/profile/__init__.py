"""Platform profiles: every platform-specific fact, in YAML, validated by pydantic."""

from __future__ import annotations

from kmdiag.profile.loader import ProfileError, builtin_profiles, load_profile, profile_from_url
from kmdiag.profile.schema import Profile

__all__ = ["Profile", "ProfileError", "builtin_profiles", "load_profile", "profile_from_url"]
