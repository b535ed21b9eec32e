"""Customer lifetime value models, pure NumPy/SciPy (no database).

Purchase models: BG/NBD (``bg_nbd``), MBG/NBD (``mbg_nbd``), Pareto/NBD (``pareto_nbd``); spend
model: Gamma-Gamma (``gamma_gamma``); contract retention: shifted-beta-geometric
(``shifted_beta_geometric``). ``fitting`` fits a purchase model, ``predictions`` turns a fit into
per-customer predictions, ``validation`` checks a model on a holdout period and chooses one."""

from lojal.analytics.clv.bg_nbd import BgNbd
from lojal.analytics.clv.fitting import PURCHASE_MODELS, PurchaseModelFit, fit_histories, fit_purchase_model
from lojal.analytics.clv.gamma_gamma import GammaGamma, GammaGammaFit, fit_gamma_gamma
from lojal.analytics.clv.history import InsufficientData, MinimumData, PurchaseHistories, purchase_histories
from lojal.analytics.clv.mbg_nbd import MbgNbd
from lojal.analytics.clv.pareto_nbd import ParetoNbd
from lojal.analytics.clv.predictions import PredictionSettings, expected_purchases, predict_customers
from lojal.analytics.clv.shifted_beta_geometric import (
    ShiftedBetaGeometric,
    ShiftedBetaGeometricFit,
    fit_shifted_beta_geometric,
)
from lojal.analytics.clv.validation import HoldoutReport, choose_model, holdout_data, holdout_report

__all__ = [
    "PURCHASE_MODELS", "BgNbd", "GammaGamma", "GammaGammaFit", "HoldoutReport", "InsufficientData", "MbgNbd",
    "MinimumData", "ParetoNbd", "PredictionSettings", "PurchaseHistories", "PurchaseModelFit",
    "ShiftedBetaGeometric", "ShiftedBetaGeometricFit", "choose_model", "expected_purchases", "fit_gamma_gamma",
    "fit_histories", "fit_purchase_model", "holdout_data", "holdout_report", "predict_customers",
    "purchase_histories", "fit_shifted_beta_geometric",
]
