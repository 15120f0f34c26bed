"""An exercise sheet's file, `scalarnet.exercise/1`: read back, with every stored answer checked.

The file (written by `Sheet.json()`) holds the network as a network file writes it, the
input, the target if any, the seed and kinds, and the blanks. Reading it makes the pass
again and takes each blank from it, so a sheet whose stored answer is not the network's
value (edited, or from another network) is refused rather than graded.
"""

from __future__ import annotations

import json

from .errors import ScalarnetError
from .files import from_dict
from .exercise import FORMAT, ExerciseError, Sheet, all_candidates, make

__all__ = ["load_sheet", "loads_sheet"]


def loads_sheet(text: str, label: str = "<sheet>") -> Sheet:
    """A sheet from its JSON text: the network and pass made again, every stored answer checked."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ExerciseError(f"{label}: line {e.lineno}, column {e.colno}: invalid JSON: {e.msg}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        got = data.get("format") if isinstance(data, dict) else type(data).__name__
        raise ExerciseError(f"{label}: not an exercise sheet (format {got!r}; expected {FORMAT!r})")
    try:
        net = from_dict(data["network"])
        kinds = tuple(data["kinds"])
        made = make(net, data["input"], data.get("target"), kinds, None, data["seed"], data["digits"])
        stored = data["blanks"]
        if not isinstance(stored, list):
            raise ExerciseError('"blanks" should be a list')
        every = all_candidates(made.trace, made.gradients, kinds, made.digits)
        found = {(b.kind, b.where()): b for b in every}
        blanks = []
        for n, entry in enumerate(stored):
            place = (entry["kind"], entry["neuron"] or entry["layer"])
            key = (place[0], place[1] if "term" not in entry else f"{place[1]}[{entry['term']}]")
            if key not in found:
                raise ExerciseError(f"blanks[{n}]: no {key[0]} {key[1]!r} in the pass")
            b = found.pop(key)
            b.id = entry["id"]
            if not isinstance(b.id, str) or not b.id or b.id in [c.id for c in blanks]:
                raise ExerciseError(f"blanks[{n}]: the id {b.id!r} is not a new non-empty string")
            if b.to_dict()["answer"] != entry["answer"]:
                raise ExerciseError(f"blanks[{n}] ({b.id!r}): the answer {entry['answer']!r} is not "
                                    f"the network's value {b.to_dict()['answer']!r}")
            blanks.append(b)
    except KeyError as e:
        raise ExerciseError(f"{label}: the sheet has no {e} (a sheet written by `scalarnet "
                            "exercise` has it)") from None
    except (TypeError, AttributeError) as e:
        raise ExerciseError(f"{label}: a part of the sheet has the wrong type ({e})") from None
    except ScalarnetError as e:
        raise ExerciseError(f"{label}: {e}") from None
    return Sheet(net, made.input, made.target, blanks, made.seed, kinds, made.digits,
                 made.trace, made.gradients)


def load_sheet(path) -> Sheet:
    """A sheet from a `scalarnet.exercise/1` JSON file."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ExerciseError(f"cannot read the sheet {str(path)!r} ({e.strerror})") from None
    except UnicodeDecodeError as e:
        raise ExerciseError(f"{path}: not UTF-8 text ({e.reason})") from None
    return loads_sheet(text, str(path))
