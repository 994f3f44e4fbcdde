"""The estimators: data frames and column names in, typed results out.

Config-free: TWFE and least squares with absorbed fixed effects, the event study,
Callaway-Sant'Anna, the mixed model of a followed cohort, the wild cluster bootstrap, and
the result contract (``_results``), covariance and fixed-effect machinery they share.
Nothing here reads a study config.
"""
