"""A modal form (frogmouth's input dialog, with fields): each field parses its text; a field that does
not parse is marked and says why under it, and nothing is sent. Once every field parses, the form
sends the values (`submit`, in a thread worker) and stays open on a refusal, saying it; done, it
returns the line saying what was done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from orderdesk.policy.errors import DeskError, InvalidInput, NotFound
from screens.i18n import N_, _


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    value: str = ""
    parse: Callable[[str], Any] = str  # ValueError says why the text is not accepted
    choices: tuple[tuple[str, str], ...] = ()  # (name shown, value): a list to pick from instead of text


class FormDialog(ModalScreen[str | None]):
    CSS_PATH = "dialogs.tcss"
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="form.cancel"),
        Binding("ctrl+s", "submit", N_("Save"), id="form.save"),
    ]

    class Refused(Message):
        def __init__(self, reason: str, *, of_input: bool) -> None:
            super().__init__()
            self.reason = reason
            self.of_input = of_input  # the values were wrong (not a refusal of him, or of the order's state)

    class Done(Message):
        def __init__(self, line: str) -> None:
            super().__init__()
            self.line = line

    def __init__(
        self,
        title: str,
        fields: list[FormField],
        submit: Callable[[dict[str, Any]], str],
        *,
        preview: Callable[[dict[str, str]], str] | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.fields = fields
        self.submit = submit
        self.preview = preview

    def compose(self) -> ComposeResult:
        with Vertical(id="form-box") as box:
            box.border_title = self.title_text
            for field in self.fields:
                yield Label(field.label, classes="form-label")
                if field.choices:
                    yield Select(
                        field.choices, value=field.value, allow_blank=False, id=f"field-{field.name}", compact=True
                    )
                else:
                    yield Input(field.value, id=f"field-{field.name}", compact=True)
                yield Static("", id=f"error-{field.name}", classes="form-error")
            if self.preview is not None:
                yield Static("", id="form-preview")
            yield Static("", id="form-refusal")
            yield Static(_("Enter to save · Esc to cancel"), id="form-keys")

    def on_mount(self) -> None:
        self.show_preview()

    def raw(self) -> dict[str, str]:
        values = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            values[field.name] = str(widget.value) if isinstance(widget, (Input, Select)) else ""
        return values

    def show_preview(self) -> None:
        if self.preview is not None:
            self.query_one("#form-preview", Static).update(self.preview(self.raw()))

    @on(Input.Changed)
    @on(Select.Changed)
    def changed(self, event: Input.Changed | Select.Changed) -> None:
        name = (event.control.id or "").removeprefix("field-")
        if any(f.name == name for f in self.fields):
            self.query_one(f"#error-{name}", Static).update("")
            self.query_one(f"#error-{name}", Static).set_class(False, "-shown")
        self.say("")
        self.show_preview()

    @on(Input.Submitted)
    def action_submit(self) -> None:
        values: dict[str, Any] = {}
        first_bad: Input | None = None
        for field, text in zip(self.fields, self.raw().values(), strict=True):
            try:
                values[field.name] = field.parse(text)
            except ValueError as exc:
                self.mark(field.name, str(exc))
                widget = self.query_one(f"#field-{field.name}")
                if first_bad is None and isinstance(widget, Input):
                    first_bad = widget
        if first_bad is not None:
            first_bad.focus()
            return
        self.say(_("Saving…"))
        self.sending(values)

    def say(self, line: str) -> None:
        refusal = self.query_one("#form-refusal", Static)
        refusal.update(line)
        refusal.set_class(bool(line), "-shown")

    def mark(self, name: str, reason: str) -> None:
        widget = self.query_one(f"#field-{name}")
        widget.set_class(True, "-invalid")
        error = self.query_one(f"#error-{name}", Static)
        error.update(reason)
        error.set_class(True, "-shown")

    @work(thread=True, exclusive=True, exit_on_error=False, group="form")
    def sending(self, values: dict[str, Any]) -> None:
        try:
            line = self.submit(values)
        except DeskError as exc:
            self.post_message(self.Refused(str(exc), of_input=isinstance(exc, (InvalidInput, NotFound))))
            return
        self.post_message(self.Done(line))

    def on_form_dialog_refused(self, message: Refused) -> None:
        """The desk said no: the form stays, with the reason; on the field it names, when it names one."""
        reason = message.reason
        self.say(reason)
        if not message.of_input:
            return
        inputs = [f for f in self.fields if not f.choices]
        named = next((f for f in self.fields if reason.startswith(f"{f.name}:")), None)
        if named is None and len(inputs) == 1:
            named = inputs[0]
        if named is not None:
            self.query_one(f"#field-{named.name}").set_class(True, "-invalid")

    def on_form_dialog_done(self, message: Done) -> None:
        self.dismiss(message.line)

    def action_cancel(self) -> None:
        self.dismiss(None)
