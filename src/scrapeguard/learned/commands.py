"""`scrapeguard model`: train the session model on labelled traffic, or describe one."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import replace
from typing import Any

from ..demo.commands import add_run_arguments, labelled_runs, run_config
from ..detectors.model import ModelSettings
from ..outfiles import check_writable, write_file
from .features import FEATURES, shown
from .model import load_model

DEFAULT_SEEDS = "1,2"


def add_parsers(sub: Any) -> None:
    """Register `model train` and `model show` on the `scrapeguard` parser's subcommands."""
    m = sub.add_parser(
        "model",
        help="train the session model on labelled traffic, or describe a model file",
        description="The learned layer's session model (docs/model.md).",
    )
    msub = m.add_subparsers(dest="model_command", required=True, metavar="COMMAND")
    t = msub.add_parser(
        "train",
        help="train a model file on a labelled log (or on simulated traffic)",
        description="Replay labelled traffic through the engine, take every actor's session "
        "features along its visit and train the classifier and the isolation forest. Needs "
        "scikit-learn (pip install 'scrapeguard[model]'). Without a log, the traffic is "
        "simulated from --seeds (how the shipped model is made).",
    )
    add_run_arguments(t, DEFAULT_SEEDS)
    t.add_argument("--out", "-o", required=True, metavar="FILE", help="model file to write")
    t.add_argument(
        "--leave-one-class-out",
        action="store_true",
        help="also train once without each scraper class and report how the class left out "
        "is judged",
    )
    t.set_defaults(run=_train)
    s = msub.add_parser("show", help="describe a model file (the shipped one by default)")
    s.add_argument("file", nargs="?", default="", help="model file")
    s.set_defaults(run=_show)


def _train(args: argparse.Namespace) -> int:
    from .train import Sessions, leave_one_class_out, sessions_of, train

    check_writable(args.out)  # before the training, not after
    every = Sessions()
    sources = []
    for label, events, truth, size in labelled_runs(args):
        site, policy = run_config(args, size)
        classes = {a.id: a.cls for a in truth.actors.values()}
        s = sessions_of(events, truth.labels, classes, site, policy)
        print(f"{label}: {len(s.rows):,} session snapshots of {len(set(s.actor)):,} actors")
        every.extend(s)
        if not args.log:
            # Simulated lines name whom each page of people listed, as an inline integration
            # does; a plain log cannot. The shipped model serves both, so it learns both.
            plain = [replace(e, disclosed=None) for e in events]
            every.extend(sessions_of(plain, truth.labels, classes, site, policy))
            print(f"{label}: the same, as a plain log that names nobody on a list")
        sources.append(label)
    what = os.path.basename(args.log) if args.log else f"simulated traffic ({', '.join(sources)})"
    document = train(every, f"trained on {what}")
    write_file(args.out, lambda fh: json.dump(document, fh, separators=(",", ":")))
    print(f"wrote {args.out}")
    if args.leave_one_class_out:
        d = ModelSettings()
        print(
            f"\nleft out of training (flagged as the detector flags: p ≥ {d.likely}, from "
            f"{d.min_people:.0f} people and {d.min_pages:.0f} pages on)"
        )
        head = ("class", "actors", "by last page", "at any page", "people, last", "any")
        print("{:<24}{:>8}{:>14}{:>13}{:>14}{:>7}".format(*head))
        for r in leave_one_class_out(every, d):
            print(
                f"{r.cls:<24}{r.actors:>8,}{r.flagged_last:>14.1%}{r.flagged_any:>13.1%}"
                f"{r.people_flagged_last:>14.1%}{r.people_flagged_any:>7.1%}"
            )
    return 0


def _show(args: argparse.Namespace) -> int:
    model = load_model(args.file)
    print(f"{model.source}: {model.description}")
    print(
        f"classifier: {len(model.classifier)} boosted trees; "
        f"isolation forest: {len(model.isolation)} trees"
    )
    print("features, and the range of the people it was trained on (1st to 99th percentile):")
    for (name, what), (lo, hi) in zip(FEATURES.items(), model.human_range, strict=True):
        span = f"{shown(name, lo)} to {shown(name, hi)}"
        print(f"  {name:<18} {span:<16} {what.removesuffix(' (log)')}")
    return 0
