"""The synthetic people of the demo site, generated with Faker from a fixed seed.

Nobody here is real and no contact detail can reach anyone: emails are at the reserved
example domains (RFC 2606) and phone numbers come from ranges reserved for fiction (UK
07700 900000-900999, North American 555-0100 to 555-0199).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property

from faker import Faker

#: 2026-09-01 00:00:00 UTC: simulated traffic starts here; accounts were created before it.
START = 1_788_220_800.0
DAY = 86400.0
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")
CANARY_PREFIX = "~canary-"


@dataclass(frozen=True, slots=True)
class Person:
    """One member of the demo site."""

    id: int
    username: str
    name: str
    bio: str
    location: str
    employer: str
    email: str
    phone: str
    created: float
    canary: bool = False

    @property
    def photo(self) -> str:
        """The avatar's path (a static asset)."""
        return f"/static/avatars/{self.id % 64}.svg"

    def public(self) -> dict[str, object]:
        """What anyone may see."""
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "photo": self.photo,
            "bio": self.bio,
            "location": self.location,
            "employer": self.employer,
        }

    def private(self) -> dict[str, object]:
        """What logged-in members also see: the contact fields."""
        return {**self.public(), "email": self.email, "phone": self.phone}


class Directory:
    """`size` people (plus a few hidden canary profiles), the same for the same `seed`."""

    def __init__(self, size: int = 5000, seed: int = 1, canaries: int = 5) -> None:
        if size < 10:
            raise ValueError("the directory needs at least 10 people")
        self.size = size
        self.seed = seed
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        rng = random.Random(seed)
        people: list[Person] = []
        taken: set[str] = set()
        for i in range(1, size + canaries + 1):
            canary = i > size
            first, last = fake.first_name(), fake.last_name()
            base = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
            username = base if base not in taken else f"{base}{i}"
            if canary:
                username = f"{CANARY_PREFIX}{rng.getrandbits(32):08x}"
            taken.add(username)
            people.append(
                Person(
                    id=i,
                    username=username,
                    name=f"{first} {last}",
                    bio=fake.sentence(nb_words=10),
                    location=fake.city(),
                    employer=fake.company(),
                    email=f"{username.lstrip('~')}@{EMAIL_DOMAINS[i % 3]}",
                    phone=fictional_phone(i),
                    created=START - rng.uniform(30, 3 * 365) * DAY,
                    canary=canary,
                )
            )
        self.people = people[:size]
        self.canaries = people[size:]
        self.by_username = {p.username: p for p in people}
        self.by_id = {p.id: p for p in people}
        self.by_contact = {p.email: p for p in people} | {p.phone: p for p in people}
        self._follows = [
            sorted(rng.sample(range(1, size + 1), k=min(size - 1, rng.randint(0, 60))))
            for _ in range(size + 1)
        ]

    def page(self, number: int, size: int) -> list[Person]:
        """Page `number` (from 1) of the directory, `size` people a page."""
        start = (max(1, number) - 1) * size
        return self.people[start : start + size]

    def search(self, term: str) -> list[Person]:
        """People whose name or username starts with `term` (or a word of the name does)."""
        term = term.strip().lower()
        if not term:
            return []
        return [p for p in self.people if any(k.startswith(term) for k in self._keys[p.id])]

    @cached_property
    def _keys(self) -> dict[int, tuple[str, ...]]:
        return {p.id: (p.username, *p.name.lower().split()) for p in self.people}

    def followers(self, person: Person) -> list[Person]:
        """Who follows `person` (canaries have no followers)."""
        if person.canary:
            return []
        return [self.by_id[i] for i in self._follows[person.id]]

    def lookup(self, contact: str) -> Person | None:
        """The member with this email address or phone number ("find people you know")."""
        key = contact.strip().lower()
        if key.startswith("+") or key[:1].isdigit():
            key = "+" + "".join(c for c in key if c.isdigit())
        found = self.by_contact.get(key)
        return found if found is not None and not found.canary else None


#: Area codes for North American fictional numbers (NPA-555-01XX is reserved for fiction).
_AREA_CODES = [a for a in range(201, 990) if a % 100 // 10 != 9 and a % 100 != 11]


def fictional_phone(index: int) -> str:
    """A distinct phone number from the ranges reserved for fiction, in E.164."""
    if index % 10 == 0 and index // 10 < 1000:  # some UK numbers: +44 7700 900xxx
        return f"+447700900{index // 10:03d}"
    area = _AREA_CODES[(index // 100) % len(_AREA_CODES)]
    return f"+1{area}55501{index % 100:02d}"
