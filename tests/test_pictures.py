"""Services and passers-by out of the way, on the sample case.

The demo's power company (ORG-POWER, 1,219 payers) and the carrier's number used to fill
the ring-plus-one-hop view, and both the strongest and the shortest path between the first
two organizers ran through ORG-POWER. Measured here on ``sample_data/``: no service in a
one-hop view or on a path between organizers unless asked for (``via_services``).
"""

from __future__ import annotations

import itertools
import subprocess

import pytest

from workbench.analysis import services
from workbench.case import Case

from .conftest import SAMPLE, WORKBENCH

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def sample_case(tmp_path_factory):
    case = Case(tmp_path_factory.mktemp("sample") / "case.duckdb")
    case.ingest([SAMPLE])
    return case


def _service_ids(case) -> set[str]:
    graph, _ = case.graph()
    return set(graph.ids[services(graph)].tolist())


def test_one_hop_views_keep_off_services_and_fold_one_offs(sample_case):
    svc = _service_ids(sample_case)
    assert {"ORG-POWER", "+8657188888888"} <= svc
    result = sample_case.rings()
    for ring in result.rings[:4]:
        vm = sample_case.view(ring=ring.id, hops=1)
        shown = set(vm.graph.nodes)
        assert not shown & svc, (ring.id, shown & svc)
        assert all(d.get("role") != "service" for _, d in vm.graph.nodes(data=True))
    first = sample_case.view(ring=result.rings[0].id, hops=1)
    folded = [d for _, d in first.graph.nodes(data=True) if d.get("kind") == "folded"]
    assert folded and sum(d["folded"] for d in folded) == first.meta["selection"]["folded"]
    assert first.graph.number_of_nodes() < 53  # was 53 with the services
    person = sample_case.view(person=result.rings[0].leader, hops=1)
    assert not set(person.graph.nodes) & svc
    # asked for, the services come back as small grey markers
    back = sample_case.view(ring=result.rings[0].id, hops=1, via_services=True)
    roles = {n: d.get("role") for n, d in back.graph.nodes(data=True)}
    assert roles.get("ORG-POWER") == "service"
    assert back.meta["request"]["via_services"] is True


def test_paths_between_organizers_pass_no_service(sample_case):
    svc = _service_ids(sample_case)
    leaders = [r.leader for r in sample_case.rings().rings]
    found = 0
    for a, b in itertools.combinations(leaders, 2):
        for path in sample_case.paths(a, b):
            found += 1
            assert not set(path["nodes"][1:-1]) & svc, (a, b, path["nodes"])
    assert found >= len(leaders)  # most organizers are still connected
    a, b = leaders[:2]
    via = sample_case.paths(a, b, via_services=True)
    assert any("ORG-POWER" in p["nodes"] for p in via)  # the old answer, on request
    chain = sample_case.temporal_path(a, b)
    assert not {h["to"] for h in chain[:-1]} & svc


def test_cli_path_and_snapshot_options(sample_case, cli_env, tmp_path):
    leaders = [r.leader for r in sample_case.rings().rings]
    db = str(sample_case.path)
    out = subprocess.run([*WORKBENCH, "path", "--db", db, leaders[0], leaders[1]],
                         capture_output=True, text=True, env=cli_env, check=True).stdout
    assert "ORG-POWER" not in out and "strongest" in out
    out = subprocess.run([*WORKBENCH, "path", "--db", db, leaders[0], leaders[1],
                          "--via-services"], capture_output=True, text=True, env=cli_env,
                         check=True).stdout
    assert "ORG-POWER" in out
    page = tmp_path / "hop.html"
    subprocess.run([*WORKBENCH, "snapshot", "--db", db, "--person", leaders[0], "--out",
                    str(page)], capture_output=True, text=True, env=cli_env, check=True)
    assert "ORG-POWER" not in page.read_text("utf-8")
