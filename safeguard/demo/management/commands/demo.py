from django.core.management.base import BaseCommand

from safeguard.demo.council import load_demo_council


class Command(BaseCommand):
    help = "Load the demo council (staff in every role, children at each step). Idempotent."

    def handle(self, *args, **opts):
        passwords = load_demo_council()
        if passwords is None:
            self.stdout.write("The demo council is already loaded (passwords were shown when it was made).")
            return
        self.stdout.write("Demo council loaded. Sign in at http://127.0.0.1:8000/ with:")
        for username, password in passwords.items():
            self.stdout.write(f"  {username:<18} {password}")
        self.stdout.write("These passwords are shown once only.")
