# Reference values for wellby.analysis.comparison: MatchIt 4.5.1 on its lalonde data.
#
# MatchIt 4.5.1 as shipped (Debian r-cran-matchit 4.5.1) has two bugs in its nearest-
# neighbour C++ code, both fixed upstream in commit 4b5b2f8 (1 May 2023, released in 4.5.4):
# - nn_matchC_vec.cpp calls the integer abs() on propensity-score differences, so every
#   difference truncates to 0: the lower-score neighbour always wins and calipers never
#   bind on some platforms, including Debian's build (NEWS 4.5.4: "Fixed a bug where
#   calipers would not work properly on some systems", issue #163);
# - with replace = TRUE and ratio > 1 the "already matched to this unit" check compares
#   0-based with 1-based indices (NEWS 4.5.3, issue #159).
# The values here come from MatchIt 4.5.1's source (git 9762dc6, github kosukeimai/MatchIt)
# with the two C++ files replaced by their fixed versions (matchit_4.5.1_nn_fixes.patch,
# `git diff 9762dc6 4b5b2f8 -- src/nn_matchC_vec.cpp src/nn_matchC.cpp`):
#   git archive 9762dc6 | tar -x -C src451 && cd src451 && patch -p1 < matchit_4.5.1_nn_fixes.patch
#   R CMD INSTALL -l /tmp/Rlib src451
#   MATCHIT_LIB=/tmp/Rlib Rscript matchit_lalonde.R      # R 4.2.2, from this folder
# The R code (matchit, summary, weights) is 4.5.1's, unchanged.
# Writes:
#   lalonde.csv                  the data, one row per unit, `id` = MatchIt's row name
#   matchit_lalonde_weights.csv  case, id, treat, weight (matching weight), distance
#   matchit_lalonde_balance.csv  case, sample (all/matched), covariate and summary() columns
#   matchit_lalonde_glm.csv      the propensity model's coefficients (glm binomial)
lib <- Sys.getenv("MATCHIT_LIB")
if (nzchar(lib)) .libPaths(c(lib, .libPaths()))
suppressPackageStartupMessages(library(MatchIt))
stopifnot(packageVersion("MatchIt") == "4.5.1")
data("lalonde", package = "MatchIt")

f <- treat ~ age + educ + race + married + nodegree + re74 + re75
cases <- list(
  nearest_replace = list(distance = "glm", replace = TRUE),
  nearest_replace_caliper = list(distance = "glm", replace = TRUE, caliper = 0.1),
  nearest_replace_ratio2 = list(distance = "glm", replace = TRUE, ratio = 2),
  nearest_noreplace = list(distance = "glm", replace = FALSE),
  nearest_noreplace_ratio2_caliper = list(distance = "glm", replace = FALSE, ratio = 2,
                                          caliper = 0.1),
  mahalanobis_replace = list(distance = "mahalanobis", replace = TRUE),
  mahalanobis_noreplace = list(distance = "mahalanobis", replace = FALSE)
)

out <- data.frame(id = rownames(lalonde), lalonde, row.names = NULL)
write.csv(out, "lalonde.csv", row.names = FALSE)

weights <- list()
balance <- list()
for (name in names(cases)) {
  m <- do.call(matchit, c(list(formula = f, data = lalonde, method = "nearest"),
                          cases[[name]]))
  distance <- if (is.null(m$distance)) NA_real_ else unname(m$distance)
  weights[[name]] <- data.frame(case = name, id = names(m$weights), treat = m$treat,
                                weight = unname(m$weights), distance = distance)
  s <- summary(m)
  for (sample in c("all", "matched")) {
    tab <- if (sample == "all") s$sum.all else s$sum.matched
    balance[[paste(name, sample)]] <- data.frame(
      case = name, sample = sample, covariate = rownames(tab),
      means_treated = tab[, "Means Treated"], means_control = tab[, "Means Control"],
      std_mean_diff = tab[, "Std. Mean Diff."], var_ratio = tab[, "Var. Ratio"],
      row.names = NULL)
  }
}
write.csv(do.call(rbind, weights), "matchit_lalonde_weights.csv", row.names = FALSE)
write.csv(do.call(rbind, balance), "matchit_lalonde_balance.csv", row.names = FALSE)

fit <- glm(f, data = lalonde, family = binomial())
write.csv(data.frame(term = names(coef(fit)), estimate = unname(coef(fit))),
          "matchit_lalonde_glm.csv", row.names = FALSE)
