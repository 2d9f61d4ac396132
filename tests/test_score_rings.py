"""The ring scorer of the generated counties (``tests/casegen/score_rings.py``)."""

from __future__ import annotations

import json

from tests.casegen.score_rings import main, planted_rings, score

TRUTH = {
    "rings": [{"id": "R01", "type": "cell", "members": ["P1", "P2", "P3"]},
              {"id": "R02", "type": "family", "members": ["P4", "P5", "P6", "P7"]}],
    "meeting_rings": [{"id": "M01", "type": "meeting", "members": ["P8", "P9", "P10"]}],
}
FOUND = {"rings": [{"members": ["P1", "P2", "P3"]}, {"members": ["P8", "P9", "P10"]},
                   {"members": ["P4", "P5", "P6", "P7"]}], "params": {}}


def test_a_found_meeting_ring_is_a_planted_ring_with_meetings():
    # without the meeting ring the group that meets is a miss among the top 2
    alone = score([set(r["members"]) for r in FOUND["rings"]], planted_rings(TRUTH))
    assert alone["k"] == 2 and alone["precision_at_k"] == 0.5 and alone["recall"] == 1.0
    both = score([set(r["members"]) for r in FOUND["rings"]],
                 planted_rings(TRUTH, meetings=True))
    assert both["k"] == 3 and both["precision_at_k"] == 1.0 and both["recall"] == 1.0
    assert planted_rings(TRUTH, ["meeting"], meetings=True) == [{"P8", "P9", "P10"}]


def test_cli_scores_a_sample_truth_with_its_meeting_rings(tmp_path, capsys):
    truth, found = tmp_path / "truth.json", tmp_path / "rings.json"
    truth.write_text(json.dumps(TRUTH), encoding="utf-8")
    found.write_text(json.dumps(FOUND), encoding="utf-8")
    result = main([str(truth), str(found), "--meetings"])
    assert result["k"] == 3 and result["precision_at_k"] == 1.0
    assert result["by_kind"]["meeting"] == {"planted": 1, "found": 1, "recall": 1.0}
    assert main([str(truth), str(found)])["precision_at_k"] == 0.5
    capsys.readouterr()
