"""`safeguard clocks recalculate` (after a calendar change) | `safeguard clocks rederive` (all children).

A people command, not a timescales one: re-deriving reads each child's whole record through the
unit of work (`record.change`), a layer above the clocks."""

from django.core.management.base import BaseCommand

from safeguard.people.models import Child
from safeguard.record.change import rederive_clocks
from safeguard.timescales.services import recalculate_due_dates


class Command(BaseCommand):
    help = "Recalculate statutory due dates from the calendar, or re-derive every clock from the record."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["recalculate", "rederive"])

    def handle(self, *args, action, **opts):
        if action == "recalculate":
            moved = recalculate_due_dates()
            self.stdout.write(f"{moved} due dates moved")
            return
        n = 0
        for child_id in Child.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=500):
            rederive_clocks(child_id)
            n += 1
        self.stdout.write(f"clocks re-derived for {n} children")
