from safeguard.core.admin import register_read_only

from .models import Child, ChildDisability, Relationship, Visit

register_read_only(Child, ChildDisability, Relationship, Visit)
