"""Evaluation during an XGB fit: eval-set metrics per round, xgboost's
printed lines, early stopping and the callbacks."""

# the methods a callback may have (xgboost's TrainingCallback protocol)
CALLBACK_METHODS = ("before_training", "after_iteration", "after_training")


def call_callbacks(callbacks, method, *args):
    """Call ``method`` of every callback that has it; return the results."""
    return [getattr(cb, method)(*args) for cb in callbacks if hasattr(cb, method)]


class Monitor:
    """Per-round evaluation of the eval sets: the log, the printed lines and
    early stopping.

    Parameters
    ----------
    model : BaseXGB
        Being fitted; its forest and objective are set.
    evals : list of tuples
        ``(name, X, y, weights, base_margin, weighted)`` per eval set.
    verbose : bool or int
        Print every round (True) or every ``verbose`` rounds and the last.
    """

    def __init__(self, model, evals, verbose):
        self.model, self.evals = model, evals
        self.period = 1 if verbose is True else int(verbose)
        self.metrics = model._make_metrics()
        model.evals_result_ = {name: {m.name: [] for m in self.metrics}
                               for name, *_ in evals}
        self.margins = [model._start_margin(e[1].shape[0], e[4]) for e in evals]
        for (_, X_e, *_), m_e in zip(evals, self.margins):
            model._forest.add_raw(X_e, m_e)
        self.stopper = EarlyStopping(model.early_stopping_rounds,
                                      self.metrics[-1].maximise) if evals else None
        self.pending = None

    def after_round(self, iteration):
        """Evaluate, print and return whether early stopping ends training."""
        if not self.evals:
            return False
        self.model._evaluate(self.evals, self.margins, self.metrics)
        log = self.model.evals_result_
        line = f"[{iteration}]" + "".join(
            f"\t{name}-{metric.name}:{log[name][metric.name][-1]:.5f}"
            for name, *_ in self.evals for metric in self.metrics)
        self.pending = None
        if self.period > 0 and iteration % self.period == 0:
            print(line)
        elif self.period > 0:
            self.pending = line  # printed after training if it is the last
        last = log[self.evals[-1][0]][self.metrics[-1].name][-1]
        return self.stopper.update(iteration, last)

    def after_training(self):
        if self.pending is not None:
            print(self.pending)


class EarlyStopping:
    """Tracks the best round of the monitored metric."""

    def __init__(self, rounds, maximise):
        self.rounds, self.maximise = rounds, maximise
        self.best_iteration = None
        self.best_score = None

    def update(self, iteration, value):
        better = self.best_score is None or (
            value > self.best_score if self.maximise else value < self.best_score)
        if better:
            self.best_iteration, self.best_score = iteration, value
        return self.rounds is not None and iteration - self.best_iteration >= self.rounds


def check_callbacks(callbacks):
    """Callbacks as a list; each needs at least one of xgboost's hook methods."""
    callbacks = list(callbacks or [])
    for cb in callbacks:
        if not any(callable(getattr(cb, name, None)) for name in CALLBACK_METHODS):
            raise TypeError(f"callbacks must be objects with before_training, "
                            f"after_iteration and/or after_training methods, got {cb!r}.")
    return callbacks
