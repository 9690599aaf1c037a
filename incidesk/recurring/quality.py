"""Measuring the similarity engine on a labelled set: how often "duplicate" is right (precision),
how many real duplicates it finds (recall), and how clean the groups are (purity).

Used by the quality test and to choose the thresholds documented in docs/recurring.md.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from incidesk.recurring import engine

LABELLED = Path(__file__).parent / "tests" / "data" / "labelled.jsonl"


@dataclass(frozen=True)
class Quality:
    precision: float
    recall: float
    purity: float
    grouped: float
    groups: int

    def __str__(self) -> str:
        return (
            f"precision {self.precision:.3f}, recall {self.recall:.3f}, purity {self.purity:.3f}, "
            f"grouped {self.grouped:.3f} of texts in {self.groups} groups"
        )


def load(path: Path = LABELLED) -> tuple[list[str], list[str]]:
    """The texts and their group labels."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [row["text"] for row in rows], [row["group"] for row in rows]


def measure(
    texts: list[str],
    labels: list[str],
    duplicate_threshold: float = engine.DUPLICATE_THRESHOLD,
    group_threshold: float = engine.GROUP_THRESHOLD,
) -> Quality:
    """Pairwise precision and recall of "score >= duplicate_threshold" against the labels, and
    the purity of `engine.cluster` (share of grouped texts in their group's majority label)."""
    space = engine.vectorise(texts)
    label_array = np.array(labels)
    predicted = actual = hits = 0
    for row in range(len(texts)):
        scores = space.text_scores(row)[row + 1 :]
        same = label_array[row + 1 :] == label_array[row]
        said = scores >= duplicate_threshold
        predicted += int(said.sum())
        actual += int(same.sum())
        hits += int((said & same).sum())
    groups = engine.cluster(space, group_threshold)
    grouped = sum(len(group) for group in groups)
    majority = sum(Counter(labels[i] for i in group).most_common(1)[0][1] for group in groups)
    return Quality(
        precision=hits / predicted if predicted else 0.0,
        recall=hits / actual if actual else 0.0,
        purity=majority / grouped if grouped else 0.0,
        grouped=grouped / len(texts),
        groups=len(groups),
    )
