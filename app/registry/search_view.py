"""Tra cứu văn bản: accent-insensitive search with filters, newest first, page by page."""

from __future__ import annotations

from flask import abort, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField

from app import db
from app.crud import label_formatter
from app.models import Direction, IncomingDocument, OutgoingDocument, Register
from app.registry.catalogues import URGENCY_LABELS
from app.registry.forms import VietnameseDateField, type_choices_with_blank, urgency_choices
from app.registry.search import Filters, search
from app.registry.views import INCOMING_STATUS_LABELS, OUTGOING_STATUS_LABELS, page_of
from app.security.roles import INCOMING_ALL
from app.security.scope import visible_agency_id

DIRECTIONS = {"incoming": (IncomingDocument, "IncomingDocument"),
              "outgoing": (OutgoingDocument, "OutgoingDocument")}


class SearchForm(DynamicForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = StringField(_l("Words"), description=_l(
        "Subject, number and notation, author or signer; accents are optional."))
    direction = SelectField(_l("Incoming or outgoing"), choices=[
        ("incoming", _l("Incoming")), ("outgoing", _l("Outgoing"))])
    date_from = VietnameseDateField(_l("From"))
    date_to = VietnameseDateField(_l("To"))
    document_type = SelectField(_l("Document type"), coerce=lambda v: int(v) if v else None,
                                validate_choice=False)
    urgency = SelectField(_l("Urgency"), validate_choice=False)
    status = SelectField(_l("Status"), validate_choice=False)
    register = SelectField(_l("Document register"), validate_choice=False,
                           coerce=lambda v: int(v) if v else None)


class SearchView(BaseView):
    route_base = "/search"
    class_permission_name = "IncomingDocument"
    method_permission_name = {"index": "read"}
    base_permissions = list(INCOMING_ALL)
    default_view = "index"

    @expose("/")
    @has_access
    def index(self):
        form = SearchForm(request.args, meta={"csrf": False})
        form.document_type.choices = type_choices_with_blank()
        form.urgency.choices = [("", "")] + urgency_choices()
        direction = form.direction.data if form.direction.data in DIRECTIONS else "incoming"
        model, resource = DIRECTIONS[direction]
        labels = INCOMING_STATUS_LABELS if direction == "incoming" else OUTGOING_STATUS_LABELS
        form.status.choices = [("", "")] + [(k.value, str(v)) for k, v in labels.items()]
        own_agency = self.appbuilder.sm.current_user.agency_id
        registers = (
            db.session.query(Register)
            .filter_by(agency_id=own_agency, direction=Direction(direction))
            .order_by(Register.year.desc(), Register.name).all()
        )
        form.register.choices = [("", "")] + [(r.id, f"{r.name} ({r.year})") for r in registers]
        if not self.appbuilder.sm.has_access("can_read", resource):
            abort(403)
        agency_id = visible_agency_id(resource, "read")
        page = None
        if request.args and form.validate():
            page = search(
                db.session, model, agency_id or self.appbuilder.sm.current_user.agency_id,
                Filters(query=form.q.data or "", date_from=form.date_from.data,
                        date_to=form.date_to.data, document_type_id=form.document_type.data,
                        urgency=form.urgency.data or None, status=form.status.data or None,
                        register_id=form.register.data),
                before_id=request.args.get("before", type=int),
            )
        next_url = None
        if page is not None and page.next_before_id:
            next_url = url_for("SearchView.index",
                               **{**request.args.to_dict(), "before": page.next_before_id})
        return self.render_template(
            "eoffice/search.html", form=form, page=page, direction=direction, next_url=next_url,
            page_of=page_of, urgency_label=label_formatter(URGENCY_LABELS),
            title=_l("Search documents"), appbuilder=self.appbuilder,
        )
