"""The upload form (shape only; the service and the job decide the rules)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from intermediary.imports.decoding import ALLOWED_ENCODINGS
from intermediary.imports.tables import MAX_FILE_BYTES

ENCODING_CHOICES = [
    ("", _("Automatic: byte-order mark, else UTF-8")),
    *((codec, label) for codec, label in ALLOWED_ENCODINGS.items() if codec != "utf-8"),
]


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File (CSV or XLSX)"),
        help_text=_("Columns as documented; the first row is the header."),
    )
    encoding = forms.ChoiceField(
        label=_("Encoding of a CSV without byte-order mark"),
        choices=ENCODING_CHOICES,
        required=False,
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
            )
        return upload
