"""The comparison's runs: every combination once, and the two ablations with the settings reviewers asked for."""

from __future__ import annotations

from massmap.compare.studies import STUDY_ARCHITECTURE, STUDY_ENCODING, STUDY_RATIO, ablation_runs, comparison_runs


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


def test_encoding_ablation_is_every_registered_encoding_and_the_base_run_is_shared():
    runs = comparison_runs(["unetplusplus"], ["resnet18"])
    encoding = [r for r in runs if r.study == STUDY_ENCODING]
    assert [r.encoding for r in encoding] == ["sincos", "raw", "repeat", "residual", "sincos+residual"]
    assert {r.neg_ratio for r in encoding} == {0.0}
    # The architecture row, "positives only" and "sincos" are one model: 1 + 4 + 4 models for 11 rows.
    assert len(runs) == 11 and len({r.name for r in runs}) == 9


def test_input_ablation_adds_slope_and_los_only_when_every_scene_has_them(tmp_path):
    from massmap.compare import BenchmarkConfig
    from tests.train.factories import write_training_set

    def encoding_rows(manifest):
        config = BenchmarkConfig(manifest=str(manifest), out=str(tmp_path / "out"), archs=["unet"])
        return config, [r for r in config.runs() if r.study == STUDY_ENCODING]

    _, plain = encoding_rows(write_training_set(tmp_path / "plain"))
    assert [r.setting for r in plain] == ["sincos", "raw", "repeat", "residual", "sincos+residual"]
    config, terrain = encoding_rows(write_training_set(tmp_path / "terrain", terrain=True))
    assert [r.setting for r in terrain] == ["sincos", "raw", "repeat", "residual", "sincos+residual",
                                            "sincos + slope + los"]
    settings = config.train_config(terrain[-1])
    assert settings.channels == ("sin", "cos", "coherence", "slope", "los")
    assert terrain[-1].name == "unetplusplus-resnet18-sincos-slope-los-neg0"
