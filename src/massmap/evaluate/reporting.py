"""The HTML reports of `evaluate`, `agreement` and `inventory-stats`: the result's tables with their figures."""

from __future__ import annotations

import numpy as np

from massmap.evaluate import figures
from massmap.grid import Grid
from massmap.report import Report

# Rows of the per-object table shown in a report (the JSON holds them all).
MAX_OBJECT_ROWS = 300


def evaluation_report(result: dict, pred: np.ndarray, truth: np.ndarray, valid: np.ndarray, grid: Grid) -> Report:
    """Report of `evaluate`: pixel and object scores, the threshold curve, misses by size and an agreement map."""
    inp, px, ob = result["inputs"], result["pixel"], result["object"]
    filtered = f", reference filtered by {inp['where']}" if inp["where"] else ""
    report = Report("Delineation against reference", f"Prediction {inp['pred']} against {inp['truth']} "
                    f"on the grid of {inp['grid']}" + filtered + ". Scores count valid (non-nodata) pixels only.")
    report.add_heading("Pixel level")
    report.add_table([{k: px[k] for k in ("iou", "dice", "precision", "recall", "tp", "fp", "fn")}])
    report.add_heading("Object level")
    report.add_text("One-to-one optimal assignment of objects by IoU; "
                    f"a match counts when IoU >= {ob['iou_threshold']:g}.")
    report.add_table([ob])
    report.add_figure(figures.curve_figure(result["curve"], ob["iou_threshold"]),
                      "Object precision, recall and F1 against the IoU threshold of a match.")
    report.add_table(result["curve"], caption="Object scores at each IoU threshold.")
    report.add_heading("Missed objects by size")
    report.add_table(result["missed_by_size"])
    report.add_figure(figures.missed_by_size_figure(result["missed_by_size"]),
                      "Share of reference objects without a match, by ground area class.")
    report.add_heading("Map")
    report.add_figure(figures.overlay_map_figure(pred, truth, valid, grid),
                      "Pixels in both delineations, in the prediction only, in the reference only, and nodata.")
    report.add_heading("Reference objects")
    rows = sorted(result["truth_objects"], key=lambda r: -r["area_m2"])
    report.add_table(rows, caption="Each reference object with its best IoU against any predicted object.",
                     max_rows=MAX_OBJECT_ROWS)
    return report


def _spread_row(label: str, s: dict) -> dict:
    return {"": label, "mean": s["mean"], "std": s["std"], "min": s["min"], "max": s["max"], "pairs": s["n"]}


def agreement_report(result: dict, masks: list[np.ndarray], candidate: np.ndarray | None, grid: Grid) -> Report:
    """Report of `agreement`: pairwise matrices and their spread, the candidate's placement, consensus, outlines."""
    names = result["mappers"]
    report = Report("Agreement between delineations",
                    f"{result['n_mappers']} delineations of the scene {result['inputs']['grid']}: {', '.join(names)}.")
    views = [("without classes (all polygons merged)", result["without_classes"])]
    if result["with_classes"] is not None:
        w = result["with_classes"]
        views.append((f"with classes ({w['class_column']}: {', '.join(w['classes'])})", w))
    report.add_heading("Pairwise agreement")
    rows = []
    for label, block in views:
        rows += [_spread_row(f"IoU {label}", block["iou"]), _spread_row(f"Dice {label}", block["dice"])]
    report.add_table(rows, caption="Mean, sample standard deviation and range over mapper pairs.")
    for label, block in views:
        report.add_heading(f"Matrices {label}", 3)
        for score in ("iou", "dice"):
            name = "IoU" if score == "iou" else "Dice"
            report.add_figure(figures.matrix_figure(np.asarray(block[f"{score}_matrix"]), names, f"{name} {label}"),
                              f"Pairwise {name} of the delineations, {label}.")
    if result["with_classes"] is not None:
        per_class = result["with_classes"]["per_class"]
        report.add_table([_spread_row(f"IoU class {c}", b["iou"]) for c, b in per_class.items()],
                         caption="Agreement within each class alone.")
    cand = result["candidate"]
    if cand is not None:
        report.add_heading(f"Candidate {cand['name']} within the experts' spread")
        for label, key in (("without classes", "without_classes"), ("with classes", "with_classes")):
            p = cand[key]
            if p is None:
                continue
            report.add_table([
                {"": f"candidate vs experts ({label})", "IoU mean": p["iou"]["mean"], "IoU std": p["iou"]["std"],
                 "Dice mean": p["dice"]["mean"], "Dice std": p["dice"]["std"]},
                {"": f"experts vs each other ({label})", "IoU mean": p["experts_iou"]["mean"],
                 "IoU std": p["experts_iou"]["std"], "Dice mean": p["experts_dice"]["mean"],
                 "Dice std": p["experts_dice"]["std"]},
            ], caption="Candidate mean IoU within the expert pairs' range: "
                       f"{'yes' if p['within_expert_range'] else 'no'}.")
            report.add_table([
                {"expert": n, "candidate IoU": ci, "expert's mean IoU to other experts": ei,
                 "candidate Dice": cd, "expert's mean Dice to other experts": ed}
                for n, ci, ei, cd, ed in zip(names, p["iou_per_expert"], p["expert_mean_iou_to_others"],
                                             p["dice_per_expert"], p["expert_mean_dice_to_others"])
            ])
    report.add_heading("Consensus")
    st = result["consensus"]["staple"]
    report.add_text(f"Majority vote (pixels drawn by more than half of the mappers): "
                    f"{result['consensus']['majority']['area_m2']:,.0f} m2. STAPLE (Warfield et al. 2004) consensus "
                    f"at probability >= 0.5: {st['area_m2']:,.0f} m2 after {st['iterations']} EM iterations.")
    report.add_table([{"mapper": n, "sensitivity": st["sensitivity"][n], "specificity": st["specificity"][n]}
                      for n in names],
                     caption="Each mapper's performance as estimated by STAPLE.")
    report.add_heading("Outlines")
    outline_masks, outline_names = list(masks), list(names)
    if candidate is not None:
        outline_masks.append(candidate)
        outline_names.append(cand["name"])
    report.add_figure(figures.outlines_figure(outline_masks, outline_names, grid), "Every delineation's outline.")
    return report


def inventory_report(result: dict) -> Report:
    """Report of `inventory-stats`: area summary, size classes, power-law and inverse-gamma fits, log-log density."""
    pl, ig = result["power_law"], result["inverse_gamma"]
    report = Report("Magnitude-frequency statistics", f"Inventory {result['inputs']['path']}: "
                    f"{result['n_objects']} polygons, areas in m2 of ground (geodesic).")
    report.add_table(result["area_m2"], caption="Areas (m2).")
    report.add_table(result["size_classes"])
    report.add_heading("Fits")
    report.add_figure(figures.magnitude_frequency_figure(result),
                      "Probability density of areas on logarithmic bins, with the fitted distributions.")
    report.add_table([
        {"quantity": "rollover of the binned density (m2)", "value": result["rollover_m2"]},
        {"quantity": "power-law exponent alpha", "value": pl["alpha"]},
        {"quantity": "alpha standard error", "value": pl["alpha_sigma"]},
        {"quantity": f"alpha {pl['confidence']:.0%} bootstrap interval ({pl['n_bootstrap']} resamples)",
         "value": _interval(pl["alpha_ci"])},
        {"quantity": "A_min, KS criterion (m2)", "value": pl["xmin_m2"]},
        {"quantity": "A_min bootstrap interval (m2)", "value": _interval(pl["xmin_m2_ci"], "{:,.0f}")},
        {"quantity": "objects in the tail", "value": pl["n_tail"]},
        {"quantity": "KS distance", "value": pl["ks_distance"]},
        {"quantity": "inverse gamma rho", "value": ig["rho"]},
        {"quantity": "inverse gamma a (m2)", "value": ig["a_m2"]},
        {"quantity": "inverse gamma s (m2)", "value": ig["s_m2"]},
        {"quantity": "inverse gamma rollover (m2)", "value": ig["rollover_m2"]},
    ], caption="Power law by maximum likelihood with A_min by the Kolmogorov-Smirnov criterion (Clauset et al. 2009, "
               f"`powerlaw` package); inverse gamma of Malamud et al. (2004) fitted as {ig['method']}.")
    return report


def _interval(ci: list[float] | None, fmt: str = "{:.3f}") -> str | None:
    return None if ci is None else f"{fmt.format(ci[0])} to {fmt.format(ci[1])}"
