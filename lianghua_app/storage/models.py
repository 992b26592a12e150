"""peewee models of the app's own records."""

from __future__ import annotations

from peewee import (
    AutoField,
    BooleanField,
    CharField,
    DateTimeField,
    FloatField,
    ForeignKeyField,
    IntegerField,
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


class CashFlowRecord(BaseModel):
    """Funding payments and commissions, one row per venue id (+ received, - paid). A trade's
    commission is stored here too, under `<vt_tradeid>.fee`, so attribution reads one ledger."""

    flow_id = CharField(primary_key=True)
    gateway = CharField(index=True)
    kind = CharField()
    vt_symbol = CharField(default="", index=True)
    amount = FloatField()
    asset = CharField()
    time = DateTimeField(index=True)        # UTC, naive


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


class OptimizationRun(BaseModel):
    """One optimisation: what was asked (JSON), how it ended, the best point and the diagnostics."""

    id = AutoField()
    created = DateTimeField(index=True)
    strategy = CharField(index=True)
    vt_symbol = CharField()
    interval = CharField()
    start = DateTimeField()
    end = DateTimeField()
    method = CharField()
    target = CharField()
    minimize = BooleanField(default=False)
    request = TextField()
    status = CharField()                    # done or cancelled
    best_params = TextField(default="{}")
    best_target = FloatField(null=True)
    diagnostics = TextField(default="{}")
    walk_forward = TextField(default="{}")
    trial_count = IntegerField(default=0)
    elapsed_s = FloatField(default=0.0)


class OptimizationTrial(BaseModel):
    id = AutoField()
    run = ForeignKeyField(OptimizationRun, backref="trials", on_delete="CASCADE", index=True)
    number = IntegerField()
    window = IntegerField(default=-1)
    role = CharField(default="search")      # search, neighbour or oos
    status = CharField()                    # ok, excluded or failed
    params = TextField()
    target = FloatField(null=True)
    statistics = TextField(default="{}")
    error = TextField(default="")


class StrategySettingVersion(BaseModel):
    """Parameters a user chose to keep for a strategy class, newest version first."""

    id = AutoField()
    class_name = CharField(index=True)
    version = IntegerField()
    setting = TextField()
    run_id = IntegerField(null=True)
    vt_symbol = CharField(default="")
    note = TextField(default="")
    created = DateTimeField()


class AlertRecord(BaseModel):
    """A monitor alert, stored before it is shown or pushed."""

    id = AutoField()
    created = DateTimeField(index=True)
    vt_symbol = CharField(index=True)
    name = CharField(default="")
    rule = CharField()
    value = FloatField()
    message = TextField()


class AlertDelivery(BaseModel):
    """One alert on one push channel: queued, sent, retrying or failed, with the last error."""

    id = AutoField()
    alert = ForeignKeyField(AlertRecord, backref="deliveries", on_delete="CASCADE")
    channel = CharField()
    status = CharField()
    attempts = IntegerField(default=0)
    error = TextField(default="")
    updated = DateTimeField()


class Watchlist(BaseModel):
    id = AutoField()
    name = CharField(unique=True)
    created = DateTimeField()


class WatchlistMember(BaseModel):
    id = AutoField()
    watchlist = ForeignKeyField(Watchlist, backref="members", on_delete="CASCADE")
    vt_symbol = CharField()
    note = TextField(default="")
    position = IntegerField()

    class Meta:
        indexes = ((("watchlist", "vt_symbol"), True),)


ALL_MODELS = [OrderRequestRecord, OrderRecord, OrderUpdateRecord, TradeRecord, CashFlowRecord, VenueState,
              RiskEventRecord, OptimizationRun, OptimizationTrial, StrategySettingVersion, AlertRecord, AlertDelivery,
              Watchlist, WatchlistMember]
