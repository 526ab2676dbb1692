"""Screens of digital signing: one's signing profile, the agency's (văn thư), and the
two signing steps on a văn bản đi (leader; agency after issuance)."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import lazy_gettext as _l

from app import db
from app.models import OutgoingDocument, SigningProfile
from app.registry.views import finish_step, refuse, render_step
from app.security.roles import OUTGOING_ALL, SIGNING_ALL
from app.security.scope import may_read
from app.signatures import profiles, workflow
from app.signatures.forms import ImageForm, Pkcs11Form, Pkcs12Form, SignForm
from app.validation import DomainValidationError

PROFILE_TEMPLATE = "eoffice/signing_profile.html"


def _posted(form_class, name: str):
    """The form that was posted (by its button name), else an empty one."""
    posted = request.method == "POST" and request.form.get("form") == name
    return form_class.refresh(request.form if posted else None), posted


class SigningProfileView(BaseView):
    """Chữ ký số của tôi, and the agency's seal and key (kept by the văn thư)."""

    route_base = "/signing"
    class_permission_name = "SigningProfile"
    default_view = "mine"
    method_permission_name = {"mine": "write", "agency": "seal", "image": "read"}
    base_permissions = list(SIGNING_ALL)

    @expose("/mine", methods=["GET", "POST"])
    @has_access
    def mine(self):
        return self._edit(_l("My digital signature"), user=g.user)

    @expose("/agency", methods=["GET", "POST"])
    @has_access
    def agency(self):
        return self._edit(_l("Agency seal and key"), agency_id=g.user.agency_id)

    @expose("/image/<int:profile_id>")
    @has_access
    def image(self, profile_id: int):
        profile = db.session.get(SigningProfile, profile_id)
        if profile is None or profile.agency_id != g.user.agency_id or not profile.image_sha256:
            abort(404)
        return Response(profiles.image_of(profile), mimetype="image/png",
                        headers={"Cache-Control": "private, no-store"})

    def _edit(self, title, user=None, agency_id=None):
        profile = profiles.find_profile(db.session, user, agency_id)
        image_form, image_posted = _posted(ImageForm, "image")
        pkcs12_form, pkcs12_posted = _posted(Pkcs12Form, "pkcs12")
        pkcs11_form, pkcs11_posted = _posted(Pkcs11Form, "pkcs11")
        for form, posted, save in (
            (image_form, image_posted, self._save_image),
            (pkcs12_form, pkcs12_posted, self._save_pkcs12),
            (pkcs11_form, pkcs11_posted, self._save_pkcs11),
        ):
            if posted and form.validate():
                try:
                    profile = profiles.profile_for(db.session, user, agency_id)
                    message = save(profile, form)
                    db.session.commit()
                    flash(str(message), "success")
                    return redirect(request.path)
                except DomainValidationError as error:
                    refuse(form, error)
        return self.render_template(
            PROFILE_TEMPLATE, title=title, profile=profile, image_form=image_form,
            pkcs12_form=pkcs12_form, pkcs11_form=pkcs11_form, for_agency=user is None,
            appbuilder=self.appbuilder)

    @staticmethod
    def _save_image(profile, form):
        profiles.set_image(db.session, profile, request.files.get("image"))
        return _l("The image is saved.")

    @staticmethod
    def _save_pkcs12(profile, form):
        info = profiles.set_pkcs12(db.session, profile, request.files.get("pkcs12"),
                                   form.password.data)
        return _l("The key of %(subject)s is saved, encrypted.", subject=info.subject)

    @staticmethod
    def _save_pkcs11(profile, form):
        info = profiles.set_pkcs11(db.session, profile, form.token_label.data,
                                   form.key_label.data, form.pin.data)
        return _l("The token key of %(subject)s will be used.", subject=info.subject)


class OutgoingSigningView(BaseView):
    """Ký số on a văn bản đi: the leader signs and approves; after issuance the văn thư
    applies the agency's signature."""

    route_base = "/outgoing/signing"
    class_permission_name = "OutgoingDocument"
    method_permission_name = {"sign": "approve", "agency_sign": "issue"}
    base_permissions = list(OUTGOING_ALL)

    def _document(self, pk: int) -> OutgoingDocument:
        document = db.session.get(OutgoingDocument, pk)
        if document is None or not may_read(OutgoingDocument, document, "OutgoingDocument"):
            abort(404)
        return document

    def _step(self, pk, title, submit, act, done):
        document = self._document(pk)
        form = SignForm.refresh(request.form if request.method == "POST" else None)
        if request.method == "POST" and form.validate():
            try:
                act(document, form)
                return finish_step(document, done)
            except DomainValidationError as error:
                refuse(form, error)
        main = workflow.main_pdf(document)
        return render_step(self, document, form, title, submit, document.number_display,
                           extra={"note": _l("File to sign: %(name)s", name=main.filename)
                                  if main else None})

    @expose("/sign/<int:pk>", methods=["GET", "POST"])
    @has_access
    def sign(self, pk):
        return self._step(
            pk, _l("Sign and approve"), _l("Sign"),
            lambda document, form: workflow.sign_and_approve(
                db.session, document, g.user, form.secret.data, form.comment.data),
            _l("Signed and approved: the văn thư can now issue it."))

    @expose("/agency/<int:pk>", methods=["GET", "POST"])
    @has_access
    def agency_sign(self, pk):
        return self._step(
            pk, _l("Agency signature"), _l("Sign for the agency"),
            lambda document, form: workflow.apply_agency_signature(
                db.session, document, g.user, form.secret.data),
            _l("The agency's signature is applied."))


def register_views(appbuilder) -> None:
    from flask import current_app

    from app.menu import N_
    from app.signatures.labels import legal_badge, modification_label, revocation_label

    current_app.jinja_env.globals.update(
        legal_badge=legal_badge, modification_label=modification_label,
        revocation_label=revocation_label)

    appbuilder.add_view(
        SigningProfileView, "My digital signature", label=N_("My digital signature"),
        icon="fa-pencil", category="Digital signature",
        category_label=N_("Digital signature"), category_icon="fa-certificate")
    appbuilder.add_link(
        "Agency seal and key", label=N_("Agency seal and key"), href="/signing/agency",
        icon="fa-certificate", category="Digital signature")
    appbuilder.add_view_no_menu(OutgoingSigningView)
