"""The `intermediary` console script: demo, serve, audit verify, bootstrap, and more."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intermediary.settings")
    import django

    django.setup()


def _migrate(verbosity: int = 0) -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=verbosity)


def cmd_demo(args: argparse.Namespace) -> int:
    """Migrate, load the fictional demo (once), print the logins, and serve."""
    _setup_django()
    from intermediary.core.demo import DEMO_PASSWORD, load_demo

    _migrate()
    summary = load_demo()
    print("Demo data " + ("loaded." if summary.created else "already present (unchanged)."))
    for note in summary.notes:
        print(f"  {note}")
    print(f"\nLogins (password for all: {DEMO_PASSWORD}):")
    for login in summary.logins:
        print(f"  {login.username:<20} {login.organisation:<8} {', '.join(login.roles)}")
    if args.no_serve:
        return 0
    _start_worker(args)
    return _serve(args.host, args.port, args.threads)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the application with waitress (a production-grade pure-Python WSGI server)."""
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if settings.PRODUCTION:
        call_command("collectstatic", interactive=False, verbosity=0)
    _start_worker(args)
    return _serve(args.host, args.port, args.threads)


def _start_worker(args: argparse.Namespace) -> None:
    """Run queued background jobs (imports) in this process unless told not to."""
    if getattr(args, "no_worker", False):
        return
    from intermediary.imports.worker import start_worker_thread

    if start_worker_thread() is not None:
        print("Background jobs run in this process (--no-worker to disable).")


def _serve(host: str, port: int, threads: int) -> int:
    from waitress import serve

    from intermediary.wsgi import application

    print(f"\nServing on http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    serve(application, host=host, port=port, threads=threads)
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Recompute the chain; exit 1 and name the first broken event if it was tampered with."""
    _setup_django()
    from intermediary.audit.verify import verify_chain

    report = verify_chain(expected_head=args.head)
    if report.ok:
        print(f"OK: {report.checked} events, chain intact.")
        print(f"head #{report.head_seq} {report.head_hash}")
        return 0
    print(f"BROKEN at event #{report.first_broken_seq}: {report.reason}", file=sys.stderr)
    print(f"last good event: #{report.head_seq} {report.head_hash}", file=sys.stderr)
    return 1


def cmd_bootstrap(args: argparse.Namespace) -> int:
    """Create the intermediary organisation and its first coordinator on an empty install."""
    _setup_django()
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.choices import OrganisationKind, Role
    from intermediary.accounts.services import organisation_create, user_create

    _migrate()
    password = os.environ.get("INTERMEDIARY_BOOTSTRAP_PASSWORD") or getpass.getpass(
        f"Password for {args.username}: "
    )
    try:
        with transaction.atomic():
            org = organisation_create(
                actor=SYSTEM,
                name=args.name,
                short_name=args.short_name,
                kind=OrganisationKind.INTERMEDIARY,
            )
            user_create(
                actor=SYSTEM,
                username=args.username,
                password=password,
                organisation=org,
                roles=[Role.COORDINATOR],
            )
    except ValidationError as exc:
        for field, messages in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            print(f"error: {field}: {'; '.join(messages)}", file=sys.stderr)
        return 2
    print(f"Created {org.name} and coordinator {args.username}.")
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    """Django's management commands (migrate, check --deploy, ...)."""
    _setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["intermediary manage", *args.rest])
    return 0


def _add_serve_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--no-worker",
        action="store_true",
        help="do not run background jobs (imports) in this process; run `manage db_worker`",
    )


# Capabilities that bring their own subcommands register them here: module path -> register().
PLUGIN_MODULES = ["intermediary.matching.cli", "intermediary.imports.cli"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="intermediary", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="load the fictional demo and serve it")
    _add_serve_options(demo)
    demo.add_argument("--no-serve", action="store_true", help="load and print logins only")
    demo.set_defaults(func=cmd_demo)

    serve = sub.add_parser("serve", help="serve the application")
    _add_serve_options(serve)
    serve.set_defaults(func=cmd_serve)

    audit = sub.add_parser("audit", help="audit chain tools")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_sub.add_parser("verify", help="recompute the chain, name the first break")
    verify.add_argument("--head", help="a head hash kept earlier: also detects truncation")
    verify.set_defaults(func=cmd_audit_verify)

    boot = sub.add_parser("bootstrap", help="create the intermediary and its first coordinator")
    boot.add_argument("--name", required=True)
    boot.add_argument("--short-name", required=True)
    boot.add_argument("--username", required=True)
    boot.set_defaults(func=cmd_bootstrap)

    manage = sub.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(func=cmd_manage)

    _register_plugins(sub)
    return parser


def _register_plugins(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    import importlib

    for module_path in PLUGIN_MODULES:
        try:
            module = importlib.import_module(module_path)
        except ModuleNotFoundError as exc:
            if exc.name is None or not module_path.startswith(exc.name):
                raise
            continue  # capability not installed in this build
        module.register(sub)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.func
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
