"""Magnitude-frequency statistics of an inventory's areas: density on log bins, rollover, power-law tail, inverse gamma.

The power-law tail p(A) ~ A**-alpha above A_min is fitted by maximum likelihood with A_min chosen by the
Kolmogorov-Smirnov criterion (Clauset, Shalizi & Newman 2009), through the maintained `powerlaw` package
(Alstott et al. 2014); its confidence intervals come from bootstrap resampling of the inventory.
The alternative is the three-parameter inverse gamma of Malamud et al. (2004),
p(A) = 1/(a Gamma(rho)) [a/(A - s)]**(rho + 1) exp(-a/(A - s)), which is scipy.stats.invgamma with shape rho,
loc s and scale a, fitted by maximum likelihood.
"""

from __future__ import annotations

import warnings

import numpy as np
import powerlaw
from scipy import stats

from massmap.constants import INVENTORY_BOOTSTRAP
from massmap.log import get_logger

log = get_logger(__name__)

# Size classes (m2) for reporting: the study's undersampling limit of 5,600 m2 is one edge.
SIZE_CLASS_EDGES_M2 = (1_000.0, 5_600.0, 20_000.0, 100_000.0)
# Malamud et al. (2004) landslide-inventory inverse-gamma parameters in km2 (rho, a, s): the fit's starting point.
MALAMUD_RHO, MALAMUD_A_KM2, MALAMUD_S_KM2 = 1.40, 1.28e-3, -1.32e-4
# Fewest objects in a density bin for it to stand as the rollover.
ROLLOVER_MIN_COUNT = 5
# Fewer areas than this give no meaningful tail fit.
MIN_AREAS_FOR_FIT = 10


def size_class_labels(edges_m2: tuple[float, ...] = SIZE_CLASS_EDGES_M2) -> list[str]:
    """Human-readable names of the size classes bounded by `edges_m2`, e.g. '1,000-5,600 m2'."""
    names = [f"<{edges_m2[0]:,.0f} m2"]
    names += [f"{lo:,.0f}-{hi:,.0f} m2" for lo, hi in zip(edges_m2[:-1], edges_m2[1:])]
    return names + [f">{edges_m2[-1]:,.0f} m2"]


def size_class_index(areas_m2: np.ndarray, edges_m2: tuple[float, ...] = SIZE_CLASS_EDGES_M2) -> np.ndarray:
    """Index of each area's size class (0 = smallest), classes bounded by `edges_m2`."""
    return np.searchsorted(np.asarray(edges_m2), np.asarray(areas_m2, dtype=np.float64), side="right")


def area_density(areas_m2: np.ndarray, bins_per_decade: int = 10) -> dict:
    """Probability density of areas on logarithmic bins: p(A) = n_bin / (N * bin width), in 1/m2."""
    a = np.asarray(areas_m2, dtype=np.float64)
    a = a[a > 0]
    if a.size == 0:
        return {"edges_m2": [], "centres_m2": [], "density_per_m2": [], "counts": []}
    lo, hi = np.floor(np.log10(a.min()) * bins_per_decade), np.ceil(np.log10(a.max()) * bins_per_decade)
    edges = 10.0 ** (np.arange(lo, max(hi, lo + 1) + 1) / bins_per_decade)
    counts, _ = np.histogram(a, bins=edges)
    density = counts / (a.size * np.diff(edges))
    return {
        "edges_m2": edges.tolist(), "centres_m2": np.sqrt(edges[:-1] * edges[1:]).tolist(),
        "density_per_m2": density.tolist(), "counts": counts.tolist(),
    }


def rollover_m2(density: dict, min_count: int = ROLLOVER_MIN_COUNT) -> float | None:
    """Area (m2) at the peak of the log-binned density p(A): below it the inventory is undersampled.

    Only bins holding at least `min_count` objects compete: a lone tiny polygon in a narrow bin would
    otherwise be the peak.
    """
    counts = np.asarray(density["counts"])
    ok = counts >= min_count
    if not ok.any():
        ok = counts > 0
    if not ok.any():
        return None
    centres, values = np.asarray(density["centres_m2"])[ok], np.asarray(density["density_per_m2"])[ok]
    return float(centres[int(np.argmax(values))])


def _power_law(areas_m2: np.ndarray) -> powerlaw.Fit:
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return powerlaw.Fit(areas_m2, discrete=False, verbose=0)


def fit_power_law(areas_m2: np.ndarray, n_bootstrap: int = INVENTORY_BOOTSTRAP, confidence: float = 0.95,
                  seed: int = 0) -> dict:
    """Power-law tail of the areas: exponent alpha and cut-off A_min (KS criterion), with bootstrap intervals.

    Returns alpha, alpha_sigma (the fit's asymptotic standard error), xmin_m2, n_tail, ks_distance and the
    percentile bootstrap intervals alpha_ci and xmin_m2_ci at `confidence`.
    """
    a = np.asarray(areas_m2, dtype=np.float64)
    a = a[a > 0]
    if a.size < MIN_AREAS_FOR_FIT:
        log.warning("only %d positive areas: no power-law fit", a.size)
        return {"alpha": None, "alpha_sigma": None, "xmin_m2": None, "n_tail": 0, "ks_distance": None,
                "alpha_ci": None, "xmin_m2_ci": None, "n_bootstrap": 0, "confidence": confidence}
    fit = _power_law(a)
    if n_bootstrap:
        log.info("power law: alpha %.3f above %.0f m2; %d bootstrap refits of %d areas", fit.alpha, fit.xmin,
                 n_bootstrap, a.size)
    rng = np.random.default_rng(seed)
    boot = np.array([
        (f.alpha, f.xmin) for f in (_power_law(rng.choice(a, size=a.size, replace=True)) for _ in range(n_bootstrap))
    ]).reshape(-1, 2)
    tail = (1.0 - confidence) / 2.0 * 100.0
    ci = np.percentile(boot, [tail, 100.0 - tail], axis=0) if n_bootstrap else None
    return {
        "alpha": float(fit.alpha), "alpha_sigma": float(fit.sigma), "xmin_m2": float(fit.xmin),
        "n_tail": int(np.count_nonzero(a >= fit.xmin)), "ks_distance": float(fit.D),
        "alpha_ci": ci[:, 0].tolist() if ci is not None else None,
        "xmin_m2_ci": ci[:, 1].tolist() if ci is not None else None,
        "n_bootstrap": int(n_bootstrap), "confidence": confidence,
    }


def fit_inverse_gamma(areas_m2: np.ndarray) -> dict:
    """Malamud et al. (2004) three-parameter inverse gamma by maximum likelihood (scipy.stats.invgamma, loc/scale).

    Returns rho (shape), a_m2 (scale), s_m2 (location), the tail exponent rho + 1, the rollover (the density's
    mode, a / (rho + 1) + s) and the log-likelihood.
    """
    a = np.asarray(areas_m2, dtype=np.float64)
    a = a[a > 0]
    if a.size < MIN_AREAS_FOR_FIT:
        return {"rho": None, "a_m2": None, "s_m2": None, "tail_exponent": None, "rollover_m2": None,
                "log_likelihood": None, "method": "scipy.stats.invgamma (shape rho, loc s, scale a)"}
    km2 = a / 1e6  # fit in km2, where Malamud's values give a well-conditioned start
    scale0 = MALAMUD_A_KM2 * np.median(km2) / 2.5e-3
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            rho, loc, scale = stats.invgamma.fit(km2, MALAMUD_RHO, loc=min(MALAMUD_S_KM2, 0.5 * km2.min()),
                                                 scale=scale0)
        except (RuntimeError, ValueError, FloatingPointError) as exc:
            log.warning("inverse-gamma fit failed (%s)", exc)
            rho = loc = scale = float("nan")
        # Density in 1/m2 is the density in 1/km2 divided by 1e6.
        loglik = float(stats.invgamma.logpdf(km2, rho, loc=loc, scale=scale).sum() - a.size * np.log(1e6))
    if not np.isfinite([rho, loc, scale]).all():
        return {"rho": None, "a_m2": None, "s_m2": None, "tail_exponent": None, "rollover_m2": None,
                "log_likelihood": None, "method": "scipy.stats.invgamma (shape rho, loc s, scale a)"}
    return {
        "rho": float(rho), "a_m2": float(scale * 1e6), "s_m2": float(loc * 1e6), "tail_exponent": float(rho + 1.0),
        "rollover_m2": float((scale / (rho + 1.0) + loc) * 1e6), "log_likelihood": loglik,
        "method": "scipy.stats.invgamma (shape rho, loc s, scale a)",
    }


def magnitude_frequency(areas_m2: np.ndarray, n_bootstrap: int = INVENTORY_BOOTSTRAP, bins_per_decade: int = 10,
                        seed: int = 0) -> dict:
    """The magnitude-frequency analysis of an inventory's areas (m2): density, rollover, power law, inverse gamma."""
    a = np.asarray(areas_m2, dtype=np.float64)
    density = area_density(a, bins_per_decade)
    positive = a[a > 0]
    classes = size_class_index(positive)
    return {
        "n_objects": int(a.size),
        "area_m2": {
            "total": float(positive.sum()), "min": float(positive.min()) if positive.size else None,
            "median": float(np.median(positive)) if positive.size else None,
            "max": float(positive.max()) if positive.size else None,
        },
        "size_classes": [
            {"size_class": name, "n": int(np.count_nonzero(classes == i))}
            for i, name in enumerate(size_class_labels())
        ],
        "density": density,
        "rollover_m2": rollover_m2(density),
        "power_law": fit_power_law(positive, n_bootstrap=n_bootstrap, seed=seed),
        "inverse_gamma": fit_inverse_gamma(positive),
    }
