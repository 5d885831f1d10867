"""`safeguard staff import FILE.csv [--council 895] [--site https://...]`, `safeguard staff link USERNAME`.

The file has a header row naming its columns: username, first_name, last_name, email, role (required),
team, service, sw_id, fte, agency (optional). All or nothing: every problem is printed as
FILE:LINE:COLUMN with its rule, the command exits non-zero and nothing is saved. New staff cannot
sign in until they set a password from the link printed once here for each of them."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from safeguard.core.errors import RecordInvalid
from safeguard.workforce import selectors, services
from safeguard.workforce.models import User


def set_password_link(user: User, site: str) -> str:
    uidb64, token = services.first_password_link(user)
    return site.rstrip("/") + reverse("web:set_password", args=[uidb64, token])


class Command(BaseCommand):
    help = "Bring the council's staff in from a CSV file, or make a new set-password link."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import", help="add staff from a CSV file with a header row (all or nothing)")
        imp.add_argument("path", help="the CSV file (UTF-8)")
        imp.add_argument("--council", default="", help="ONS code or LA number (if more than one council)")
        imp.add_argument("--site", default="", help="the service's address, before each link")
        link = sub.add_parser("link", help="a new set-password link for a member of staff")
        link.add_argument("username")
        link.add_argument("--site", default="")

    def handle(self, *args, action, **opts):
        try:
            if action == "link":
                user = selectors.staff_by_username(opts["username"])
                self.stdout.write(f"{user.username}: {set_password_link(user, opts['site'])}")
                return
            path = Path(opts["path"])
            try:
                content = path.read_bytes()
            except OSError as exc:
                raise CommandError(f"{path}: cannot be read ({exc.strerror})") from exc
            council = selectors.council_named(opts["council"])
            result = services.staff_import(by=None, council_id=council.pk, name=path.name, content=content)
        except RecordInvalid as exc:
            for violation in exc.violations:
                self.stderr.write(str(violation))
            raise CommandError(f"{len(exc.violations)} problem(s); nothing was changed") from exc
        for team in result.teams:
            self.stdout.write(f"team created: {team.name} ({team.service})")
        self.stdout.write("each new member of staff sets their password from their link (shown once):")
        for user in result.staff:
            self.stdout.write(f"  {user.username}: {set_password_link(user, opts['site'])}")
        self.stdout.write(str(result))
