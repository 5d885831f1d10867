from safeguard.core.admin import register_read_only

from .models import ChildProtectionPlan, Conference, CoreGroupMeeting, Section47Enquiry, StrategyDiscussion

register_read_only(StrategyDiscussion, Section47Enquiry, ChildProtectionPlan, Conference, CoreGroupMeeting)
