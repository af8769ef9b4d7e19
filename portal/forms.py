"""Forms of the portal pages: the systems filter, a system's facts and its mail setup."""

from __future__ import annotations

import re
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import Certificate
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet

from connectors.advisor import AdvisorInput
from connectors.config import CREDENTIALS, DEFAULT_CREDENTIAL, credential_choices
from connectors.products import product_choices, role_choices
from connectors.registry import OPTIONS, option_choices
from portal import dates
from portal.fleet import NO_SETUP
from portal.models import CHECK_INTERVAL_MAX, CHECK_INTERVAL_MIN, Health, MailSetup, SapSystem
from portal.progress import Progress
from portal.validators import format_release, normalise_release, normalise_sid, parse_egress_ips, validate_address


class AsciiIntegerField(forms.IntegerField):
    """Django's IntegerField reads with int(), which also takes ١٠٠, ５８７ and 1_000: digits 0-9 only here."""

    default_error_messages = {"ascii": "Write the number with the digits 0-9 only, e.g. 587."}

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str) and value.strip() and not re.fullmatch(r"[+-]?[0-9]+", value.strip()):
            raise ValidationError(self.error_messages["ascii"], code="ascii")
        return super().to_python(value)


class AsciiDateField(forms.DateField):
    """strptime's %Y takes any script's digits (２０２７-03-31): digits 0-9 only here."""

    default_error_messages = {"ascii": "Write the date with the digits 0-9, e.g. 30 Nov 2026 or 2026-11-30."}

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and not value.strip().isascii():
            raise ValidationError(self.error_messages["ascii"], code="ascii")
        return super().to_python(value)


# Sortable columns of the systems list: what the page calls them, and the fields they order by.
SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "system": ("System", ("sid", "client")),
    "description": ("Description", ("description",)),
    "role": ("Role", ("role_rank",)),
    "release": ("SAP_BASIS", ("basis_release",)),
    "option": ("Mail option", ("mail_setup__option",)),
    "health": ("Health", ("urgency", "role_rank")),
    "last_run": ("Last run", ("last_run_at",)),
}
DEFAULT_SORT = "health"


class SystemFilterForm(forms.Form):
    q = forms.CharField(
        label="Search", required=False, max_length=100, help_text="SID, description, SMTP host or sender"
    )
    option = forms.ChoiceField(
        label="Mail option",
        required=False,
        choices=lambda: [("", "any option"), *option_choices(), (NO_SETUP, "not set up")],
    )
    role = forms.ChoiceField(label="Landscape role", required=False, choices=[("", "any role"), *role_choices()])
    health = forms.ChoiceField(label="Health", required=False, choices=[("", "any health"), *Health.filter_choices()])
    zone = forms.CharField(label="Network zone", required=False, max_length=40)
    progress = forms.ChoiceField(label="Migration", required=False, choices=[("", "any stage"), *Progress.choices])

    @property
    def sort_key(self) -> str:
        """The column to sort by ("-" first: descending); a key that is not a column sorts by health.
        Read apart from the filters, so a bad sort never drops a good filter."""
        wanted = str(self.data.get("sort", ""))
        return wanted if wanted.removeprefix("-") in SORTS else DEFAULT_SORT

    def order(self, systems: QuerySet[SapSystem]) -> QuerySet[SapSystem]:
        """Order a ``most_urgent_first`` queryset by the chosen column; ties go by SID and client."""
        key = self.sort_key
        descending, fields = key.startswith("-"), SORTS[key.lstrip("-")][1]
        ordering = [F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_last=True) for name in fields]
        return systems.order_by(*ordering, "sid", "client")

    def columns(self, query: str) -> list[dict[str, str]]:
        """Each sortable column's link: sorts ascending, or descending when it already sorts ascending."""
        current = self.sort_key
        links = []
        for key, (label, _) in SORTS.items():
            state = "ascending" if current == key else "descending" if current == f"-{key}" else "none"
            wanted = f"-{key}" if state == "ascending" else key
            links.append(
                {
                    "key": key,
                    "label": label,
                    "sort": state,
                    "href": f"?{query}&sort={wanted}" if query else f"?sort={wanted}",
                }
            )
        return links

    def filter(self, systems: QuerySet[SapSystem]) -> QuerySet[SapSystem]:
        """Narrow an annotated (with_health) queryset; an invalid form filters nothing it cannot read."""
        if not self.is_valid():
            return systems
        data = self.cleaned_data
        if text := data["q"].strip():
            systems = systems.filter(
                Q(sid__icontains=text)
                | Q(description__icontains=text)
                | Q(mail_setup__smtp_host__icontains=text)
                | Q(mail_setup__sender__icontains=text)
            )
        if data["option"] == NO_SETUP:
            systems = systems.filter(mail_setup__isnull=True)
        elif data["option"]:
            systems = systems.filter(mail_setup__option=data["option"])
        if data["role"]:
            systems = systems.filter(role=data["role"])
        if data["health"]:
            systems = systems.filter(health=data["health"])
        if data["zone"].strip():
            systems = systems.filter(zone__iexact=data["zone"].strip())
        if data["progress"]:  # the dashboard's four numbers link here (annotated by progress.with_progress)
            systems = systems.filter(progress=data["progress"])
        return systems


class ReleaseField(forms.CharField):
    """SAP_BASIS release typed as 7.50, 750 or 816; stored normalised."""

    def prepare_value(self, value: Any) -> Any:
        return format_release(value) if isinstance(value, int) else value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        return normalise_release(super().to_python(value))


class SystemForm(forms.ModelForm):
    basis_release = ReleaseField(label="SAP_BASIS release", required=False, help_text="e.g. 7.50, 7.58 or 816")

    class Meta:
        model = SapSystem
        fields = ["sid", "client", "description", "role", "product", "basis_release", "zone", "owner", "contact_email",
                  "target_option", "target_date"]  # fmt: skip
        field_classes = {"target_date": AsciiDateField}
        widgets = {"target_date": forms.DateInput(format=dates.INPUT_DAY, attrs={"placeholder": "e.g. 15 Dec 2026"})}

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.notices: list[str] = []  # what cleaning changed, for the page to tell
        self.fields["sid"].help_text = "Three characters, e.g. PRD."
        self.fields["client"].help_text = "Three digits, e.g. 100."
        for name in ("role", "product"):
            self.fields[name].choices = [("", "(not recorded)"), *[c for c in self.fields[name].choices if c[0]]]
        self.fields["target_option"].choices = [("", "(no target yet)"), *option_choices()]
        self.fields["target_option"].help_text = "The option the system moves to."
        self.fields["target_date"].input_formats = dates.INPUT_DAY_FORMATS
        self.fields["target_date"].help_text = "When it should send through the target option."
        if editing:  # SID and client name the system (URLs, imports, runs): they are not edited here
            for name in ("sid", "client"):
                self.fields[name].disabled = True

    def clean_sid(self) -> str:
        return normalise_sid(self.cleaned_data["sid"])

    def clean_client(self) -> str:
        client = self.cleaned_data["client"].strip()
        if re.fullmatch(r"[0-9]{1,2}", client):  # a spreadsheet ate the zeros: pad, and say so
            self.notices.append(f"Client “{client}” was saved as {client.zfill(3)}: SAP clients have three digits.")
            return client.zfill(3)
        return client


def first_error(form: forms.Form, *, unnamed: tuple[str, ...] = ()) -> str:
    """The form's first error for a one-line message: "Field label: why", or "why" alone for a field in
    ``unnamed`` (its message names it already) and for an error no field owns."""
    name, errors = next(iter(form.errors.items()))
    label = form[name].label if name in form.fields and name not in unnamed else ""
    return f"{label}: {errors[0]}" if label else str(errors[0])


def _interval_in_range(minutes: int) -> None:
    if not CHECK_INTERVAL_MIN <= minutes <= CHECK_INTERVAL_MAX:
        raise ValidationError(
            f"Choose from {CHECK_INTERVAL_MIN} to {CHECK_INTERVAL_MAX} minutes ({CHECK_INTERVAL_MAX // 1440} days); "
            "empty for the landscape role's default.",
            code="interval_range",
        )


class ScheduleForm(forms.ModelForm):
    """A system's own interval between scheduled checks (the Configuration tab); empty: its role's default."""

    class Meta:
        model = SapSystem
        fields = ["check_interval"]
        field_classes = {"check_interval": AsciiIntegerField}

    def __init__(self, *args: Any, default_minutes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["check_interval"]
        field.label = "Check every (minutes)"
        field.help_text = (
            f"Empty: the default for its landscape role, {default_minutes} min. "
            f"From {CHECK_INTERVAL_MIN} minutes to {CHECK_INTERVAL_MAX // 1440} days ({CHECK_INTERVAL_MAX} minutes)."
        )
        field.widget.attrs.update({"inputmode": "numeric", "placeholder": str(default_minutes)})
        # The range checked here, on the field, not only by the model's validators: those run after the value
        # was copied onto the system, which the error page then shows (a huge number overflowed there: a 500).
        field.validators = [_interval_in_range]
        field.error_messages["ascii"] = "Write whole minutes with the digits 0-9 only, e.g. 30."


def _secret_field(label: str, help_text: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=help_text,
    )


# With a credential to choose (an option that asks for one), its fields show and the other credential's hide.
# Keyed by the codes of connectors.config.CREDENTIALS (a test holds the two to the same keys).
CREDENTIAL_FIELDS = {
    "secret": {"secret_expires", "secret_action", "new_secret"},
    "certificate": {"certificate_thumbprint", "certificate_expires", "certificate_file", "test_key_file",
                             "clear_test_key"},
}  # fmt: skip


class SetupForm(forms.ModelForm):
    """The fields of one option (and credential); secrets are write-only: keep, replace or clear, never shown."""

    egress_ips = forms.CharField(label="Static egress IPs", required=False, help_text="Public IPs, separated by spaces")
    new_secret = _secret_field("New client secret", "Write-only: it is never shown again.")
    secret_action = forms.ChoiceField(label="Client secret", choices=[], initial="keep", widget=forms.RadioSelect)

    certificate_file = forms.FileField(
        label="Upload SAP's JWT signing certificate",
        required=False,
        help_text="PEM or DER (.cer/.crt/.pem), public part only: fills in thumbprint and expiry.",
    )

    test_key_file = forms.FileField(
        label="Private key of a test certificate (optional)",
        required=False,
        help_text="Only to let the portal test the JWT grant itself: the key of a test certificate that is "
        "also registered on the app (never SAP's own key). PEM, unencrypted; stored encrypted, never shown.",
    )
    clear_test_key = forms.BooleanField(label="Remove the stored test key", required=False)

    class Meta:
        model = MailSetup
        fields = [
            "option", "cloud", "smtp_host", "smtp_port", "tls", "sender", "mailbox", "tenant", "client_id",
            "service_principal_id", "credential", "secret_expires", "certificate_thumbprint", "certificate_expires",
            "connector", "relay_host", "upstream_option", "test_recipient", "egress_ips",
        ]  # fmt: skip  # secrets and the certificate are handled by the form's own fields
        field_classes = {
            "smtp_port": AsciiIntegerField,
            "secret_expires": AsciiDateField,
            "certificate_expires": AsciiDateField,
        }
        widgets = {  # text, not type=date: the browser would show its own locale's format (11/30/2026)
            "secret_expires": forms.DateInput(format=dates.INPUT_DAY, attrs={"placeholder": "e.g. 30 Nov 2026"}),
            "certificate_expires": forms.DateInput(format=dates.INPUT_DAY, attrs={"placeholder": "e.g. 30 Nov 2026"}),
        }

    def __init__(self, *args: Any, option: str, credential: str = DEFAULT_CREDENTIAL, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option = option
        self.fields["option"].initial = option
        shown = {"option", *option_field_names(option)}
        if secret_name(option):
            shown |= {"secret_action", "new_secret"}
        if "certificate_thumbprint" in option_field_names(option):  # an option that can sign with a certificate
            shown |= {"certificate_file", "test_key_file", "clear_test_key"}
        chooses = option in OPTIONS and OPTIONS[option].signs_in_with_credential  # a secret or a certificate
        self.credential = credential if chooses and credential in CREDENTIALS else ""
        if self.credential:
            shown -= set().union(*(fields for code, fields in CREDENTIAL_FIELDS.items() if code != self.credential))
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
        self.order_fields(["option", *option_field_names(option)])
        connector = OPTIONS.get(option)
        self.needed = {item.name for item in connector.fields if item.required} if connector else set()
        for item in connector.fields if connector else ():
            if item.name in self.fields:
                self.fields[item.name].help_text = item.help
        for name in ("tls", "upstream_option"):
            if name in self.fields:
                choices = [choice for choice in self.fields[name].choices if choice[0]]
                self.fields[name].choices = [("", "(default for the option)"), *choices]
        for name in ("secret_expires", "certificate_expires"):
            if name in self.fields:
                self.fields[name].input_formats = dates.INPUT_DAY_FORMATS
        if "secret_action" in self.fields:
            self._word_the_secret()
        if isinstance(self.initial.get("egress_ips"), list):
            self.initial["egress_ips"] = " ".join(self.initial["egress_ips"])

    @property
    def secret_noun(self) -> str:
        return secret_name(self.option) or "client secret"

    @property
    def has_secret(self) -> bool:
        return bool(self.instance.pk) and self.instance.client_secret.is_set

    def _word_the_secret(self) -> None:
        """Say what is there: "No password stored" for a new setup, keep / replace / clear once one is."""
        noun = self.secret_noun
        if self.has_secret:
            choices = [("keep", f"Keep the stored {noun}"), ("replace", "Replace it"), ("clear", "Clear it")]
        else:
            choices = [("keep", f"No {noun} stored yet"), ("replace", f"Set the {noun}")]
        self.fields["secret_action"].choices = choices
        self.fields["secret_action"].label = noun.capitalize()
        self.fields["new_secret"].label = f"New {noun}"

    def label_of(self, name: str) -> str:
        """What the page calls a field a connector's rule names."""
        if name in self.fields:
            return str(self.fields[name].label)
        if name == "__all__":
            return "Setup"
        return name.replace("_", " ").capitalize() if name else "Setup"

    def clean_egress_ips(self) -> list[str]:
        return parse_egress_ips(self.cleaned_data.get("egress_ips", ""))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("secret_action") == "replace" and not cleaned.get("new_secret"):
            self.add_error("new_secret", ValidationError("Type the new secret, or choose to keep the stored one."))
        self._check_key_matches(cleaned)
        return cleaned

    def clean_certificate_file(self) -> Certificate | None:
        upload = self.cleaned_data.get("certificate_file")
        if not upload:
            return None
        if upload.size > 64_000:
            raise ValidationError("That file is too large for a certificate.")
        return read_certificate(upload.read())

    def clean_test_key_file(self) -> PrivateKeyTypes | None:
        upload = self.cleaned_data.get("test_key_file")
        if not upload:
            return None
        if upload.size > 64_000:
            raise ValidationError("That file is too large for a private key.")
        return read_private_key(upload.read())

    def _check_key_matches(self, cleaned: dict[str, Any]) -> None:
        key = cleaned.get("test_key_file")
        if key is None:
            return
        certificate = cleaned.get("certificate_file")
        if certificate is None and self.instance.certificate_pem:
            certificate = x509.load_pem_x509_certificate(self.instance.certificate_pem.encode())
        if certificate is None:
            self.add_error(
                "test_key_file", ValidationError("Upload the test certificate that belongs to this key too.")
            )
        elif certificate.public_key().public_numbers() != key.public_key().public_numbers():
            self.add_error(
                "test_key_file",
                ValidationError("This key does not belong to the certificate: upload the matching pair."),
            )

    def apply_certificate(self, setup: MailSetup) -> None:
        certificate = self.cleaned_data.get("certificate_file")
        if certificate is not None:
            setup.certificate_pem = certificate.public_bytes(Encoding.PEM).decode()
            setup.certificate_thumbprint = certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303 - Entra's thumbprint is SHA-1
            setup.certificate_expires = certificate.not_valid_after_utc.date()
        key = self.cleaned_data.get("test_key_file")
        if key is not None:
            setup.private_key = private_key_pem(key)
        elif self.cleaned_data.get("clear_test_key"):
            setup.private_key = None

    def apply_secret(self, setup: MailSetup) -> None:
        action = self.cleaned_data.get("secret_action", "keep")
        if action == "replace":
            setup.client_secret = self.cleaned_data["new_secret"]
        elif action == "clear":
            setup.client_secret = None


def read_private_key(data: bytes) -> PrivateKeyTypes:
    """An unencrypted PEM private key, parsed; the error never quotes what was given (it may be a secret)."""
    try:
        return serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):  # not PEM, not a private key, encrypted, unknown type
        raise ValidationError("This is not an unencrypted private key in PEM format.") from None


def private_key_pem(key: PrivateKeyTypes) -> str:
    """How a private key is stored: PKCS#8 PEM, whatever form it came in."""
    return key.private_bytes(Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


def read_certificate(data: bytes) -> Certificate:
    """An X.509 certificate from PEM or DER; a private key is refused (it stays in SAP)."""
    if b"PRIVATE KEY" in data:
        raise ValidationError("This file holds a private key: upload only the certificate (the public part).")
    try:
        return x509.load_pem_x509_certificate(data) if b"-----BEGIN" in data else x509.load_der_x509_certificate(data)
    except ValueError:
        raise ValidationError("This is not an X.509 certificate in PEM or DER format.") from None


def option_field_names(option: str) -> list[str]:
    """The model fields the connector of ``option`` asks for (the connector's order)."""
    model_fields = {field.name for field in MailSetup._meta.concrete_fields}
    connector = OPTIONS.get(option)
    names = connector.field_names if connector else ()
    return [name for name in names if name in model_fields]


def secret_name(option: str) -> str:
    """What the option's write-only secret is called ("client secret", "password"); "" when it has none."""
    connector = OPTIONS.get(option)
    return connector.secret if connector else ""


class TestSendForm(forms.Form):
    recipient = forms.CharField(label="Recipient", max_length=254, help_text="A real message is sent to this address.")
    subject = forms.CharField(
        label="Subject",
        max_length=200,
        required=False,
        help_text="Optional. Empty: “SAP Mail Health test <system> <time>”, easy to find in the mailbox.",
    )

    def clean_recipient(self) -> str:
        value = self.cleaned_data["recipient"].strip()
        validate_address(value)
        return value

    def clean_subject(self) -> str:
        value = self.cleaned_data["subject"].strip()
        if any(ch in value for ch in "\r\n\x00"):
            raise forms.ValidationError("A subject is one line: remove the line breaks.")
        return value


YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label: str, help_text: str, initial: str = "yes") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=YES_NO, initial=initial, widget=forms.RadioSelect, help_text=help_text
    )


class AdvisorForm(forms.Form):
    """The advisor's questions; a system's facts fill the first two."""

    product = forms.ChoiceField(label="SAP product", choices=product_choices)
    basis_release = ReleaseField(
        label="SAP_BASIS release", required=False, help_text="e.g. 7.40, 7.50 or 816; empty if unknown"
    )
    external_recipients = _yes_no("Does SAP mail people outside your organisation?", "Vendors, customers, partners.")
    static_public_ip = _yes_no(
        "Does SAP's mail leave from a static public IP that is yours alone?", "Not a shared NAT or cloud pool.", "no"
    )
    outbound_587 = _yes_no("May SAP connect out to port 587?", "Client submission (smtp.office365.com).")
    outbound_25 = _yes_no("May SAP (or its NAT) connect out to port 25?", "Your tenant's MX endpoint.")
    tls12 = _yes_no("Can SAP's kernel and CommonCryptoLib do TLS 1.2?", "Exchange Online refuses older TLS.")
    messages_per_day = AsciiIntegerField(
        label="Messages per day (about)", required=False, min_value=0, max_value=10_000_000
    )
    messages_per_minute = AsciiIntegerField(
        label="Messages per minute at peak", required=False, min_value=0, max_value=1_000_000
    )

    def facts(self) -> AdvisorInput:
        data = self.cleaned_data
        return AdvisorInput(
            product=data["product"], basis_release=data["basis_release"],
            external_recipients=data["external_recipients"] == "yes", static_public_ip=data["static_public_ip"] == "yes",
            outbound_587=data["outbound_587"] == "yes", tls12=data["tls12"] == "yes", outbound_25=data["outbound_25"] == "yes",
            messages_per_day=data["messages_per_day"], messages_per_minute=data["messages_per_minute"],
        )  # fmt: skip


class ApplyAdviceForm(forms.Form):
    option = forms.ChoiceField(choices=option_choices)
    credential = forms.ChoiceField(choices=[("", ""), *credential_choices()], required=False)


class ExplainForm(forms.Form):
    """The error lookup: one text box, read with GET so a link can carry the text."""

    text = forms.CharField(
        label="Error text",
        max_length=8000,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        help_text="A SOST status text, an SMICM trace line, an SAPconnect message (XS…), an SMTP reply or an AADSTS error.",
    )
