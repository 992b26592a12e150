"""LiangHua trading workstation core."""

__version__ = "0.1.0"
