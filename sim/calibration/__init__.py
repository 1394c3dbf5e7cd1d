"""Calibration by approximate Bayesian computation (ABC-SMC) and its checks.

Modules:

- :mod:`sim.calibration.abc` - the ABC-SMC sampler (Beaumont et al. 2009; Del Moral et al. 2012's
  replications weighted by their share within the tolerance, and adaptive tolerance), on
  numpy/scipy, resumable by generation, on any executor;
- :mod:`sim.calibration.spec` - the calibration spec (``experiments/calibration.toml``): priors,
  patterns, distance, population sizes, stopping rule;
- :mod:`sim.calibration.simulator` - the bridge to the model: parameters -> scenario -> run ->
  pattern distances;
- :mod:`sim.calibration.predictive` - the posterior-predictive scorecard and the point estimate;
- :mod:`sim.calibration.recovery` - the parameter-recovery (identifiability) experiment;
- :mod:`sim.calibration.figures` - posterior marginals, pairs, tolerance/ESS and scorecard plots;
- :mod:`sim.calibration.pipeline` - the ``calibrate`` and ``recover`` experiments end to end;
- :mod:`sim.calibration.sbc` - simulation-based calibration of the sampler (``sbc``);
- :mod:`sim.calibration.counterfactuals` - scenarios compared over posterior draws (``compare --posterior``);
- :mod:`sim.calibration.toy` - toy models with known posteriors (tests, docs, the toy spec).

See ``docs/calibration.md``.
"""
