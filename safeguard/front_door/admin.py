from safeguard.core.admin import register_read_only

from .models import Contact, EarlyHelpEpisode, PrivateFosteringArrangement, Referral

register_read_only(Contact, Referral, EarlyHelpEpisode, PrivateFosteringArrangement)
