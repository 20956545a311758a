"""The template grammar that generated nnstudio's shipped sentiment corpus.

``nnstudio/data/sentiment.csv`` is the output of ``python -m nnstudio.core.data.corpus_grammar``;
a test checks that the file and the grammar agree. The grammar mixes plain opinions with
negations ("was not good", "was far from bad"), contrasts whose last clause decides ("the
plot was dull but the acting was superb") and words that appear with both labels ("never",
"not", "but"), so word order matters and a sequence model beats a bag of words.
Must not import Qt or Keras.
"""

from __future__ import annotations

import csv
import io
import random
import sys

SUBJECTS = {
    "movie": [
        "the movie",
        "the film",
        "the plot",
        "the acting",
        "the soundtrack",
        "the ending",
        "the dialogue",
        "the cast",
        "the story",
        "the cinematography",
        "the sequel",
        "the script",
    ],
    "food": [
        "the food",
        "the soup",
        "the pasta",
        "the dessert",
        "the coffee",
        "the pizza",
        "the service",
        "the waiter",
        "the menu",
        "the bread",
        "the curry",
        "the salad",
    ],
    "hotel": [
        "the hotel",
        "the room",
        "the bed",
        "the staff",
        "the breakfast",
        "the view",
        "the pool",
        "the location",
        "the shower",
        "the lobby",
        "the check in",
    ],
    "product": [
        "the phone",
        "the laptop",
        "the battery",
        "the screen",
        "the keyboard",
        "the charger",
        "the camera",
        "the headset",
        "the app",
        "the update",
        "the blender",
        "the kettle",
    ],
    "book": [
        "the book",
        "the novel",
        "the first chapter",
        "the author",
        "the main character",
        "the prose",
        "the translation",
        "the poetry",
        "the biography",
    ],
    "game": [
        "the game",
        "the level design",
        "the control scheme",
        "the multiplayer",
        "the art style",
        "the puzzle design",
        "the boss fight",
        "the tutorial",
    ],
    "trip": [
        "the trip",
        "the tour",
        "the guide",
        "the flight",
        "the train ride",
        "the museum",
        "the concert",
        "the festival",
        "the beach",
    ],
}
POSITIVE = {
    "any": [
        "good",
        "great",
        "excellent",
        "wonderful",
        "brilliant",
        "superb",
        "fantastic",
        "lovely",
        "pleasant",
        "impressive",
        "delightful",
        "enjoyable",
        "outstanding",
        "terrific",
        "charming",
        "solid",
        "fun",
        "remarkable",
        "marvellous",
        "splendid",
    ],
    "movie": ["gripping", "moving", "clever", "funny", "beautiful", "thrilling", "touching"],
    "food": ["tasty", "delicious", "fresh", "flavourful", "friendly", "generous", "perfectly cooked"],
    "hotel": ["clean", "comfortable", "spotless", "quiet", "cosy", "welcoming", "spacious"],
    "product": ["reliable", "fast", "sturdy", "responsive", "sleek", "durable", "intuitive"],
    "book": ["engaging", "insightful", "witty", "elegant", "captivating", "profound"],
    "game": ["addictive", "polished", "smooth", "rewarding", "inventive", "gorgeous"],
    "trip": ["relaxing", "memorable", "well organised", "breathtaking", "informative", "punctual"],
}
NEGATIVE = {
    "any": [
        "bad",
        "terrible",
        "awful",
        "boring",
        "dull",
        "disappointing",
        "poor",
        "horrible",
        "mediocre",
        "weak",
        "dreadful",
        "tedious",
        "forgettable",
        "annoying",
        "lousy",
        "pathetic",
        "frustrating",
        "miserable",
        "unpleasant",
        "dismal",
    ],
    "movie": ["predictable", "confusing", "clumsy", "shallow", "overlong", "pretentious", "wooden"],
    "food": ["bland", "stale", "greasy", "cold", "overcooked", "rude", "overpriced"],
    "hotel": ["dirty", "noisy", "cramped", "shabby", "damp", "smelly", "uncomfortable"],
    "product": ["flimsy", "slow", "buggy", "fragile", "unreliable", "clunky", "faulty"],
    "book": ["dry", "clumsy", "rambling", "preachy", "shallow", "unreadable"],
    "game": ["glitchy", "repetitive", "unfair", "sluggish", "broken", "ugly"],
    "trip": ["exhausting", "chaotic", "late", "crowded", "stressful", "disorganised"],
}
INTENSIFIERS = ["", "", "", "very ", "really ", "truly ", "quite ", "absolutely ", "so ", "incredibly ", "rather "]
BE = ["was", "is", "was", "is", "seemed", "felt"]
NEGATED_BE = [
    "was not",
    "is not",
    "wasn't",
    "isn't",
    "was never",
    "was hardly",
    "was not at all",
    "did not seem",
    "was far from",
    "was anything but",
]
LIKE = ["loved", "enjoyed", "liked", "adored", "appreciated", "was impressed by"]
DISLIKE = ["hated", "disliked", "regretted", "was annoyed by", "could not stand", "was let down by"]
OPENERS = [
    "",
    "",
    "",
    "honestly ",
    "overall ",
    "to be fair ",
    "in the end ",
    "frankly ",
    "i think ",
    "i have to say ",
    "all in all ",
    "well ",
]
POS_TAILS = [
    "i would go back",
    "i would recommend it",
    "worth every penny",
    "i will tell my friends",
    "five stars",
    "i want more",
    "a real treat",
]
NEG_TAILS = [
    "i would not go back",
    "i would not recommend it",
    "a waste of money",
    "never again",
    "one star",
    "i want a refund",
    "avoid it",
]


def _adjective(rng: random.Random, domain: str, positive: bool) -> str:
    table = POSITIVE if positive else NEGATIVE
    pool = table["any"] + table[domain] * 2
    return rng.choice(pool)


def _sentence(rng: random.Random, positive: bool) -> str:
    """Return one sentence whose meaning has the requested polarity."""
    domain = rng.choice(sorted(SUBJECTS))
    subject = rng.choice(SUBJECTS[domain])
    other = rng.choice([s for s in SUBJECTS[domain] if s != subject])
    opener = rng.choice(OPENERS)
    form = rng.randrange(12)
    if form == 0:
        text = f"{subject} {rng.choice(BE)} {rng.choice(INTENSIFIERS)}{_adjective(rng, domain, positive)}"
    elif form == 1:
        text = f"{subject} {rng.choice(NEGATED_BE)} {_adjective(rng, domain, not positive)}"
    elif form == 2:
        first, last = _adjective(rng, domain, not positive), _adjective(rng, domain, positive)
        text = f"{subject} was {first} but {other} was {rng.choice(INTENSIFIERS)}{last}"
    elif form == 3:
        first, last = _adjective(rng, domain, not positive), _adjective(rng, domain, positive)
        text = f"although {subject} was {first}, {other} was {last}"
    elif form == 4:
        verb = rng.choice(LIKE if positive else DISLIKE)
        text = f"i {verb} {subject}"
    elif form == 5:
        text = f"i did not like {subject}" if not positive else f"i did not expect to like {subject} but i did"
    elif form == 6:
        text = f"i would {'' if positive else 'never '}recommend {subject}"
    elif form == 7:
        text = f"i have never seen such {_a(_adjective(rng, domain, positive))} {subject.split(' ', 1)[1]}"
    elif form == 8:
        text = f"there was nothing {_adjective(rng, domain, not positive)} about {subject}"
    elif form == 9:
        expected = _adjective(rng, domain, not positive)
        actual = _adjective(rng, domain, positive)
        text = f"i expected {subject} to be {expected} but it was {actual}"
    elif form == 10:
        text = f"nobody could call {subject} {_adjective(rng, domain, not positive)}"
    else:
        adjective = _adjective(rng, domain, positive)
        tail = rng.choice(POS_TAILS if positive else NEG_TAILS)
        text = f"{subject} was {adjective}, {tail}"
    return (opener + text).strip()


def _a(word: str) -> str:
    return ("an " if word[0] in "aeiou" else "a ") + word


def generate_corpus(per_class: int = 1000, seed: int = 20240611) -> list[tuple[str, str]]:
    """Return ``per_class`` unique positive and negative sentences, interleaved.

    Parameters
    ----------
    per_class:
        Sentences per label.
    seed:
        Seed of the grammar's random choices; the shipped file uses the default.

    Returns
    -------
    list of (text, label)
        Labels are ``"positive"`` and ``"negative"``; positives and negatives alternate.
    """
    rng = random.Random(seed)
    chosen: dict[bool, list[str]] = {True: [], False: []}
    seen: set[str] = set()
    while min(len(v) for v in chosen.values()) < per_class:
        for positive in (True, False):
            if len(chosen[positive]) >= per_class:
                continue
            text = _sentence(rng, positive)
            if text not in seen:
                seen.add(text)
                chosen[positive].append(text)
    rows: list[tuple[str, str]] = []
    for pos, neg in zip(chosen[True], chosen[False]):
        rows.extend([(pos, "positive"), (neg, "negative")])
    return rows


def corpus_csv(rows: list[tuple[str, str]]) -> str:
    """Return the corpus as CSV text with a ``text,label`` header and ``\\n`` line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["text", "label"])
    writer.writerows(rows)
    return buffer.getvalue()


def main() -> int:
    """Write the corpus CSV to standard output."""
    sys.stdout.write(corpus_csv(generate_corpus()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
