"""The comparison's runs: every combination once, and the two ablations with the settings reviewers asked for."""

from __future__ import annotations

from massmap.compare.grid import STUDY_ARCHITECTURE, STUDY_ENCODING, STUDY_RATIO, ablation_runs, comparison_runs


def test_grid_holds_every_architecture_with_every_encoder():
    runs = comparison_runs(["unet", "fpn"], ["resnet18", "resnet34"], ablations=False)
    assert [(r.arch, r.encoder) for r in runs] == [("unet", "resnet18"), ("unet", "resnet34"),
                                                    ("fpn", "resnet18"), ("fpn", "resnet34")]
    assert {r.study for r in runs} == {STUDY_ARCHITECTURE}
    assert len({r.name for r in runs}) == 4


def test_ratio_ablation_is_0_1_and_3_negatives_with_and_without_hard_negatives():
    runs = [r for r in ablation_runs("unetplusplus", "resnet18") if r.study == STUDY_RATIO]
    assert [(r.neg_ratio, r.hard_negatives) for r in runs] == [(0.0, True), (1.0, True), (1.0, False),
                                                                (3.0, True), (3.0, False)]
    assert [r.setting for r in runs][-1] == "1:3, no hard negatives"
    assert {r.encoding for r in runs} == {"sincos"}


def test_encoding_ablation_is_sincos_raw_repeat_and_the_base_run_is_shared():
    runs = comparison_runs(["unetplusplus"], ["resnet18"])
    encoding = [r for r in runs if r.study == STUDY_ENCODING]
    assert [r.encoding for r in encoding] == ["sincos", "raw", "repeat"]
    assert {r.neg_ratio for r in encoding} == {0.0}
    # The architecture row, "positives only" and "sincos" are one model: 1 + 4 + 2 models for 9 rows.
    assert len(runs) == 9 and len({r.name for r in runs}) == 7
