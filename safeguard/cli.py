"""The `safeguard` command: every subcommand is a Django management command.

`safeguard migrate`, `safeguard calendar add-holiday 2027-06-07 "..."`, `safeguard runserver` ...
"""

import os
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safeguard.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    argv = list(sys.argv if argv is None else argv)
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        Path(settings.DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    argv[1:2] = [a.replace("-", "_") for a in argv[1:2]]  # `safeguard notify-due` names notify_due
    execute_from_command_line(["safeguard", *argv[1:]])


if __name__ == "__main__":
    main()
