"""`lianghua` command line: a dispatcher. The core's own commands (gui, check, settings, secret)
are here; each app brings its own (backtest, optimize, import-csv, download, data, sample-data,
…) through the plugin registry, so a new app adds its command without editing this file."""

from __future__ import annotations

import argparse
import getpass
import sys

from .commands import Command, CommandContext
from .i18n import set_locale, tr
from .paths import ProfileUnusable, resolve_data_dir
from .settings import SettingsStore


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    early_parser = _common(argparse.ArgumentParser(add_help=False))
    early_parser.add_argument("command", nargs="?")
    early, _ = early_parser.parse_known_args(argv)
    try:
        data_dir = resolve_data_dir(early.data_dir, early.profile)
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    store = SettingsStore(data_dir.settings_file)
    settings = store.load()
    set_locale(settings["language"])
    context = CommandContext(data_dir, store)
    commands = {command.name: command for command in CORE}
    if early.command not in commands:
        try:
            commands.update({command.name: command for command in plugin_commands(context)})
        except ProfileUnusable as error:
            print(error, file=sys.stderr)
            return 3
    args = _parser(commands.values()).parse_args(argv)
    args.command = args.command or "gui"
    for problem in store.problems:
        print(tr("设置问题：{problem}", problem=problem), file=sys.stderr)
    try:
        return commands[args.command].run(args, context)
    except ProfileUnusable as error:
        print(error, file=sys.stderr)
        if args.command == "gui":
            from .ui.app import show_fatal

            show_fatal(str(error))
        return 3


def plugin_commands(context: CommandContext) -> list[Command]:
    """The apps' and gateways' commands. vnpy is pointed at the profile first: their modules import
    it. A plugin whose commands fail to load is named, and the rest still work."""
    from .plugins import all_plugins

    context.bind()
    found = []
    for plugin in all_plugins():
        try:
            found += plugin.load_commands()
        except Exception as error:
            print(tr("{kind} {name} 的命令无法加载：{error}", kind=plugin.kind, name=plugin.name, error=error),
                  file=sys.stderr)
    return found


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--data-dir", help="profile root folder (default: LIANGHUA_HOME or ~/LiangHua)")
    parser.add_argument("--profile", default="default", help="profile name (a folder under the data dir)")
    return parser


def _parser(commands) -> argparse.ArgumentParser:
    common = _common(argparse.ArgumentParser(add_help=False))
    parser = argparse.ArgumentParser(prog="lianghua", parents=[common], description="LiangHua trading workstation")
    sub = parser.add_subparsers(dest="command")
    for command in commands:
        command.arguments(sub.add_parser(command.name, parents=[common], help=command.help))
    return parser


def gui(args: argparse.Namespace, context: CommandContext) -> int:
    context.bind()
    from .ui.app import run_gui

    return run_gui(context.data_dir, context.store)


def check(args: argparse.Namespace, context: CommandContext) -> int:
    from .check import print_report, run_checks

    results = run_checks(context.data_dir)
    print_report(results)
    return 0 if all(r.ok or not r.required for r in results) else 1


def settings_command(args: argparse.Namespace, context: CommandContext) -> int:
    from .settings import SCHEMA

    store = context.store
    print(tr("设置文件：{path}", path=context.data_dir.settings_file))
    for key, spec in SCHEMA.items():
        print(f"  {key:<26}= {store.current[key]!r:<14} {spec.help} [{spec.allowed()}]")
    return 1 if store.problems else 0


def secret(args: argparse.Namespace, context: CommandContext) -> int:
    from .secrets import SecretStoreError, delete_secret, set_secret

    try:
        if args.action == "set":
            value = getpass.getpass(tr("{key} 的值（不会显示）：", key=args.key)) if sys.stdin.isatty() \
                else sys.stdin.read().rstrip("\n")    # all of it: an Ed25519 key in PEM form has lines
            set_secret(args.profile, args.key, value)
            print(tr("已存入系统钥匙串：{key}", key=args.key))
        else:
            delete_secret(args.profile, args.key)
            print(tr("已删除：{key}", key=args.key))
    except SecretStoreError as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


def _secret_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["set", "delete"])
    parser.add_argument("key")


CORE = (
    Command("gui", "open the workstation", lambda parser: None, gui),
    Command("check", "verify this installation", lambda parser: None, check),
    Command("settings", "show the settings and where they live", lambda parser: None, settings_command),
    Command("secret", "store credentials in the OS keyring", _secret_arguments, secret),
)

if __name__ == "__main__":
    sys.exit(main())
