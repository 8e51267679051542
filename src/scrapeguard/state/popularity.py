"""How often each person's profile is opened, site-wide: the head and the long tail.

People's attention is uneven: most profile views go to a small share of the people on a site
(the head), and most people's profiles are rarely opened (the long tail). A harvester spread
thin over many accounts opens profiles it was told to collect, most of them in the tail, and
that shows in each of its accounts long before any quota does (`detectors.long_tail`).
"""

from __future__ import annotations

from typing import Final

from .actor import DAY

#: Profile views between two computations of where the head starts.
RECOMPUTE_EVERY: Final = 1000


class Popularity:
    """Profile views per person over the last days (halved once a `half_life` has passed),
    kept per process, and the view count from which a person belongs to the head: the
    `head` share of the people viewed that were viewed most.

    Until `ready_after` views have been counted, nobody is judged (`view` answers -1). At most
    `max_people` people are counted; past that, people not yet counted are not judged until
    the next halving has dropped the rarely viewed.
    """

    def __init__(
        self,
        head: float = 0.1,
        ready_after: int = 2000,
        half_life: float = DAY,
        max_people: int = 2_000_000,
    ) -> None:
        if half_life <= 0:
            raise ValueError(f"half_life must be longer than 0 seconds, got {half_life}")
        self.head = head
        self.ready_after = ready_after
        self.half_life = half_life
        self.max_people = max_people
        self.counts: dict[str, int] = {}
        #: How many people have each view count (count -> people), to find the head quickly.
        self.sizes: dict[int, int] = {}
        self.views = 0
        #: Views from which a person belongs to the head; 0 until ready.
        self.cutoff = 0
        self._recompute_at = ready_after
        self._halve_at = 0.0
        #: Whether the site has named the people one of its list or search pages showed.
        self.lists_named = False

    def view(self, subject: str, now: float) -> int:
        """Count a view of `subject`'s profile at `now`; whether the person was in the long
        tail before it: 1 in the tail, 0 in the head, -1 not judged (too few views yet)."""
        if now >= self._halve_at:
            if self._halve_at:  # every half-life from the first view, however far apart views come
                times = 1 + int((now - self._halve_at) // self.half_life)
                self._halve(times)
                self._halve_at += times * self.half_life
            else:
                self._halve_at = now + self.half_life
        counts, sizes = self.counts, self.sizes
        before = counts.get(subject, 0)
        if before == 0 and len(counts) >= self.max_people:
            return -1
        after = before + 1
        counts[subject] = after
        if before:
            left = sizes[before] - 1
            if left:
                sizes[before] = left
            else:
                del sizes[before]
        sizes[after] = sizes.get(after, 0) + 1
        self.views += 1
        if self.views >= self._recompute_at:
            self._recompute_at = self.views + RECOMPUTE_EVERY
            self.cutoff = self.head_starts()
        cutoff = self.cutoff
        if not cutoff:
            return -1
        return 1 if before < cutoff else 0

    def in_tail(self, subject: str) -> int:
        """Whether `subject`, whose profile view is already counted, was in the long tail
        before it: 1 in the tail, 0 in the head, -1 not judged (too few views yet)."""
        cutoff = self.cutoff
        if not cutoff:
            return -1
        return 1 if self.counts.get(subject, 1) - 1 < cutoff else 0

    def head_starts(self) -> int:
        """The smallest view count such that the people viewed at least that often are at
        most `head` of everyone counted."""
        most = self.head * len(self.counts)
        above = 0
        cutoff = 0
        for count in sorted(self.sizes, reverse=True):
            above += self.sizes[count]
            if above > most:
                break
            cutoff = count
        return cutoff if cutoff else max(self.sizes, default=0) + 1

    def _halve(self, times: int) -> None:
        """Halve every count `times` times (dropping the people left at 0), so that old views
        fade."""
        counts = {s: c >> times for s, c in self.counts.items() if c >> times}
        sizes: dict[int, int] = {}
        views = 0
        for c in counts.values():
            sizes[c] = sizes.get(c, 0) + 1
            views += c
        self.counts, self.sizes = counts, sizes
        # The views still counted: most people were viewed once or twice, and halve to
        # nothing, so halving the total instead left it far above what is counted.
        self.views = views
        self._recompute_at = self.views + RECOMPUTE_EVERY
        self.cutoff = self.head_starts() if self.views >= self.ready_after else 0
