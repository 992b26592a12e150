# Before any app module imports vnpy: vnpy would otherwise create ~/.vntrader in a process
# that has not bound its profile yet (see lianghua_app.vnpy_env).
from lianghua_app.vnpy_env import prepare_vnpy

prepare_vnpy()
