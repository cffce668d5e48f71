"""``diodo``: run everything, train the model, manage the database and local secrets."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from helpdesk.analytics.cli import register_cli as register_analytics_cli
from helpdesk.backup.cli import register_cli as register_backup_cli
from helpdesk.cli import processes, train
from helpdesk.cli.secrets import ensure_local_secrets
from helpdesk.places.cli import register_cli as register_places_cli
from helpdesk.privacy.cli import register_cli as register_privacy_cli
from helpdesk.settings import REPO_ROOT, Settings, get_settings
from helpdesk.simulator import cli as simulator_cli
from helpdesk.simulator.service import SimulatorRefused
from helpdesk.staff import passwords
from helpdesk.staff.cli import register_cli as register_staff_cli


def _run(args: argparse.Namespace) -> int:
    """Start actions, Rasa and the app; wait until healthy; stop all on Ctrl-C."""
    ensure_local_secrets()
    get_settings.cache_clear()
    settings = get_settings()
    ports = processes.Ports(app=settings.port, rasa=args.rasa_port, actions=args.actions_port)
    app_url = f"http://127.0.0.1:{ports.app}"
    try:
        # The simulator's demo channels call the app's own stand-ins at app_url.
        simulator_env = simulator_cli.run_env(settings, app_url)
        passwords.check_cost(settings.password_hash_cost, settings.env)
    except (SimulatorRefused, passwords.CostRefused) as exc:
        print(f"Start-up refused: {exc}", file=sys.stderr)
        return 2
    if not processes.MODEL_PATH.exists():
        print("No trained model found. Run `make train` (or `make run`) first.", file=sys.stderr)
        return 2
    var = Path(args.var_dir).resolve()
    logs = var / "log"
    token = settings.internal_api_token.get_secret_value()
    # Each process lets in only its one caller (docs/security.md); none of these is printed.
    actions_token = settings.actions_token.get_secret_value()
    rasa_token = settings.rasa_token.get_secret_value()
    started: list[processes.Process] = []
    tracker_db = REPO_ROOT / "var" / "rasa-tracker.db"

    def shutdown(*_: object) -> None:
        print("\nStopping DiODo ...", flush=True)
        for process in reversed(started):
            processes.stop(process)

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)  # also when started with SIGINT ignored
    try:
        started.append(
            processes.start_actions(
                ports.actions,
                app_url=app_url,
                token=token,
                actions_token=actions_token,
                log_path=logs / "actions.log",
            )
        )
        started.append(
            processes.start_rasa(
                ports.rasa,
                actions_port=ports.actions,
                tracker_db=tracker_db,
                actions_token=actions_token,
                rasa_token=rasa_token,
                log_path=logs / "rasa.log",
            )
        )
        started.append(
            processes.start_app(
                ports.app,
                env={
                    "DIODO_RASA_URL": f"http://127.0.0.1:{ports.rasa}",
                    "DIODO_ACTIONS_URL": f"http://127.0.0.1:{ports.actions}",
                    # Erasure deletes a citizen's events in Rasa's tracker store too.
                    "DIODO_RASA_TRACKER_URL": f"sqlite:///{tracker_db}",
                    "DIODO_RASA_TOKEN": rasa_token,
                    **simulator_env,
                },
                host=settings.host,
            )
        )
        print("Starting the action server, Rasa (about 30 s) and the app ...", flush=True)
        for process in started:
            processes.wait_healthy(process, timeout=240)
        docs = f"  API docs:        {settings.public_url}/docs\n"
        if settings.env == "production":
            docs = ""  # no /docs in production (docs/security.md)
        if settings.simulator:
            docs += f"  Phone simulator: {settings.public_url}/simulator\n"
        print(
            "\nDiODo is running.\n"
            f"  Web chat:        {settings.public_url}/\n"
            f"  Health:          {settings.public_url}/health\n"
            f"{docs}"
            f"  Logs of Rasa and the action server: {logs}\n"
            "Press Ctrl-C to stop.\n",
            flush=True,
        )
        while all(process.alive() for process in started):
            time.sleep(0.5)
        dead = [p.name for p in started if not p.alive()]
        print(f"{', '.join(dead)} stopped unexpectedly; see {logs}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    except processes.StartupError as exc:
        print(f"Start-up failed: {exc}", file=sys.stderr)
        return 1
    finally:
        shutdown()


def _train(args: argparse.Namespace) -> int:
    train.train(force=args.force)
    return 0


def _db(args: argparse.Namespace) -> int:
    from helpdesk import migrate

    url = args.url or Settings().database_url
    if args.action == "upgrade":
        migrate.upgrade(url, args.revision or "head")
    else:
        migrate.downgrade(url, args.revision or "base")
    print(f"Database {args.action}d.")
    return 0


def _knowledge(args: argparse.Namespace) -> int:
    from knowledge import cli as knowledge_cli
    from knowledge import default_articles_dir

    if args.action == "check":
        directory = Settings().knowledge_dir or default_articles_dir()
        return knowledge_cli.main(["check", "--dir", str(directory)])
    if args.action in ("unanswered", "feedback"):
        from helpdesk.knowledge import cli as editor_cli

        return (
            editor_cli.unanswered(args)
            if args.action == "unanswered"
            else editor_cli.feedback(args)
        )
    from helpdesk.main import load_knowledge

    started = time.monotonic()
    load_knowledge(Settings())
    print(f"Knowledge index ready ({time.monotonic() - started:.0f} s).")
    return 0


def _secrets(_: argparse.Namespace) -> int:
    added = ensure_local_secrets()
    print(f"Generated {', '.join(added)} in var/local.env." if added else "Secrets present.")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``diodo`` command."""
    parser = argparse.ArgumentParser(prog="diodo", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start actions, Rasa and the app (Ctrl-C stops all)")
    run.add_argument("--rasa-port", type=int, default=5005)
    run.add_argument("--actions-port", type=int, default=5055)
    run.add_argument(
        "--var-dir",
        default=str(REPO_ROOT / "var"),
        help="where Rasa's tracker store and the logs go (default: var/)",
    )
    run.set_defaults(func=_run)
    tr = sub.add_parser("train", help="train the Rasa model if its inputs changed")
    tr.add_argument("--force", action="store_true")
    tr.set_defaults(func=_train)
    db = sub.add_parser("db", help="database migrations")
    db.add_argument("action", choices=["upgrade", "downgrade"])
    db.add_argument("revision", nargs="?")
    db.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")
    db.set_defaults(func=_db)
    sc = sub.add_parser("secrets", help="generate local secrets into var/local.env")
    sc.set_defaults(func=_secrets)
    kn = sub.add_parser(
        "knowledge",
        help="check the articles, pre-build the search index, or list unanswered questions "
        "and feedback per article",
    )
    kn.add_argument("action", choices=["check", "warm", "unanswered", "feedback"])
    kn.add_argument("--limit", type=int, default=50, help="unanswered: rows to show")
    kn.add_argument("--json", action="store_true", help="unanswered/feedback: print JSON")
    kn.add_argument("--url", help="database URL (default: DIODO_DATABASE_URL)")
    kn.set_defaults(func=_knowledge)
    register_places_cli(sub)
    register_staff_cli(sub)
    register_analytics_cli(sub)
    register_privacy_cli(sub)
    register_backup_cli(sub)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
