"""The session model: the learned layer's verdict on how an actor behaves, with its reasons."""

from __future__ import annotations

from dataclasses import dataclass

from ..learned.features import NAMES, session_features, shown
from ..learned.model import ModelError, SessionModel, Verdict, load_model
from ..reasons import Later
from ..state.actor import ActorState
from .base import Context, Detector, Settings, Signal, ramp

#: Features named in a reason, strongest first.
SHOWN_FEATURES = 3


@dataclass
class ModelSettings(Settings):
    """`file`: a model trained with `scrapeguard model train` (empty: the shipped one, trained
    on the simulator's traffic). An actor is judged from `min_pages` pages on. `likely`: the
    classifier's probability of automation from which it signals (weight 25, up to 45 when
    certain); `unusual`: the isolation score (0-1; above 0.5 a session is unlike the people
    the model saw) from which it signals (weight 15 to 30). Both are traits: they add to
    evidence of harvesting, never act alone (`traits_act_alone` in the policy); and an actor is
    judged only once it received the data of `min_people` people, since what the model adds
    is how soon a harvester is stopped, not suspicion of whoever reads a few profiles."""

    file: str = ""
    min_pages: float = 3
    min_people: float = 20
    likely: float = 0.9
    unusual: float = 0.65


class Model(Detector):
    """Scores the principal's session features with the session model."""

    name = "model"
    traits = frozenset({"automated", "unusual"})
    settings_type = ModelSettings

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__(settings)
        self.model: SessionModel = load_model(self.settings.file)

    @classmethod
    def check(cls, settings: Settings) -> dict[str, str]:
        """The model file must load."""
        try:
            load_model(settings.file)  # type: ignore[attr-defined]
        except ModelError as exc:
            return {"file": str(exc)}
        return {}

    def evaluate(self, ctx: Context) -> list[Signal] | tuple[()]:
        if ctx.verified_crawler or not ctx.assets_seen:
            # Crawlers answer for themselves, by name; and the model learned from a site
            # whose page assets scrapeguard sees (assets per page is one of its features).
            return ()
        p, scope = ctx.principal, ctx.principal_kind
        s: ModelSettings = self.settings
        if (ctx.shared and scope == "ip") or p.pages < s.min_pages or p.distinct < s.min_people:
            return ()
        held = p.learned
        if held is None or rescore(p.pages, held[0]):
            held = p.learned = (p.pages, self.judge(p, scope))
        return held[1]

    def judge(self, p: ActorState, scope: str) -> list[Signal]:
        """The signals the model raises about actor `p` now."""
        s: ModelSettings = self.settings
        x = session_features(p)
        v = self.model.judge(x)
        out: list[Signal] = []
        if v.automated >= s.likely:
            weight = ramp(v.automated, s.likely, 0.999, 25, 45)
            reason = Later(_automated_words, self.model, x, v.automated)
            out.append(self.signal("automated", weight, reason, scope))
        if v.outside:  # only such a session can be named unusual: ask the isolation forest
            unusual = self.model.unusual(x)
            if unusual >= s.unusual:
                weight = ramp(unusual, s.unusual, s.unusual + 0.1, 15, 30)
                out.append(self.signal("unusual", weight, Later(_unusual_words, v), scope))
        return out


def rescore(pages: int, scored_at: int) -> bool:
    """Whether an actor judged at `scored_at` pages is due again: once its pages grew by half.
    The features are averages over the whole visit, so they move little between."""
    return 2 * pages >= 3 * scored_at


def _automated_words(model: SessionModel, x: list[float], automated: float) -> str:
    shares = model.shares(x)  # the costly part of the reason, left until it is read
    top = sorted(range(len(x)), key=lambda i: -shares[i])[:SHOWN_FEATURES]
    why = ", ".join(_feature(NAMES[i], x[i]) for i in top if shares[i] > 0)
    return f"the session model rates this visit {automated:.0%} likely automated ({why})"


def _unusual_words(v: Verdict) -> str:
    far = ", ".join(
        f"{_feature(name, value)} (people: {shown(name, lo)} to {shown(name, hi)})"
        for name, value, lo, hi in v.outside[:SHOWN_FEATURES]
    )
    return f"this visit is unlike any the session model saw from people: {far}"


def _feature(name: str, value: float) -> str:
    return f"{name.replace('_', ' ')} {shown(name, value)}"
