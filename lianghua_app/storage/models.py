"""peewee models of the app's own records."""

from __future__ import annotations

from peewee import (
    AutoField,
    CharField,
    DateTimeField,
    FloatField,
    Model,
    TextField,
)

from . import database_proxy


class BaseModel(Model):
    class Meta:
        database = database_proxy


class OrderRequestRecord(BaseModel):
    """Every order request, accepted or refused, with the strategy that sent it."""

    id = AutoField()
    created = DateTimeField(index=True)
    gateway = CharField()
    vt_symbol = CharField(index=True)
    direction = CharField()
    offset = CharField()
    order_type = CharField()
    price = FloatField()
    volume = FloatField()
    reference = CharField(default="")
    vt_orderid = CharField(default="", index=True)
    reject_reason = TextField(default="")


class OrderRecord(BaseModel):
    """The latest known state of each order."""

    vt_orderid = CharField(primary_key=True)
    gateway = CharField()
    vt_symbol = CharField(index=True)
    direction = CharField()
    offset = CharField()
    order_type = CharField()
    price = FloatField()
    volume = FloatField()
    traded = FloatField()
    status = CharField()
    reference = CharField(default="")
    created = DateTimeField(index=True)
    updated = DateTimeField()


class OrderUpdateRecord(BaseModel):
    """Every order update as it arrived, append-only."""

    id = AutoField()
    vt_orderid = CharField(index=True)
    status = CharField()
    traded = FloatField()
    received = DateTimeField()


class TradeRecord(BaseModel):
    vt_tradeid = CharField(primary_key=True)
    vt_orderid = CharField(index=True)
    gateway = CharField()
    vt_symbol = CharField(index=True)
    direction = CharField()
    offset = CharField()
    price = FloatField()
    volume = FloatField()
    datetime = DateTimeField(index=True)


class VenueState(BaseModel):
    """A simulated venue's book (accounts, positions, orders) so paper trading survives restarts."""

    name = CharField(primary_key=True)
    payload = TextField()
    saved = DateTimeField()


class RiskEventRecord(BaseModel):
    """Every order the risk manager refused: which rule, and its words."""

    id = AutoField()
    created = DateTimeField(index=True)
    rule = CharField()
    gateway = CharField()
    vt_symbol = CharField(index=True)
    reference = CharField(default="")
    reason = TextField()


ALL_MODELS = [OrderRequestRecord, OrderRecord, OrderUpdateRecord, TradeRecord, VenueState, RiskEventRecord]
