"""QMT (xtquant) gateway for A-shares through MiniQMT."""

from .gateway import QmtGateway

__all__ = ["QmtGateway"]
