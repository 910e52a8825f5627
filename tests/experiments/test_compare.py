"""The test bed: token and time accounting, interpolation, intervals, mechanism and orchestration shares on
synthetic logs; --quick end to end."""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readme_commands import REPO_ROOT, argv, documented, substituted

# The experiments are scripts importing each other by name, as they do when run
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "experiments"))
import compare_mgrpo_grpo as compare  # noqa: E402
import test_bed_report as report  # noqa: E402
import test_bed_runs as bed_runs  # noqa: E402
import test_bed_steps as bed_steps  # noqa: E402

VAL = "val-core/arith/two_turn"


def _write_log(path, entries):
    path.write_text("".join(json.dumps({"step": s, "data": d}) + "\n" for s, d in entries))


def _val(acc):
    return {f"{VAL}/acc_t1": acc, f"{VAL}/acc_t2": acc + 0.1, f"{VAL}/delta": 0.1, f"{VAL}/i2c": 0.2,
            f"{VAL}/c2i": 0.1}


def _train(seconds, **data):
    return {"actor/grad_norm": 1, "timing_s/step": seconds, **data}


def test_grpo_tokens_are_mean_length_times_rows_and_mgrpo_counts_every_generated_token(tmp_path):
    _write_log(tmp_path / "g.jsonl", [(0, _val(0.5)), (1, _train(2.0, **{"response_length/mean": 10.0})),
                                       (2, _train(3.0, **{"response_length/mean": 20.0}, **_val(0.6)))])
    grpo = bed_runs.curve(tmp_path / "g.jsonl")
    assert [(p["tokens"], p["seconds"]) for p in grpo["points"]] == [(0.0, 0.0), (30.0 * bed_runs.ROWS_PER_STEP, 5.0)]
    _write_log(tmp_path / "m.jsonl", [(0, _val(0.5)), (1, _train(4.0, **{"mgrpo/rollout_tokens": 700.0}, **_val(0.7)))])
    mgrpo = bed_runs.curve(tmp_path / "m.jsonl")
    assert [(p["step"], p["tokens"]) for p in mgrpo["points"]] == [(0, 0.0), (1, 700.0)]
    assert [p["acc_t2"] for p in mgrpo["points"]] == pytest.approx([0.6, 0.8])


def _points(*rows):
    return [{"step": i, "tokens": t, "seconds": s, **dict.fromkeys(report.METRICS, a)} for i, (t, s, a) in enumerate(rows)]


def test_at_budget_interpolates_between_validations_and_never_extrapolates():
    points = _points((0, 0, 0.5), (100, 10, 0.7))
    assert report.at_budget(points, "tokens", 25)["acc_t1"] == pytest.approx(0.55)
    assert report.at_budget(points, "seconds", 10)["c2i"] == pytest.approx(0.7)
    assert report.at_budget(points, "tokens", 101) is None


def test_mean_ci_is_a_student_t_interval():
    mean, half = report.mean_ci([1.0, 2.0, 3.0])
    assert mean == 2.0 and half == pytest.approx(4.303 / 3 ** 0.5, rel=1e-4)
    assert report.mean_ci([0.4]) == (0.4, 0.0)


def _run(seed, *rows, boot="boot A"):
    return {"seed": seed, "machine": "cpu", "boot": boot, "points": _points(*rows), "steps": [_layer2_step(1.0, 0.5)]}


def test_equal_budgets_compare_each_seed_at_the_baselines_final_tokens_and_skip_runs_short_of_it():
    grpo = [_run(1, (0, 0, 0.5), (100, 10, 0.6)), _run(2, (0, 0, 0.5), (120, 20, 0.8))]
    mgrpo = [_run(1, (0, 0, 0.5), (200, 40, 0.9)), _run(2, (0, 0, 0.5), (50, 5, 0.9))]
    table = report.at_equal_budgets({"grpo": grpo, "mgrpo": mgrpo})
    assert table["tokens", "grpo"]["budget"] == 100 and table["tokens", "grpo"]["runs"] == 2  # both reach it
    assert table["tokens", "grpo"]["acc_t1"][0] == pytest.approx((0.6 + 0.5 + 0.3 * 100 / 120) / 2)
    assert table["tokens", "mgrpo"]["runs"] == 1 and table["tokens", "mgrpo"]["acc_t1"][0] == pytest.approx(0.7)
    # paired: MGRPO seed 1 (0.7) minus GRPO seed 1 (0.6) at 100 tokens; seed 2 never reached them
    assert table["tokens", "mgrpo"]["paired"]["grpo"]["pairs"] == 1
    assert table["tokens", "mgrpo"]["paired"]["grpo"]["acc_t1"] == pytest.approx((0.1, 0.0))
    assert table["tokens", "grpo"]["paired"] == {}
    # equal updates: the fewest steps of any arm (GRPO validates to step 2 here, MGRPO only to step 1)
    longer = [_run(1, (0, 0, 0.5), (100, 10, 0.6), (200, 20, 0.8))]
    table = report.at_equal_budgets({"grpo": longer, "mgrpo": mgrpo})
    assert table["step", "grpo"]["budget"] == 1 and table["step", "mgrpo"]["runs"] == 2
    assert table["step", "grpo"]["acc_t1"][0] == pytest.approx(0.6)


def test_equal_time_reads_each_seed_at_its_own_grpo_runs_time_in_the_same_boot_only():
    grpo = [_run(1, (0, 0, 0.5), (100, 10, 0.6)), _run(2, (0, 0, 0.5), (100, 40, 0.7), boot="boot B"),
            _run(3, (0, 0, 0.5), (100, 10, 0.6), boot=None)]
    mgrpo = [_run(1, (0, 0, 0.5), (200, 40, 0.9)),  # read at 10 s: 0.6
             _run(2, (0, 0, 0.5), (200, 80, 0.9), boot="boot B"),  # read at 40 s, not at seed 1's 10: 0.7
             _run(3, (0, 0, 0.5), (200, 40, 0.9), boot=None)]  # no boot id: pairs with none
    table = report.at_equal_budgets({"grpo": grpo, "mgrpo": mgrpo})
    row = table["seconds", "mgrpo"]
    assert row["runs"] == row["paired"]["grpo"]["pairs"] == 2 and row["unpaired"] == 1
    assert row["budget"] == pytest.approx(25)
    assert row["acc_t1"][0] == pytest.approx(0.65) and row["paired"]["grpo"]["acc_t1"][0] == pytest.approx(0.0)
    assert table["seconds", "grpo"]["runs"] == 3  # GRPO at its own end, whatever its machine
    elsewhere = [{**mgrpo[1], "boot": "boot A"}]  # seed 2 again, in another boot than seed 2's GRPO run
    row = report.at_equal_budgets({"grpo": grpo, "mgrpo": elsewhere})["seconds", "mgrpo"]
    assert (row["runs"], row["unpaired"], row["budget"]) == (0, 1, None)
    text, _ = report.report({"grpo": grpo, "mgrpo": elsewhere}, {}, [])
    assert "| training s | mgrpo | 0 (no GRPO run of its seeds in its boot) |" in text


def test_ablations_are_paired_with_mgrpo_and_with_grpo_seed_by_seed():
    grpo = [_run(1, (0, 0, 0.5), (100, 10, 0.6)), _run(2, (0, 0, 0.5), (100, 10, 0.6))]
    mgrpo = [_run(1, (0, 0, 0.5), (200, 20, 0.7)), _run(2, (0, 0, 0.5), (200, 20, 0.9))]  # 0.6, 0.7 at 100 tokens
    ablation = [_run(2, (0, 0, 0.5), (200, 20, 0.7))]  # one seed: 0.6 at 100 tokens
    curves = {"grpo": grpo, "mgrpo": mgrpo, "mgrpo augment_n=4": ablation}
    assert report.references("mgrpo augment_n=4", curves) == ["grpo", "mgrpo"]
    assert report.references("mgrpo", curves) == ["grpo"] and report.references("grpo", curves) == []
    paired = report.at_equal_budgets(curves)["tokens", "mgrpo augment_n=4"]["paired"]
    assert paired["mgrpo"]["pairs"] == paired["grpo"]["pairs"] == 1  # seed 2 only, not seed 1's MGRPO run
    assert paired["mgrpo"]["acc_t1"][0] == pytest.approx(-0.1) and paired["grpo"]["acc_t1"][0] == pytest.approx(0.0)
    text, _ = report.report(curves, {}, [])
    assert "| 100 tokens | mgrpo augment_n=4 | mgrpo | 1 | -10.0 ± 0.0 |" in text
    # equal tokens only: the shorter ablation runs leave the equal-steps budget to GRPO and MGRPO
    long_mgrpo = [_run(1, (0, 0, 0.5), (100, 10, 0.6), (200, 20, 0.7))]
    table = report.at_equal_budgets({"grpo": long_mgrpo, "mgrpo": long_mgrpo, "mgrpo augment_n=4": ablation})
    assert table["step", "mgrpo"]["budget"] == 2 and ("step", "mgrpo augment_n=4") not in table


def test_the_learning_goal_counts_gains_within_the_time_limit_and_needs_an_interval_above_zero():
    seeds = [{"points": _points((0, 0, 0.60), (10, 600, 0.70), (20, 1800, 0.90))},  # 0.80 at 1200 s, not 0.90
            {"points": _points((0, 0, 0.60), (10, 1000, 0.68))},  # its last validation, inside the limit
            {"points": _points((0, 0, 0.62), (10, 1200, 0.71))}]
    goal = report.learning_goal(seeds)
    assert goal["gains"] == pytest.approx([0.20, 0.08, 0.09])
    assert not goal["met"]  # mean 0.123 but the spread is wide: half-width 4.303 * 0.067 / sqrt(3) = 0.166
    steady = [{"points": _points((0, 0, 0.60), (10, 1000, 0.60 + gain))} for gain in (0.08, 0.09, 0.10)]
    assert report.learning_goal(steady)["met"]
    assert not report.learning_goal(steady[:2])["met"]  # fewer than 3 seeds
    assert not report.learning_goal(steady, gain=0.095)["met"]  # a mean below the goal


def test_the_report_states_the_goal_it_checked(tmp_path):
    for seed in (1, 2, 3):
        _write_log(tmp_path / f"grpo_seed{seed}.jsonl",
                   [(0, _val(0.5)), (1, _train(60.0, **{"response_length/mean": 10.0, "timing_s/gen": 30.0},
                                                    **_val(0.56 + seed / 100)))])
    curves = {"grpo": [bed_runs.curve(tmp_path / f"grpo_seed{seed}.jsonl") | {"seed": seed, "machine": "cpu A",
                                                                              "boot": "2e259aeb-b00f"}
                       for seed in (1, 2, 3)]}
    text, numbers = report.report(curves, {}, [])
    assert "| grpo | 2 | 1 | cpu A | 2e259aeb | 60.0 | 640 | 1.0 |" in text  # the runs table
    assert numbers["grpo_learning_goal"]["gain"] == 0.05
    assert "gain of at least 5 points over at least 3 seeds, its interval above 0): +7.0, +8.0, +9.0 points" in text
    assert "met." in text and "not met." not in text


def test_orchestration_is_what_a_step_spends_outside_generation_and_the_model():
    step = {"timing_s/step": 10.0, "timing_s/gen": 2.0, "timing_s/gen_layer2": 3.5,
            "timing_s/gen_layer2/correction": 1.5, "timing_s/gen_layer2/augmentation": 1.5,
            "timing_s/old_log_prob": 1.0, "timing_s/ref": 1.0, "timing_s/update_actor": 2.0,
            "timing_s/update_weights": 0.5}
    shares = bed_steps.orchestration([step])
    assert shares == pytest.approx({"orchestration": 0.05, "queries and selection": 0.05,
                                    "merging, padding, advantages, metrics": 0.0})


def test_mechanism_shows_which_kept_queries_corrected_a_wrong_answer():
    step = {"mgrpo/layer1/samples": 64, "mgrpo/layer2/dropped_too_long": 4, "mgrpo/layer2/i2c": 0.1,
            "mgrpo/layer2/correction_acc": 0.4, "mgrpo/layer2/correction_tokens": 600.0}
    [row] = bed_steps.mechanism([{"steps": [step]}], parts=1)
    assert row["kept_wrong_then_right"] == pytest.approx(0.25) and row["correction_length"] == 10.0


@pytest.mark.slow
def test_quick_mode_runs_both_methods_end_to_end(tmp_path):
    command = substituted(documented("python experiments/compare_mgrpo_grpo.py"),
                          {"runs/test_bed": str(tmp_path), "docs/results/curves": str(tmp_path / "saved")})
    subprocess.run([*argv(command), "--quick"], check=True, capture_output=True, timeout=1500, cwd=REPO_ROOT)
    results = json.loads((tmp_path / "comparison.json").read_text())
    assert set(results["summary"]) == {"grpo", "mgrpo"}
    for points in results["summary"].values():
        assert points[0]["step"] == 0 and points[-1]["tokens"][0] > 0
    # the cached run over the uncached run's 2 steps only (--quick's MGRPO runs 2 steps)
    on, off = (results["layer2_costs"][key] for key in ("seed 1, cache on, first 2 steps", "seed 1, cache off"))
    assert on["tokens/layer2_corrections"] > 0 and off["tokens/layer2_corrections"] > 0
    assert on["tokens/layer2_cached_share"] > 0.8 and off["tokens/layer2_cached_share"] == 0
    assert results["summary"]["grpo"][0]["acc_t1"] == results["summary"]["mgrpo"][0]["acc_t1"]  # step 0: one model
    assert 0 <= results["orchestration"]["mgrpo"]["orchestration"] < 0.5
    assert (tmp_path / "comparison.png").stat().st_size > 0 and "| mgrpo |" in (tmp_path / "comparison.md").read_text()
    saved = {path.name: bed_runs.load_curve(path) for path in (tmp_path / "saved").iterdir()}
    assert sorted(saved) == ["grpo_seed1.json", "mgrpo_no_prefix_cache_seed1.json", "mgrpo_seed1.json"]
    assert saved["mgrpo_seed1.json"]["boot"] == bed_runs.boot_id() and len(saved["grpo_seed1.json"]["steps"]) == 4
    # the tables again from the saved curves alone, nothing trained: the same numbers
    (tmp_path / "comparison.json").rename(tmp_path / "trained.json")
    for log in tmp_path.glob("*.jsonl"):
        log.unlink()
    subprocess.run([*argv(command), "--quick", "--report-only"], check=True, capture_output=True, timeout=300,
                   cwd=REPO_ROOT)
    again = json.loads((tmp_path / "comparison.json").read_text())
    assert again["equal_budgets"] == results["equal_budgets"] and again["layer2_costs"] == results["layer2_costs"]


def _step(gen_seconds):
    return {"timing_s/gen": gen_seconds, "timing_s/gen_layer2": 4.0, "timing_s/gen_layer2/correction": 2.0,
            "mgrpo/layer1/response_tokens": 100.0, "mgrpo/layer2/correction_tokens": 100.0}


def test_layer_costs_are_medians_so_a_warm_up_step_does_not_dominate():
    costs = bed_steps.layer_costs([{"steps": [_step(10.0), _step(1.0)]}, {"steps": [_step(1.0)]}])
    assert costs["time/gen"] == 1.0 and costs["tokens/layer2_corrections"] == 100.0
    assert costs["s_per_token/layer1"] == pytest.approx(0.01)  # 1 s for 100 tokens, the warm-up step aside
    first = bed_steps.layer_costs([{"steps": [_step(10.0), _step(1.0), _step(1.0)]}], first_steps=1)
    assert first["time/gen"] == 10.0  # the first step only: the stretch a shorter run covers


def _log_of_two_steps(path, **step):
    _write_log(path, [(0, _val(0.5)), (1, _train(2.0, **{"mgrpo/rollout_tokens": 10.0}, **step)),
                      (2, _train(3.0, **{"mgrpo/rollout_tokens": 20.0}, **step, **_val(0.6)))])


def _layer2_step(seconds, kept):
    return _train(seconds, **{
        "mgrpo/rollout_tokens": 100.0, "mgrpo/layer1/samples": 64, "mgrpo/layer2/i2c": 0.1,
        "mgrpo/layer2/correction_acc": 0.4, "mgrpo/layer2/correction_tokens": 600.0, "mgrpo/layer2/kept_ratio": kept,
        "mgrpo/layer2/mixed_groups": 0.3333333333, "timing_s/gen": 1.0, "timing_s/gen_layer2": 2.0,
        "timing_s/gen_layer2/correction": 0.7, "timing_s/update_actor": 0.5, "actor/entropy": 1.0,
        "timing_s/agent_loop/generate_sequences/max": 9.0, "response_length/mean": 5.0})


def test_a_saved_curve_reports_what_the_run_did_and_keeps_little_else(tmp_path):
    _write_log(tmp_path / "m.jsonl", [(0, _val(0.5)), (1, _layer2_step(4.0, 0.5)), (2, _layer2_step(5.0, 0.25)),
                                       (3, _layer2_step(6.0, 0.75) | _val(0.6))])
    run = bed_runs.curve(tmp_path / "m.jsonl") | {"seed": 1, "machine": "cpu", "boot": "b", "overrides": ["x=1"]}
    grpo = bed_runs.curve(tmp_path / "m.jsonl") | {"seed": 1, "machine": "cpu", "boot": "b", "overrides": ["x=2"]}
    bed_runs.save_curve(run, tmp_path / "curves" / "m.json")
    saved = bed_runs.load_curve(tmp_path / "curves" / "m.json")
    text, _ = report.report({"grpo": [grpo], "mgrpo": [run]}, {"c": bed_steps.layer_costs([run])}, [])
    assert "| 1/3 | nan | nan | 0.333 | nan | nan | 0.5 | 0.25 |" in text  # the step metrics reached the tables
    assert report.report({"grpo": [grpo], "mgrpo": [saved]}, {"c": bed_steps.layer_costs([saved])}, [])[0] == text
    assert not {"actor/entropy", "timing_s/agent_loop/generate_sequences/max"} & set(saved["steps"][0])
    assert saved["steps"][0]["mgrpo/layer2/mixed_groups"] == 0.333333  # six significant digits
    (tmp_path / "other.json").write_text(json.dumps({"points": []}))
    with pytest.raises(ValueError, match="other.json: not a saved test-bed curve .*boot, machine, overrides, seed"):
        bed_runs.load_curve(tmp_path / "other.json")


def _no_training(*args, **kwargs):
    raise AssertionError("trained a run whose curve was saved")


def _trains_two_steps(run, out):
    _write_log(out / f"{run.name}.jsonl", [(0, _val(0.5)), (1, _layer2_step(2.0, 0.5)),
                                           (2, _layer2_step(3.0, 0.5) | _val(0.6))])
    return out / f"{run.name}.jsonl"


def test_a_trained_run_is_saved_with_its_seed_machine_boot_and_settings_and_reused_as_saved(tmp_path, monkeypatch):
    out, curves = tmp_path / "logs", tmp_path / "curves"
    out.mkdir()
    run = compare.Run("mgrpo", 2, 2, 1, 8)
    assert compare.train_curve(run, out, curves, reuse=True, train=False) is None  # --report-only: nothing saved
    monkeypatch.setattr(compare, "run_training", _trains_two_steps)
    trained = compare.train_curve(run, out, curves, reuse=True)
    assert trained == bed_runs.load_curve(curves / "mgrpo_seed2.json")  # what this session reports is what is saved
    assert (trained["seed"], trained["boot"], trained["overrides"]) == (2, bed_runs.boot_id(), run.overrides())
    assert "data.seed=2" in run.overrides() and "trainer.total_training_steps=2" in run.overrides()
    (out / "mgrpo_seed2.jsonl").unlink()  # another session: its logs are gone, its committed curves are not
    monkeypatch.setattr(compare, "run_training", _no_training)
    assert compare.train_curve(run, out, curves, reuse=True) == trained
    monkeypatch.setattr(compare, "run_training", _trains_two_steps)  # without --reuse, trained again
    assert compare.train_curve(run, out, curves)["points"] == trained["points"]


def test_a_saved_run_with_other_settings_stops_everything_before_training(tmp_path, monkeypatch):
    curves = tmp_path / "curves"
    monkeypatch.setattr(compare, "run_training", _trains_two_steps)
    (tmp_path / "logs").mkdir()
    compare.train_curve(compare.Run("grpo", 1, 380, 76, 200), tmp_path / "logs", curves)
    before = (curves / "grpo_seed1.json").read_bytes()
    compare.refuse_other_runs([compare.Run("grpo", 1, 380, 76, 200), compare.Run("mgrpo", 1, 4, 2, 16)], curves)
    with pytest.raises(SystemExit, match=r"grpo_seed1.json was trained with other settings than planned "
                                         r"\(data.val_max_samples=16, data.val_max_samples=200"):
        compare.refuse_other_runs([compare.Run("grpo", 1, 380, 76, 16)], curves)
    monkeypatch.setattr(compare, "run_training", _no_training)
    monkeypatch.setattr(sys, "argv", ["compare_mgrpo_grpo.py", "--output-dir", str(tmp_path / "logs"),
                                      "--curves-dir", str(curves), "--quick"])
    with pytest.raises(SystemExit, match="trainer.total_training_steps=380, trainer.total_training_steps=4"):
        compare.main()
    assert (curves / "grpo_seed1.json").read_bytes() == before


def test_each_seed_is_named_once():
    with pytest.raises(SystemExit):
        compare.parse_args(["--output-dir", "x", "--seeds", "1", "1"])
    assert compare.parse_args(["--output-dir", "x", "--seeds", "2", "1"]).seeds == [2, 1]


def test_the_plan_trains_grpo_and_mgrpo_seed_by_seed_then_the_uncached_run_then_every_ablations_first_seed():
    args = compare.parse_args(["--output-dir", "x", "--seeds", "1", "2", "--ablations"])
    plan = compare.plan_runs(args)
    names = [run.name for _, run in plan]
    assert names[:5] == ["grpo_seed1", "mgrpo_seed1", "grpo_seed2", "mgrpo_seed2", "mgrpo_no_prefix_cache_seed1"]
    assert names[5:7] == ["mgrpo_layerweight05_seed1", "mgrpo_layerweight2_seed1"]
    assert all(name.endswith("_seed1") for name in names[5:5 + len(compare.ABLATIONS)])
    assert names[-1] == "mgrpo_augmentn4_seed2" and len(names) == 5 + 2 * len(compare.ABLATIONS)
    assert [(run.steps, run.val_every) for _, run in plan[3:6]] == [(144, 24), (12, -1), (136, 68)]
    assert plan[5][1].extra == ("mgrpo.layer_weight=0.5",) and plan[5][1].val_samples == 200


def test_ablation_arms_are_mgrpo_with_their_own_length_validation_period_and_run_names():
    args = argparse.Namespace(grpo_steps=380, mgrpo_steps=144, grpo_val_every=76, mgrpo_val_every=24,
                              ablation_steps=136, ablation_val_every=68, ablations=True)
    plan = compare.arms(args)
    assert plan["grpo"] == ("grpo", 380, 76, (), "") and plan["mgrpo"] == ("mgrpo", 144, 24, (), "")
    assert plan["mgrpo augment_n=4"] == ("mgrpo", 136, 68, ("mgrpo.augment_n=4",), "_augmentn4")
    assert len({method + tag for method, *_, tag in plan.values()}) == len(plan) == 2 + len(compare.ABLATIONS)
    assert list(compare.arms(argparse.Namespace(**{**vars(args), "ablations": False}))) == ["grpo", "mgrpo"]


@pytest.mark.parametrize("name", sorted(compare.ABLATIONS))
def test_each_ablation_changes_the_one_mgrpo_setting_it_names(name):
    from hydra import compose, initialize_config_module
    from omegaconf import OmegaConf

    from verl_mgrpo.config import MGRPOConfig

    with initialize_config_module("verl_mgrpo.config", version_base=None):
        base = compose(config_name="mgrpo_trainer_cpu", overrides=compare.TEST_BED)
        changed = compose(config_name="mgrpo_trainer_cpu", overrides=[*compare.TEST_BED, *compare.ABLATIONS[name]])
    differences = {key for key, value in changed.mgrpo.items() if OmegaConf.to_object(base.mgrpo)[key] != value}
    [override] = compare.ABLATIONS[name]
    assert differences == {override.split("=")[0].removeprefix("mgrpo.")}
    settings = OmegaConf.to_object(changed.mgrpo)
    settings.pop("_target_")
    MGRPOConfig(**settings)  # a valid MGRPO config


def test_mgrpo_minus_grpo_over_training_pairs_each_validation_with_grpo_at_its_tokens_while_grpo_reached_them():
    grpo = [_run(1, (0, 0, 0.5), (100, 10, 0.7)), _run(2, (0, 0, 0.6), (200, 10, 0.8)), _run(3, (0, 0, 0.5), (9, 1, 0.5))]
    mgrpo = [_run(1, (0, 0, 0.5), (50, 5, 0.5), (150, 15, 0.9)),
             _run(2, (0, 0, 0.6), (50, 5, 0.8), (130, 15, 0.8)),
             _run(4, (0, 0, 0.9), (50, 5, 0.9), (150, 15, 0.9))]  # no GRPO run of seed 4: nothing to pair
    mgrpo[0]["points"][1]["c2i"] = 0.2  # one metric apart from the others: differences are taken metric by metric
    rows = report.paired_over_training({"grpo": grpo, "mgrpo": mgrpo})
    # at 150 tokens seed 1's GRPO run has ended: the last row is seed 2's alone, at its own 130 tokens
    assert [(row["step"], row["pairs"], row["tokens"]) for row in rows] == [(0, 2, 0), (1, 2, 50), (2, 1, 130)]
    assert rows[0]["acc_t1"] == (0.0, 0.0)  # step 0 is shared by construction
    # at 50 tokens GRPO reads 0.6 (seed 1) and 0.65 (seed 2): MGRPO's 0.5 and 0.8 differ by -0.1 and +0.15
    assert rows[1]["acc_t1"][0] == pytest.approx(0.025)
    assert rows[1]["c2i"][0] == pytest.approx((0.2 - 0.6 + 0.15) / 2)
    assert rows[2]["i2c"] == pytest.approx((0.8 - 0.73, 0.0))  # seed 2's GRPO at 130 tokens: 0.6 + 0.2 * 130 / 200
    text, _ = report.report({"grpo": grpo, "mgrpo": mgrpo}, {}, [])
    assert "| 2 | 1 | 130 | 7.0 ± 0.0 |" in text
    assert report.paired_over_training({"grpo": grpo}) == []
