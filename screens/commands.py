"""The command palette's one provider (posting's pattern): every action bound on the screen the palette
was opened on, by its description; a jump to every view open to him; sign out and presence.

It reads the bindings themselves, so a screen written later appears here with nothing more to do."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.app import App
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from screens.i18n import _
from screens.views import VIEWS

if TYPE_CHECKING:
    from screens.app import OrderDeskApp


@dataclass(frozen=True)
class DeskCommand:
    name: str
    help: str
    run: Callable[[], object]


class DeskCommands(Provider):
    @property
    def desk_app(self) -> OrderDeskApp:
        return cast("OrderDeskApp", self.app)

    def commands(self) -> Iterator[DeskCommand]:
        app = self.desk_app
        seen: set[str] = set()
        screen = self.screen
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not isinstance(active.node, Screen | App) or not binding.description or not active.enabled:
                continue
            if not binding.id:
                continue  # Textual's own (tab between fields, copy): every key of the desk has an id
            if binding.action in ("command_palette", "app.command_palette") or binding.action.startswith("view("):
                continue  # the views come below, by name
            what = f"{id(active.node)}:{binding.action}"
            if what in seen:
                continue
            seen |= {what, binding.action.removeprefix("app.")}
            keys = app.get_key_display(binding)
            yield DeskCommand(binding.description, _("key {key}").format(key=keys) if key else "",
                              partial(app.run_action, binding.action, active.node))  # fmt: skip
        viewer = app.viewer
        if viewer is None:
            return
        for view in VIEWS:
            if view.open_to(viewer.roles):
                yield DeskCommand(_("Go to {view}").format(view=_(view.title)), _("key {key}").format(key=view.key),
                                  partial(app.action_view, view.name))  # fmt: skip
        for presence, words in (("free", _("free")), ("busy", _("busy")), ("break", _("on a break"))):
            if f"presence('{presence}')" not in seen:  # a screen where the key is taken by its own binding
                yield DeskCommand(_("I am {words}").format(words=words), _("presence"),
                                  partial(app.action_presence, presence))  # fmt: skip
        if "sign_out" not in seen:
            yield DeskCommand(_("Sign out"), "", app.action_sign_out)

    async def discover(self) -> Hits:
        for command in self.commands():
            yield DiscoveryHit(command.name, command.run, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self.commands():
            score = matcher.match(command.name)
            if score > 0:
                yield Hit(score, matcher.highlight(command.name), command.run, help=command.help)
