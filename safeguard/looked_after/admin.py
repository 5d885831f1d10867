from safeguard.core.admin import register_read_only

from .models import AdoptionJourney, AnnualHealthOutcomes, CareLeaverContact, DeprivationOfLiberty, Episode, HealthAssessment, LookedAfterReview, MissingEpisode, PeriodOfCare, PersonalEducationPlan, PreviousPermanenceRecord

register_read_only(PeriodOfCare, Episode, LookedAfterReview, HealthAssessment, AnnualHealthOutcomes, MissingEpisode, AdoptionJourney, PreviousPermanenceRecord, DeprivationOfLiberty, CareLeaverContact, PersonalEducationPlan)
