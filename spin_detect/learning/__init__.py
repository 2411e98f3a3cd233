"""Layer 5, learning: models over the features, training data, training and evaluation.

:mod:`.model` (feature sets, the token/sentence/document models),
:mod:`.estimators` (scikit-learn estimators), :mod:`.train`, :mod:`.evaluate`,
:mod:`.spinner` (the training spinner) and :mod:`.labelled` (labelled-data format).
"""
