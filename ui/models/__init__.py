"""Item models and filter proxies over service dataclasses."""
