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


def test_a_recipe_moves_the_base_to_its_inputs_and_sampling():
    from massmap.compare.studies import BaseSettings

    base = BaseSettings(inputs=("sin", "cos", "coherence"), neg_ratio=2.0)
    runs = comparison_runs(["unet", "linknet"], ["resnet18"], ablation_arch="unet", base=base)
    grid = [r for r in runs if r.study == STUDY_ARCHITECTURE]
    assert [r.name for r in grid] == ["unet-resnet18-recipe-neg2-hard", "linknet-resnet18-recipe-neg2-hard"]
    ratio = [r for r in runs if r.study == STUDY_RATIO]
    assert {r.inputs for r in ratio} == {("sin", "cos", "coherence")}
    assert [r.neg_ratio for r in ratio] == [0.0, 1.0, 1.0, 3.0, 3.0]
    encoding = [r for r in runs if r.study == STUDY_ENCODING]
    # The recipe's own inputs lead the input ablation and share the architecture row's model.
    assert encoding[0].setting == "recipe: sin, cos, coherence" and encoding[0].name == grid[0].name
    assert [r.inputs for r in encoding[1:]] == [None] * 5 and {r.neg_ratio for r in encoding} == {2.0}


def test_a_recipe_gives_every_run_its_training_settings_but_not_the_comparisons_own(tmp_path):
    from massmap.compare import BenchmarkConfig
    from massmap.train.config import TrainConfig
    from tests.train.factories import write_training_set

    manifest = str(write_training_set(tmp_path / "data"))
    recipe = tmp_path / "train_config.json"
    settings = TrainConfig(manifest="elsewhere.csv", out="old", init="default", freeze_epochs=2,
                           loss="bce-image-dice", lr=5e-4, crop_sizes=[64, 128],
                           inputs=["sin", "cos", "res4_sin", "res4_cos", "coherence"], neg_ratio=2.0, batch_size=16,
                           max_minutes=80.0)
    recipe.write_text(settings.to_json())
    config = BenchmarkConfig(manifest=manifest, out=str(tmp_path / "out"), archs=["unet"], budget_minutes=30.0,
                             batch_size=8, patch_size=128, recipe=str(recipe))
    runs = config.runs()
    grid = config.train_config(runs[0])
    assert (grid.loss, grid.lr, grid.crop_sizes, grid.neg_ratio) == ("bce-image-dice", 5e-4, [64, 128], 2.0)
    assert grid.channels == ("sin", "cos", "res4_sin", "res4_cos", "coherence")
    assert (grid.manifest, grid.batch_size, grid.max_minutes, grid.init, grid.freeze_epochs) == (
        manifest, 8, 30.0, None, 0)
    raw = next(r for r in runs if r.study == STUDY_ENCODING and r.encoding == "raw")
    assert config.train_config(raw).channels == ("phase", "coherence")
