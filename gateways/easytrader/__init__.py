"""Broker desktop clients (华泰, 国金, 银河, 同花顺, miniQMT) through easytrader, driven by an agent
beside the client (`lianghua agent`) that journals every order before it touches the GUI."""

from .gateway import EasytraderGateway

__all__ = ["EasytraderGateway"]
