"""Leaving and moving (QĐ 778 Đ19.1c, Đ19.2b): the handover of a leaving user's work to
a successor before their account is closed (``handover``), and a user's copy of their
own data, given only after the agency head approves it (``data_export``)."""
