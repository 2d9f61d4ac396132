"""Who a record names: ID numbers, names and pinyin, match weights, review decisions.

The stage (:func:`resolve`) runs after every ingest and decision; :mod:`.review` lists how
records were attributed and what waits for review; :mod:`.decisions` stores the analysts'
accept / reject / merge / split decisions.
"""

from .decisions import ACTIONS, DecisionPlan, add_decision, parse_ref, record_key, undo_decision
from .ids import as_given, id_facts, id_form, to18, typo_neighbours
from .names import clean_name, pinyin_key, pinyin_keys
from .resolve import resolve

__all__ = ["ACTIONS", "DecisionPlan", "add_decision", "undo_decision", "parse_ref",
           "record_key", "as_given", "id_facts", "id_form", "to18", "typo_neighbours",
           "clean_name", "pinyin_key", "pinyin_keys", "resolve"]
