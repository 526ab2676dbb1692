"""What the roles and statuses of a part of the work are called on the screens."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import AssignmentRole, AssignmentStatus

ROLE_LABELS = {AssignmentRole.lead: _l("Lead"), AssignmentRole.cooperate: _l("Co-operates"),
               AssignmentRole.inform: _l("For information")}
# The national codes a recipient reports back (QĐ 28/2018): 04, 05, 06.
ASSIGNMENT_STATUS_LABELS = {AssignmentStatus.assigned: _l("Assigned"),
                            AssignmentStatus.processing: _l("Being processed"),
                            AssignmentStatus.completed: _l("Completed")}
