"""`safeguard notify_due [--within N]`: tell each worker of the clocks on their children that fall
due within N working days (default 2), once per clock however often it runs; run it every morning
(cron, or a systemd timer) after the clocks are current."""

from django.core.management.base import BaseCommand, CommandError

from safeguard.notifications.services import notify_due


class Command(BaseCommand):
    help = "Notify each worker once of every clock on their children due within N working days."

    def add_arguments(self, parser):
        parser.add_argument("--within", type=int, default=2, help="working days ahead (default 2)")

    def handle(self, *args, within: int, **opts):
        if not 0 <= within <= 60:
            raise CommandError("--within is a number of working days from 0 to 60")
        clocks, made = notify_due(within=within)
        self.stdout.write(f"{clocks} clock{'s' if clocks != 1 else ''} due within {within} working days; "
                          f"{made} notification{'s' if made != 1 else ''} made")
