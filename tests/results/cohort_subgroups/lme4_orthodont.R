# Reference values for wellby.estimators.mixed_interaction.fit_mixed_by_level.
#
# Run from this folder:  Rscript lme4_orthodont.R
# (R 4.2.2, lme4 1.1.31, nlme from R's recommended packages; Debian r-cran-lme4.)
#
# Two followed cohorts with a grouping variable, from nlme:
#   orthodont  : Orthodont, distance ~ factor(age) * Sex + (1 | Subject), ages 8-14 as the
#                waves, Sex (Male, Female) as the level; "full" (balanced, 27 subjects x 4)
#                and "unbalanced" (every 5th row dropped, so the variance components matter
#                for the fixed effects, not only for their SEs);
#   bodyweight : BodyWeight at days 1, 22, 43 and 64 as the waves, Diet (1, 2, 3) as the
#                level: three levels, so the per-wave test has 2 degrees of freedom.
# Each fit is REML (lmer's default). Written to lme4_reference.csv (long: dataset,
# quantity, term, value), with the data in orthodont.csv and bodyweight.csv:
#   fixef, se        : fixed effects and sqrt(diag(vcov)), terms renamed to wellby's
#                      "(Intercept)", "wave[w]", "level[l]", "wave[w]:level[l]"
#   vcov             : term "a|b"
#   change, change_se: level l's change from the first wave to wave w (term "l|w"), the
#                      contrast c'beta with c = e(wave[w]) + e(wave[w]:level[l]) and
#                      SE sqrt(c' V c)
#   wald_chisq, wald_df, wald_p : Wald chi-square that every interaction is zero (term
#                      "all") and per wave (term w: that wave's interactions), b' V^-1 b
#   re_variance, residual_variance : VarCorr
suppressPackageStartupMessages({library(lme4); library(nlme, include.only = NULL)})

rename_terms <- function(x, wave, level) {
  x <- gsub(paste0("factor\\(", wave, "\\)([^:]+)"), "wave[\\1]", x)
  gsub(paste0("^", level, "([^:]+)|(:)", level, "([^:]+)$"), "\\2level[\\1\\3]", x)
}

reference <- function(name, fit, wave, level, waves, levels) {
  b <- fixef(fit)
  V <- as.matrix(vcov(fit))
  terms <- rename_terms(names(b), wave, level)
  names(b) <- terms
  dimnames(V) <- list(terms, terms)
  out <- list()
  add <- function(quantity, term, value) {
    out[[length(out) + 1]] <<- data.frame(dataset = name, quantity = quantity, term = term,
                                          value = value)
  }
  add("fixef", terms, unname(b))
  add("se", terms, sqrt(diag(V)))
  grid <- expand.grid(a = terms, b = terms, stringsAsFactors = FALSE)
  add("vcov", paste(grid$a, grid$b, sep = "|"), V[cbind(grid$a, grid$b)])
  for (l in levels) {
    for (w in waves[-1]) {
      cvec <- setNames(numeric(length(b)), terms)
      cvec[paste0("wave[", w, "]")] <- 1
      if (l != levels[1]) cvec[paste0("wave[", w, "]:level[", l, "]")] <- 1
      add("change", paste(l, w, sep = "|"), sum(cvec * b))
      add("change_se", paste(l, w, sep = "|"), sqrt(drop(t(cvec) %*% V %*% cvec)))
    }
  }
  wald <- function(idx, label) {
    chisq <- drop(t(b[idx]) %*% solve(V[idx, idx, drop = FALSE]) %*% b[idx])
    add("wald_chisq", label, chisq)
    add("wald_df", label, length(idx))
    add("wald_p", label, pchisq(chisq, length(idx), lower.tail = FALSE))
  }
  interactions <- grep(":", terms, fixed = TRUE)
  wald(interactions, "all")
  for (w in waves[-1]) {
    wald(grep(paste0("^wave\\[", w, "\\]:"), terms), as.character(w))
  }
  vc <- as.data.frame(VarCorr(fit))
  add("re_variance", "", vc$vcov[vc$grp != "Residual"])
  add("residual_variance", "", vc$vcov[vc$grp == "Residual"])
  do.call(rbind, out)
}

orthodont <- data.frame(distance = nlme::Orthodont$distance, age = nlme::Orthodont$age,
                        Subject = as.character(nlme::Orthodont$Subject),
                        Sex = factor(as.character(nlme::Orthodont$Sex),
                                     levels = c("Male", "Female")))
write.csv(orthodont, "orthodont.csv", row.names = FALSE)
unbalanced <- orthodont[seq_len(nrow(orthodont)) %% 5 != 0, ]

bw <- nlme::BodyWeight
bw <- bw[bw$Time %in% c(1, 22, 43, 64), ]
bodyweight <- data.frame(weight = bw$weight, Time = bw$Time, Rat = as.character(bw$Rat),
                         Diet = factor(as.character(bw$Diet), levels = c("1", "2", "3")))
write.csv(bodyweight, "bodyweight.csv", row.names = FALSE)

fits <- list(
  reference("orthodont_full",
            lmer(distance ~ factor(age) * Sex + (1 | Subject), data = orthodont, REML = TRUE),
            "age", "Sex", c(8, 10, 12, 14), c("Male", "Female")),
  reference("orthodont_unbalanced",
            lmer(distance ~ factor(age) * Sex + (1 | Subject), data = unbalanced, REML = TRUE),
            "age", "Sex", c(8, 10, 12, 14), c("Male", "Female")),
  reference("bodyweight",
            lmer(weight ~ factor(Time) * Diet + (1 | Rat), data = bodyweight, REML = TRUE),
            "Time", "Diet", c(1, 22, 43, 64), c("1", "2", "3"))
)
result <- do.call(rbind, fits)
con <- file("lme4_reference.csv", "w")
writeLines(c("# Written by lme4_orthodont.R (R 4.2.2, lme4 1.1.31): see that script.",
             "# Orthodont unbalanced = rows whose 1-based number is a multiple of 5 dropped."),
           con)
write.csv(result, con, row.names = FALSE)
close(con)
