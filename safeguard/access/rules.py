"""`rules` predicates over the access policy, so templates and views ask `user.has_perm(...)`."""

import rules

from . import policy

can_view_child = rules.predicate(policy.can_view_child)
can_change_child = rules.predicate(policy.can_change_child)
can_export_child = rules.predicate(policy.can_export_child)
can_break_glass = rules.predicate(policy.can_break_glass)
can_authorise = rules.predicate(policy.can_authorise)
can_see_aggregates = rules.predicate(policy.can_see_aggregates)
can_search_audit = rules.predicate(policy.can_search_audit)

rules.add_perm("access.view_child", can_view_child)
rules.add_perm("access.change_child", can_change_child)
rules.add_perm("access.export_child", can_export_child)
rules.add_perm("access.break_glass", can_break_glass)
rules.add_perm("access.authorise", can_authorise)
rules.add_perm("access.see_aggregates", can_see_aggregates)
rules.add_perm("access.search_audit", can_search_audit)
