"""Every number the synthetic council is calibrated to, in one place, with its source.

An analyst models "our council" by copying `ENGLAND` and changing the figures (e.g. a higher
re-referral rate), then passing it to the generator. Sources are INDICATORS.md Part D (DfE
"Children in need" [S10] and "Children looked after" [S11] statistics, year ending 31 March 2025,
unless marked); [L] marks a modelling choice with no published figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Children aged 0-17 by council size (the issue's sizes; England ≈ 12.2 million in 153 councils).
SIZES = {"small": 25_000, "medium": 75_000, "large": 280_000, "national": 12_200_000}
NATIONAL_COUNCILS = 153


@dataclass(frozen=True)
class Calibration:
    # --- front door ------------------------------------------------------------------------------
    referrals_per_10k: float = 519.0  # [D] 632,830 referrals / 12.2m children, 2025
    re_referral_rate: float = 0.226  # 22.6% within 12 months of a previous referral, 2025
    contacts_per_referral: float = 2.6  # [L] councils report 2-3 contacts per referral
    referral_nfa_rate: float = 0.065  # 6.5% of referrals NFA, 2025
    assessed_not_in_need_rate: float = 0.308  # 30.8% assessed as not in need, 2025
    transfer_in_share_of_cp: float = 0.03  # [L] share of CP plans arriving by transfer-in
    unborn_share_of_referrals: float = 0.02  # [L] pre-birth referrals
    # [L] about 1,500 new private fostering notifications a year in England (~1.3 per 10,000
    # children) when the DfE last published them (2015); first visit within 7 WD for most.
    private_fostering_per_10k: float = 1.3
    private_fostering_first_visit_7wd: float = 0.8
    sibling_group_share: float = 0.30  # [L] referrals that concern two or more siblings together
    # --- assessment ------------------------------------------------------------------------------
    assessment_within_45wd: float = 0.857  # 85.7% within 45 working days, 2025 [D from C2 bands]
    assessment_median_wd: int = 33  # median duration 33 working days (IQR 17-43), 2025
    # --- child protection ------------------------------------------------------------------------
    s47_per_referral: float = 0.364  # 230,590 S47s / 632,830 referrals, 2025
    icpc_per_s47: float = 0.313  # S47 → ICPC ≈ 31.3%, 2025 [D]
    cp_plan_per_icpc: float = 0.858  # 61,840 plans started / 72,100 ICPCs, 2025 [D]
    icpc_within_15wd: float = 0.814  # 81.4% ICPC within 15 WD of S47 start, 2025 [D]
    cp_rate_per_10k_at_31_march: float = 40.5  # 49,420 children on a plan at 31 March 2025 [D]
    cp_plans_lasting_2y_plus: float = 0.044  # 4.4% of plans ending had lasted 2+ years, 2025
    cp_second_or_subsequent: float = 0.22  # 18.7% (2016-17) to 25%; issue targets 20-25% [L]
    cp_reviews_in_timescale: float = 0.922  # 92.2% (2016-17 council report)
    cp_visit_working_days: int = 10  # [L] local CP procedures (INDICATORS.md T09)
    # --- looked after ----------------------------------------------------------------------------
    cla_rate_per_10k_at_31_march: float = 67.0  # 81,770 CLA at 31 March 2025 = 67 per 10,000
    cla_during_year_ratio: float = 115_410 / 81_770  # looked after during the year / at 31 March
    cla_three_plus_placements_in_year: float = 0.10  # 10% (2016-17 council report; ~11% NICE)
    cla_went_missing: float = 0.11  # 11% of CLA went missing, 2022
    missing_incidents_per_child: float = 6.8  # per missing child, 2025
    ceased_adoption: float = 0.12  # 12% of those ceasing were adopted, 2019 [D]
    ceased_sgo: float = 0.13  # 13% ceased through an SGO, 2019 [D]
    ceased_home: float = 0.33  # [L] returned home (E4A/E4B/E13)
    ceased_age_18: float = 0.30  # [L] ceased at 18 (E17, E5, E6, E8)
    section20_share: float = 0.25  # [L] entries under s20 (V2)
    iha_within_20wd: float = 0.80  # [L] initial health assessments in time
    annual_health_assessment: float = 0.90  # 90% (2016-17 council report)
    # --- workforce -------------------------------------------------------------------------------
    caseload_per_social_worker: float = 16.3  # 2020 [S14]
    iro_caseload: int = 60  # 50-70 per FTE IRO (IRO Handbook via council report)


ENGLAND = Calibration()


@dataclass(frozen=True)
class CouncilShape:
    """Who the council is: its size and identity, and the age profile of its children."""

    children: int
    la_code: str = "E06000049"
    la_number: int = 895
    name: str = "Synthetic Council"
    # Share of 0-17s at each single year of age [L: near-flat, as in ONS mid-year estimates].
    age_profile: tuple[float, ...] = field(default_factory=lambda: tuple([1 / 18] * 18))


@dataclass(frozen=True)
class JourneyModel:
    """How children move through services in the simulator: modelling choices [L] with no single
    published figure, tuned (on a medium council, seed 1) so that the generated council lands on
    the published figures in `Calibration`. Change these to reshape journeys; change
    `Calibration` to change what the council is calibrated to."""

    # --- arrivals and returns ------------------------------------------------------------------
    first_referral_share: float = 0.665  # [L] tuned: share of referrals that are a child's first
    burn_in_years: int = 2  # [L] flows before the window, so re-referrals and CP plans are steady
    family_sizes: tuple[tuple[int, float], ...] = ((2, 0.6), (3, 0.3), (4, 0.1))  # [L] siblings
    # Age at first referral (years, weight) [L: shape of DfE CIN census age bands]
    referral_ages: tuple[tuple[int, int, float], ...] = (
        (0, 0, 0.10), (1, 4, 0.20), (5, 9, 0.25), (10, 15, 0.34), (16, 17, 0.11))
    re_referral_after_close: float = 0.39  # [L] tuned to re_referral_rate (22.6% within 12 m)
    re_referral_gap_days: float = 170.0  # [L] mean gap from closure to the next referral
    re_referral_after_cp_or_care: float = 0.57  # [L] higher after a CP plan or care
    # --- within an episode ---------------------------------------------------------------------
    in_need_without_s47: float = 0.66  # [L] gives assessed-not-in-need ≈ 30.8% overall
    in_need_after_s47_without_plan: float = 0.72  # [L]
    closed_to_early_help: float = 0.15  # [L] of not-in-need closures: RC9 instead of RC8
    s47_base_adjust: float = 0.97  # [L] boosts after a CP plan add S47s; keeps 0.364 per referral
    icpc_base_adjust: float = 0.80  # [L] likewise for ICPC per S47 (0.313)
    s47_boost_after_cp: float = 2.2  # [L] tuned to cp_second_or_subsequent (22%)
    icpc_boost_after_cp: float = 2.3  # [L]
    cp_mean_days: float = 320.0  # [L] tuned to cp_rate_per_10k_at_31_march
    cin_plan_mean_days: float = 200.0  # [L]
    cp_step_down_to_cin: float = 0.55  # [L] plans ending into a CIN plan
    cp_transfer_out: float = 0.03  # [L] plans ending because the family moved away (RC5)
    # --- care ------------------------------------------------------------------------------------
    care_from_cp: float = 0.24  # [L] tuned to cla_rate_per_10k_at_31_march
    care_from_cin: float = 0.065  # [L]
    care_again_boost: float = 2.5  # [L] children who went home are likelier to return to care
    care_seed_years: int = 12  # [L] children already in care when simulation starts (back to)
    moves_per_year: float = 0.25  # [L] placement moves; 10% of CLA have 3+ placements in a year
    unstable_share: float = 0.2  # [L] children whose placements break down far more often
    unstable_factor: float = 4.5  # [L]
    extra_moves_first_year: float = 0.45  # [L]
    missing_teen_share: float = 0.13  # [L] teenagers in care who go missing in a year
    missing_child_share: float = 0.015  # [L] under-10s
    home_mean_days: float = 240.0  # [L]
    sgo_mean_days: float = 560.0  # [L]
    other_mean_days: float = 300.0  # [L]


JOURNEYS = JourneyModel()
