"""The carousel of the distribution (D3): the managers in the order they get orders, and the lines
a large backlog pass walks (`orderdesk.policy.distribution._first_in_line`). Pure."""

from __future__ import annotations

from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orderdesk.policy.distribution import GroupScope, Manager, OrderFacts, Policy


class _Team:
    """The managers of a carousel with the same order-processing groups, in carousel order: they
    cover the same orders, so a line is a handful of teams rather than a copy of its managers.
    `open` holds those who may take orders not in a limited status, `limited` those who may take
    orders in one (a manager at his limit leaves only `limited`)."""

    __slots__ = ("groups", "size", "open", "limited")

    def __init__(self, groups: tuple[GroupScope, ...]) -> None:
        self.groups = groups
        self.size = 0
        self.open: OrderedDict[int, Manager] = OrderedDict()
        self.limited: OrderedDict[int, Manager] = OrderedDict()


@dataclass
class _Line:
    """The managers who may take orders of one kind: the teams covering them, how many managers
    that is, and the reasons of those who left it during the pass, counted in the order they were
    met (as the trace's "more" says them); `seen` is how much of the carousel's log of departures
    is counted."""

    teams: list[_Team]
    queues: list[OrderedDict[int, Manager]]  # the teams' queues for such orders (open or limited)
    size: int
    left: Counter[str]
    seen: int


class Carousel:
    """The managers in carousel order (longest since an order first), kept up to date as orders are
    handed out, so a backlog of any size is distributed in one pass over it.

    Each manager has a place in the carousel (`place`: a number, the next one each time he is given
    an order). A line (the managers who may take orders like one at hand) is the teams whose groups
    cover such orders, merged by place; handing out an order moves one manager in his one team, so
    a pass costs O(orders × teams in a line + lines × managers), not O(orders × lines a manager is
    in)."""

    def __init__(self, managers: Iterable[Manager]) -> None:
        self.people: dict[int, Manager] = {m.id: m for m in managers}
        never = datetime.min
        ordered = sorted(
            (m for m in self.people.values() if m.in_carousel),
            key=lambda m: (_naive_utc(m.last_assigned_at) if m.last_assigned_at else never, m.id),
        )
        self.queue: OrderedDict[int, Manager] = OrderedDict((m.id, m) for m in ordered)
        self.unlisted = 0  # managers of groups that cannot cover the orders at hand, not loaded
        # managers another desk is giving orders to at this moment (their rows are locked), left out;
        # an order tried first by one of them waits for the next pass rather than go past him
        self.elsewhere: frozenset[int] = frozenset()
        self._place = {m.id: place for place, m in enumerate(ordered)}
        self._next_place = len(ordered)
        self._teams: dict[tuple[GroupScope, ...], _Team] = {}
        self._team_of: dict[int, _Team] = {}
        for m in ordered:
            team = self._teams.get(m.groups)
            if team is None:
                team = self._teams[m.groups] = _Team(m.groups)
            team.size += 1
            team.open[m.id] = m
            team.limited[m.id] = m
            self._team_of[m.id] = team
        # A manager who cannot take orders for the rest of a pass (not logged in, not free,
        # deactivated; at his limit, for orders in limited statuses, since loads only grow during a
        # pass) leaves his team when he is met: his reason (`_out`), and in `_departures` his team,
        # the reason, whether he left the limited lines and whether the others, for the lines to count.
        self._out: dict[int, str] = {}
        self._departures: list[tuple[_Team, str, bool, bool]] = []
        self._lines: dict[tuple[int, int, int, bool], _Line] = {}

    def line(self, order: OrderFacts, policy: Policy) -> tuple[list[OrderedDict[int, Manager]], Counter[str], int]:
        """The managers who may take orders like this one, as queues each in carousel order (merged
        by `place` they are the line), the reasons of those who left the line during this pass, and
        how many managers of the carousel the line has, left or not."""
        limited = order.status in policy.limit_statuses
        key = (order.store_id, order.channel_id, order.type_id, limited)
        line = self._lines.get(key)
        if line is None:
            teams = [t for t in self._teams.values() if _covers(t.groups, order)]
            left: Counter[str] = Counter()
            covered = {id(t) for t in teams}
            for m in self.queue.values():  # those who left before, in carousel order
                reason = self._out.get(m.id)
                if reason is None or id(self._team_of[m.id]) not in covered:
                    continue
                if limited or not reason.startswith("limit"):
                    left[reason] += 1
            queues = [t.limited if limited else t.open for t in teams]
            line = self._lines[key] = _Line(teams, queues, sum(t.size for t in teams), left, len(self._departures))
        elif line.seen < len(self._departures):
            for team, reason, from_limited, from_open in self._departures[line.seen :]:
                if (from_limited if limited else from_open) and team in line.teams:
                    line.left[reason] += 1
            line.seen = len(self._departures)
        return line.queues, line.left, line.size

    def place(self, manager_id: int) -> int:
        return self._place[manager_id]

    def drop(self, manager: Manager, reason: str) -> None:
        """He cannot take orders for the rest of this pass (or, at his limit, orders in limited
        statuses): take him out of the lines."""
        self._out[manager.id] = reason
        team = self._team_of.get(manager.id)
        if team is None:
            return
        from_limited = team.limited.pop(manager.id, None) is not None
        from_open = not reason.startswith("limit") and team.open.pop(manager.id, None) is not None
        if from_limited or from_open:
            self._departures.append((team, reason, from_limited, from_open))

    def given(self, manager_id: int, order: OrderFacts, now: datetime, policy: Policy) -> None:
        manager = self.people[manager_id]
        manager.last_assigned_at = now
        if order.status in policy.limit_statuses:
            manager.load += 1
        if manager_id in self.queue:
            self.queue.move_to_end(manager_id)
            self._place[manager_id] = self._next_place
            self._next_place += 1
            team = self._team_of[manager_id]
            for queue in (team.open, team.limited):
                if manager_id in queue:
                    queue.move_to_end(manager_id)


def _covers(groups: tuple[GroupScope, ...], order: OrderFacts) -> bool:
    return any(g.mismatch(order) is None for g in groups)


def _naive_utc(at: datetime) -> datetime:
    """`at` as a naive UTC time, so aware times in different zones (and naive UTC ones) compare."""
    return at.astimezone(UTC).replace(tzinfo=None) if at.tzinfo is not None else at
