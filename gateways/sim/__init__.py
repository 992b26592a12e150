from .gateway import SimGateway

__all__ = ["SimGateway"]
