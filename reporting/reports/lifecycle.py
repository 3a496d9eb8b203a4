"""The report lifecycle (SPEC §2): the one place that knows which transitions exist.

``submitted`` → ``approved`` (by the state's admin) or ``returned`` (with a reason);
an amendment makes a new version and starts again at ``submitted``; any report that is
not withdrawn can be withdrawn, and a withdrawn report stays withdrawn.
A state admin approves or returns the newest version (``service.review_report``); the
rules stay in this one table.
"""

from __future__ import annotations

SUBMITTED = "submitted"
APPROVED = "approved"
RETURNED = "returned"
WITHDRAWN = "withdrawn"
STATUSES = (SUBMITTED, APPROVED, RETURNED, WITHDRAWN)

SUBMIT = "submit"
AMEND = "amend"
APPROVE = "approve"
RETURN = "return"
WITHDRAW = "withdraw"

# (status before, action) -> status after
TRANSITIONS: dict[tuple[str | None, str], str] = {
    (None, SUBMIT): SUBMITTED,
    (SUBMITTED, AMEND): SUBMITTED,
    (APPROVED, AMEND): SUBMITTED,
    (RETURNED, AMEND): SUBMITTED,
    (SUBMITTED, APPROVE): APPROVED,
    (SUBMITTED, RETURN): RETURNED,
    (SUBMITTED, WITHDRAW): WITHDRAWN,
    (APPROVED, WITHDRAW): WITHDRAWN,
    (RETURNED, WITHDRAW): WITHDRAWN,
}


# What a report becomes by each action, for messages ("cannot be withdrawn").
DONE = {SUBMIT: "submitted", AMEND: "amended", APPROVE: "approved", RETURN: "returned",
        WITHDRAW: "withdrawn"}


class TransitionNotAllowed(Exception):
    def __init__(self, status: str | None, action: str) -> None:
        super().__init__(f"A report that is {status} cannot be {DONE[action]}."
                         if action != SUBMIT else "The report exists already.")
        self.status = status
        self.action = action


def next_status(status: str | None, action: str) -> str:
    """The status after ``action``, or TransitionNotAllowed."""
    try:
        return TRANSITIONS[(status, action)]
    except KeyError:
        raise TransitionNotAllowed(status, action) from None
