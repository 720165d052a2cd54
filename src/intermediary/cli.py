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
    from django.conf import settings

    # The demo's logins have no authenticator: two-factor sign-in is optional here (users may
    # enrol under "Two-factor"), unless the environment says otherwise. Production keeps it.
    # (Settings already loaded means a host process, such as the tests, that decides itself.)
    if not settings.configured:
        os.environ.setdefault("INTERMEDIARY_REQUIRE_2FA", "false")
    _setup_django()
    from django.conf import settings

    from intermediary.core.demo import DEMO_PASSWORD, demo_signing_key_path, load_demo

    _migrate()
    if not settings.AUDIT_SIGNING_KEY_FILE:
        # The demo signs checkpoints with a key of its own in the data directory (var/).
        settings.AUDIT_SIGNING_KEY_FILE = str(demo_signing_key_path())
    summary = load_demo()
    print("Demo data " + ("loaded." if summary.created else "already present (unchanged)."))
    for note in summary.notes:
        print(f"  {note}")
    print(f"\nLogins (password for all: {DEMO_PASSWORD}):")
    for login in summary.logins:
        print(f"  {login.username:<20} {login.organisation:<8} {', '.join(login.roles)}")
    if not settings.INTERMEDIARY_REQUIRE_2FA:
        print("Two-factor sign-in is optional in the demo (INTERMEDIARY_REQUIRE_2FA=false).")
    else:
        print("Two-factor sign-in is required: `intermediary enrolment-code USERNAME` issues")
        print("the code a login needs to set it up.")
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
    from intermediary.audit.checkpoints import verify_checkpoints
    from intermediary.audit.verify import verify_chain

    report = verify_chain(expected_head=args.head)
    checkpoints = verify_checkpoints()
    bad = [c for c in checkpoints if not c.ok]
    if not report.ok:
        print(f"BROKEN at event #{report.first_broken_seq}: {report.reason}", file=sys.stderr)
        print(f"last good event: #{report.head_seq} {report.head_hash}", file=sys.stderr)
    for result in bad:
        print(f"CHECKPOINT at size {result.tree_size} FAILED: {result.problem}", file=sys.stderr)
    if not report.ok or bad:
        return 1
    print(f"OK: {report.checked} events, chain intact.")
    print(f"head #{report.head_seq} {report.head_hash}")
    if checkpoints:
        print(
            f"{len(checkpoints)} signed checkpoints match the events (latest: size "
            f"{checkpoints[-1].tree_size}, root {checkpoints[-1].root_hash})."
        )
    return 0


def cmd_audit_keygen(args: argparse.Namespace) -> int:
    """Write a new Ed25519 signing key (PEM, mode 0600); never overwrite one."""
    from intermediary.audit.signing import key_id, public_key_pem, write_new_private_key

    try:
        key = write_new_private_key(args.out)
    except FileExistsError:
        print(f"error: {args.out} exists; refusing to overwrite a signing key", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 2
    print(f"Wrote {args.out} (keep it secret; set AUDIT_SIGNING_KEY_FILE to its path).")
    print(f"key id {key_id(key.public_key())}; public key for the parties:")
    print(public_key_pem(key.public_key()), end="")
    return 0


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    """Sign a checkpoint over every event so far (run it on a schedule, e.g. daily)."""
    _setup_django()
    from intermediary.access.policy import SYSTEM
    from intermediary.audit.checkpoints import audit_checkpoint_ensure
    from intermediary.audit.services import AuditError
    from intermediary.audit.signing import SigningKeyError

    try:
        outcome = audit_checkpoint_ensure(actor=SYSTEM)
    except SigningKeyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AuditError as exc:  # the log itself is broken: run `intermediary audit verify`
        print(f"refused: {exc}; run `intermediary audit verify`", file=sys.stderr)
        return 1
    checkpoint = outcome.checkpoint
    if outcome.created:
        print(f"checkpoint: tree size {checkpoint.tree_size}")
    else:  # a scheduled run on an idle log: nothing new to sign, nothing written
        print(f"unchanged: no new events since the checkpoint of tree size {checkpoint.tree_size}")
    print(f"root {checkpoint.root_hash}")
    print(f"key id {checkpoint.key_id}")
    return 0


def _read_json(path: str) -> object:
    import json

    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def cmd_audit_verify_checkpoint(args: argparse.Namespace) -> int:
    """The party's offline check (no database, no settings): the signature, and with --previous
    the consistency proof that the new checkpoint extends the one kept before.
    Exit 0: verified; 1: verification failed (one line says what); 2: bad input."""
    from intermediary.audit.signing import (
        consistency_problem,
        load_public_key,
        parse_checkpoint,
        parse_consistency_proof,
        signature_problem,
    )

    if (args.previous is None) != (args.proof is None):
        print("error: --previous and --proof go together", file=sys.stderr)
        return 2
    if args.previous_public_key and not args.previous:
        print("error: --previous-public-key needs --previous", file=sys.stderr)
        return 2
    try:
        public_key = load_public_key(args.public_key)
        previous_key = (
            load_public_key(args.previous_public_key) if args.previous_public_key else public_key
        )
        current = parse_checkpoint(_read_json(args.checkpoint))
        previous = parse_checkpoint(_read_json(args.previous)) if args.previous else None
        proof = parse_consistency_proof(_read_json(args.proof)) if args.proof else None
    except (OSError, ValueError) as exc:  # json.JSONDecodeError and DocumentError are both
        print(f"error: {exc}", file=sys.stderr)
        return 2
    problem = signature_problem(current, public_key)
    if problem:
        print(f"FAILED: checkpoint {args.checkpoint}: {problem}", file=sys.stderr)
        return 1
    if previous is None or proof is None:
        print(f"OK: checkpoint of {current.tree_size} events is signed (root {current.root_hash}).")
        return 0
    problem = signature_problem(previous, previous_key)
    if problem:
        print(f"FAILED: previous checkpoint {args.previous}: {problem}", file=sys.stderr)
        return 1
    if previous.log != current.log or current.tree_size < previous.tree_size:
        # Two signed checkpoints that contradict each other: no proof is needed to see it.
        print(f"FAILED: {consistency_problem(previous, current, proof)}", file=sys.stderr)
        return 1
    if (proof.first, proof.second) != (previous.tree_size, current.tree_size):
        print(
            f"error: the proof is from {proof.first} to {proof.second} events, the checkpoints "
            f"are of {previous.tree_size} and {current.tree_size}",
            file=sys.stderr,
        )
        return 2
    problem = consistency_problem(previous, current, proof)
    if problem:
        print(f"FAILED: {problem}", file=sys.stderr)
        return 1
    print(
        f"OK: checkpoint of {current.tree_size} events is signed and extends the one of "
        f"{previous.tree_size} events (root {current.root_hash})."
    )
    return 0


def cmd_bootstrap(args: argparse.Namespace) -> int:
    """Create the intermediary organisation and its first coordinator on an empty install."""
    _setup_django()
    from django.core.exceptions import ValidationError
    from django.db import transaction

    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.choices import OrganisationKind, Role
    from intermediary.accounts.otp import enrolment_code_required
    from intermediary.accounts.services import (
        enrolment_code_issue,
        organisation_create,
        user_create,
    )

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
            user = user_create(
                actor=SYSTEM,
                username=args.username,
                password=password,
                organisation=org,
                roles=[Role.COORDINATOR],
            )
            # Nobody can issue the first coordinator an enrolment code on a page: print it.
            code = (
                enrolment_code_issue(actor=SYSTEM, user=user) if enrolment_code_required() else ""
            )
    except ValidationError as exc:
        for field, messages in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
            print(f"error: {field}: {'; '.join(messages)}", file=sys.stderr)
        return 2
    print(f"Created {org.name} and coordinator {args.username}.")
    if code:
        _print_enrolment_code(args.username, code)
    return 0


def _print_enrolment_code(username: str, code: str) -> None:
    from django.conf import settings

    hours = settings.INTERMEDIARY_ENROLMENT_CODE_HOURS
    print(f"Enrolment code for {username} (single use, valid {hours} hours): {code}")
    print("They enter it at their first sign-in to set up two-factor sign-in. Shown only now.")


def cmd_enrolment_code(args: argparse.Namespace) -> int:
    """Issue a user's enrolment code from the server (the operator's own access): for a
    coordinator with no other coordinator to issue it, e.g. when the bootstrap code expired."""
    _setup_django()
    from django.core.exceptions import ValidationError

    from intermediary.access.policy import SYSTEM
    from intermediary.accounts.models import User
    from intermediary.accounts.services import enrolment_code_issue

    user = User.objects.filter(username=args.username).first()
    if user is None:
        print(f"error: no user {args.username!r}", file=sys.stderr)
        return 2
    try:
        code = enrolment_code_issue(actor=SYSTEM, user=user)
    except ValidationError as exc:
        print(f"error: {'; '.join(exc.messages)}", file=sys.stderr)
        return 2
    _print_enrolment_code(user.username, code)
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
    keygen = audit_sub.add_parser("keygen", help="write a new Ed25519 checkpoint signing key")
    keygen.add_argument("--out", required=True, help="PEM file to create (mode 0600)")
    keygen.set_defaults(func=cmd_audit_keygen)
    checkpoint = audit_sub.add_parser("checkpoint", help="sign a checkpoint over the log")
    checkpoint.set_defaults(func=cmd_audit_checkpoint)
    offline = audit_sub.add_parser(
        "verify-checkpoint",
        help="a party's offline check of a checkpoint (and of its consistency with an older one)",
    )
    offline.add_argument("checkpoint", help="the checkpoint JSON document")
    offline.add_argument("--public-key", required=True, help="the intermediary's PEM public key")
    offline.add_argument("--previous", help="a checkpoint JSON document kept earlier")
    offline.add_argument("--proof", help="the consistency proof JSON from --previous to it")
    offline.add_argument(
        "--previous-public-key",
        help="the key that signed --previous, if the intermediary rotated keys since",
    )
    offline.set_defaults(func=cmd_audit_verify_checkpoint)

    boot = sub.add_parser("bootstrap", help="create the intermediary and its first coordinator")
    boot.add_argument("--name", required=True)
    boot.add_argument("--short-name", required=True)
    boot.add_argument("--username", required=True)
    boot.set_defaults(func=cmd_bootstrap)

    enrol = sub.add_parser(
        "enrolment-code", help="issue a user the code to set up two-factor sign-in"
    )
    enrol.add_argument("username")
    enrol.set_defaults(func=cmd_enrolment_code)

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
