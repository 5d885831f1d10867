from safeguard.core.admin import register_read_only

from .models import Assessment, AssessmentFactorIdentified, CINPlan

register_read_only(Assessment, AssessmentFactorIdentified, CINPlan)
