"""The Python module: load/save in both forms, inspection, verify, report, errors."""

import json
import pathlib

import pytest

import sluice

SAMPLES = pathlib.Path(__file__).resolve().parents[2] / "samples"


def test_samples_are_listed_and_build():
    names = sluice.sample_names()
    assert names == ["matmul", "softmax", "producer_consumer", "small_layer"]
    for name in names:
        assert sluice.sample(name).name == name


def test_unknown_sample_raises_with_diagnostic():
    with pytest.raises(sluice.Error) as info:
        sluice.sample("nope")
    assert "no sample named 'nope'" in str(info.value)
    (diagnostic,) = info.value.diagnostics
    assert diagnostic.severity == "error"
    assert diagnostic.message == "no sample named 'nope'"


def test_load_json_file_and_inspect_matmul():
    p = sluice.load(str(SAMPLES / "matmul.sluice.json"))
    assert p.name == "matmul"
    assert p.symbols == {"K": "i64", "M": "i64", "N": "i64"}
    by_name = {c.name: c for c in p.containers}
    assert by_name["A"].dtype == "f32"
    assert by_name["A"].shape == ["M", "K"]
    assert by_name["A"].strides == ["K", "1"]
    assert not by_name["A"].transient
    labels = [s.label for s in p.states]
    assert labels == ["init", "main"]
    main = p.states[1]
    (mm,) = [n for n in main.nodes if n.kind == "map"]
    assert mm.label == "mm"
    assert [name for name, _ in mm.params] == ["i", "j", "k"]
    (tasklet,) = [n for n in mm.body_nodes if n.kind == "tasklet"]
    assert tasklet.inputs == ["a", "b"]
    out_edge = [e for e in main.edges if e.src == mm.id][0]
    assert out_edge.data == "C"
    assert out_edge.wcr == "sum"
    assert out_edge.subset == "0:M, 0:N"


def test_text_and_json_round_trip(tmp_path):
    for name in sluice.sample_names():
        p = sluice.sample(name)
        text = p.to_text()
        assert sluice.loads(text, "text") == p
        assert sluice.loads(p.to_json(), "json") == p
        for suffix in (".sluice.json", ".sluice.txt"):
            path = tmp_path / (name + suffix)
            p.save(str(path))
            assert sluice.load(str(path)) == p


def test_verify_clean_samples():
    for name in sluice.sample_names():
        assert sluice.sample(name).verify() == []


def test_verify_reports_a_broken_program():
    text = sluice.sample("producer_consumer").to_json()
    doc = json.loads(text)
    # Make 'Y' one element too small: the consumer now writes past its end.
    for c in doc["containers"]:
        if c["name"] == "Y":
            c["shape"] = ["N - 1"]
            c["strides"] = ["1"]
    broken = sluice.loads(json.dumps(doc), "json")
    diagnostics = broken.verify()
    assert diagnostics, "a write past the end must be reported"
    assert any("'Y'" in d.message or "'Y'" in d.location for d in diagnostics)


def test_report_matches_hand_count_for_producer_consumer():
    p = sluice.sample("producer_consumer")
    n = 1000
    report = p.report({"N": n})
    # produce reads X and writes T; consume reads T and writes Y: 4 arrays of n f32 moved.
    assert report["total"]["reads"] == 2 * 4 * n
    assert report["total"]["writes"] == 2 * 4 * n


def test_report_requires_symbol_values():
    with pytest.raises(sluice.Error) as info:
        sluice.sample("producer_consumer").report({})
    assert "N" in str(info.value)


def test_bad_file_gives_error_with_location(tmp_path):
    bad = tmp_path / "bad.sluice.json"
    bad.write_text('{"format": "sluice-program", "version": 1, "name": ')
    with pytest.raises(sluice.Error) as info:
        sluice.load(str(bad))
    assert str(bad) in str(info.value)
    with pytest.raises(sluice.Error) as info:
        sluice.load(str(tmp_path / "missing.sluice.json"))
    assert "cannot open" in str(info.value)
    with pytest.raises(sluice.Error):
        sluice.loads("program {", "text")
    with pytest.raises(sluice.Error) as info:
        sluice.loads("{}", "yaml")
    assert "unknown program format 'yaml'" in str(info.value)


def test_programs_are_values():
    p = sluice.sample("matmul")
    q = p.copy()
    assert p == q
    assert p != sluice.sample("softmax")
