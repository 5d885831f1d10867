"""`safeguard clocks recalculate` (after a calendar change) | `safeguard clocks rederive` (all children)."""

from django.core.management.base import BaseCommand

from safeguard.timescales.services import recalculate_due_dates, refresh_clocks


class Command(BaseCommand):
    help = "Recalculate statutory due dates from the calendar, or re-derive every clock from the record."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["recalculate", "rederive"])

    def handle(self, *args, action, **opts):
        if action == "recalculate":
            moved = recalculate_due_dates()
            self.stdout.write(f"{moved} due dates moved")
            return
        from safeguard.people.models import Child

        n = 0
        for child in Child.objects.iterator(chunk_size=500):
            refresh_clocks(child)
            n += 1
        self.stdout.write(f"clocks re-derived for {n} children")
