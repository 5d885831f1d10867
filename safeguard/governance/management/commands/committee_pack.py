"""`safeguard committee-pack --year 2027 --quarter 2 --format pdf|docx [--public] --out FILE [--user U]`

The quarter's committee pack built from the record, as the web page's download builds it. `--year`
names the reporting year by its ending (2027 is April 2026 to March 2027). Without `--public` the
pack shows small numbers and is not for publication. `--user` acts as that user (the pack reads what
they may read, and the export is audited in their name); by default the council's first active
administrator."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from safeguard.audit.services import audit_record
from safeguard.governance import pack
from safeguard.workforce.models import User


class Command(BaseCommand):
    help = "Build the committee pack for a quarter as PDF or Word."

    def add_arguments(self, parser):
        parser.add_argument(
            "--year",
            type=int,
            required=True,
            help="reporting year by its ending: 2027 is 1 April 2026 to 31 March 2027",
        )
        parser.add_argument("--quarter", type=int, choices=[1, 2, 3, 4], required=True)
        parser.add_argument("--format", choices=["pdf", "docx"], default="pdf")
        parser.add_argument("--public", action="store_true", help="suppress small numbers (for publication)")
        parser.add_argument("--out", required=True, help="the file to write")
        parser.add_argument("--user", help="act as this user (default: the council's first administrator)")

    def handle(self, *args, **opts):
        if opts.get("user"):
            user = User.objects.filter(username=opts["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"no active user {opts['user']!r}")
        else:
            user = (
                User.objects.filter(
                    role=User.Role.ADMINISTRATOR, is_active=True, local_authority__isnull=False
                )
                .order_by("pk")
                .first()
            )
            if user is None:
                raise CommandError("no administrator is on record: name a user with --user")
        try:
            built = pack.build(user, opts["year"], opts["quarter"], public=opts["public"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        body = pack.to_pdf(built) if opts["format"] == "pdf" else pack.to_docx(built)
        Path(opts["out"]).write_bytes(body)
        audit_record(
            actor=user,
            action="export",
            object_type="governance.CommitteePack",
            object_id=f"{opts['year']}-Q{opts['quarter']}",
            detail={
                "what": "committee pack",
                "format": opts["format"],
                "public": opts["public"],
                "via": "command line",
            },
        )
        self.stdout.write(
            f"wrote the {'public' if opts['public'] else 'internal'} committee pack for "
            f"{built.council}, {built.period_label}, to {opts['out']} ({len(body):,} bytes)"
        )
